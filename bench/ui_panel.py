"""The Smart Distribute panel at workshop scale, against a plain Qt tree.

2,000 attendees (20 % phone, 60 % VOIP, 20 % just listening) over 100 rooms,
phone room limit 7, in a shown 1280x800 panel, offscreen. Three figures, each a
median over several repeats:

- ``panel_open_ms``: open a saved, distributed plan (draft, model, tree, expand
  all, readiness check) and repaint;
- ``distribute_repaint_ms``: click Smart Distribute on an empty plan and repaint;
- ``drop_ms``: drop one attendee on another room through ``dropMimeData``, with
  the conflict update, the view's relayout and a repaint.

Also printed: ``readiness_ms``, the readiness check that runs once the moderator
pauses (on a distributed plan), and ``readiness_unassigned_ms``, the same with
everyone unassigned, its worst case.

The baseline, timed in the same run and interleaved with the rest, fills a
``QStandardItemModel`` with the same 2,100 rows (text and icon) in a tree view
of the same size, expands it and repaints. Targets: open at most 300 ms,
distribute and repaint at most 150 ms, one drop at most 16 ms.

    python bench/ui_panel.py [--attendees N] [--rooms N] [--repeat N]
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import argparse
import random
import statistics
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTreeView

from desktop.core import (
    AudioConnection,
    Breakouts,
    BreakoutSettings,
    Conversation,
    Member,
    Phase,
    Plan,
    Role,
    Room,
    RoomId,
    UserId,
    smart_distribute,
)
from desktop.ui.breakout_panel import BreakoutPanel
from desktop.ui.models.attendee_mime import attendees_mime
from desktop.ui.resources import icon
from desktop.ui.theme import apply_theme

OWNER = UserId("owner")
SIZE = (1280, 800)
PHONE_LIMIT = 7
DROPS = 5
"""Drops timed after each opening of the panel."""


def workshop(attendees: int, rooms: int, seed: int = 7) -> Conversation:
    """A conversation with its rooms set up and nobody placed yet."""
    rng = random.Random(seed)
    members = {OWNER: Member(user_id=OWNER, display_name="Olivia Owner", role=Role.MODERATOR)}
    for number in range(attendees):
        draw = rng.random()
        audio = (
            AudioConnection.PHONE
            if draw < 0.2
            else AudioConnection.JUST_LISTENING
            if draw < 0.4
            else AudioConnection.VOIP
        )
        user = UserId(f"user-{number}")
        name = f"{rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{rng.getrandbits(32):x} {number}"
        members[user] = Member(user_id=user, display_name=name, audio=audio)
    breakouts = Breakouts(
        phase=Phase.CONFIGURED,
        rooms=tuple(Room(RoomId(number), f"Room {number}") for number in range(1, rooms + 1)),
        settings=BreakoutSettings(phone_room_limit=PHONE_LIMIT),
        next_room_id=RoomId(rooms + 1),
    )
    return Conversation(
        id="c-1", title="Workshop", owner=OWNER, members=members, breakouts=breakouts
    )


def distributed(conversation: Conversation) -> Conversation:
    breakouts = conversation.breakouts
    plan = smart_distribute(
        conversation.attendees(), [room.id for room in breakouts.rooms], {}, PHONE_LIMIT
    )
    return with_plan(conversation, plan)


def with_plan(conversation: Conversation, plan: Plan) -> Conversation:
    breakouts = Breakouts(
        phase=conversation.breakouts.phase,
        rooms=conversation.breakouts.rooms,
        settings=conversation.breakouts.settings,
        plan=plan,
        next_room_id=conversation.breakouts.next_room_id,
    )
    return Conversation(
        id=conversation.id,
        title=conversation.title,
        owner=conversation.owner,
        members=conversation.members,
        breakouts=breakouts,
    )


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


class Bench:
    """One shown panel and one shown plain tree, and the measured actions."""

    def __init__(self, app: QApplication, empty: Conversation, saved: Conversation) -> None:
        self.app = app
        self.empty = empty
        self.saved = saved
        self.panel = BreakoutPanel()
        self.panel.resize(*SIZE)
        self.panel.show()
        self.plain = QTreeView()
        self.plain.setHeaderHidden(True)
        self.plain.setUniformRowHeights(True)
        self.plain.resize(*SIZE)
        self.plain.show()
        self.app.processEvents()
        self.step = 0

    def paint(self) -> None:
        self.panel.repaint()
        self.app.processEvents()

    def open_panel(self) -> None:
        self.panel.open_conversation(self.saved, OWNER)
        self.paint()

    def distribute(self) -> None:
        self.panel.distribute_button.click()
        self.paint()

    def prepare_distribute(self) -> None:
        self.panel.open_conversation(self.empty, OWNER)
        self.paint()

    def drop(self) -> None:
        model = self.panel.model
        assert model is not None
        draft = model.draft
        # One attendee from a room beyond the phone rooms into the next one, a
        # different pair of rooms each time, as a moderator would.
        offset = PHONE_LIMIT + self.step % (len(draft.rooms) - PHONE_LIMIT - 1)
        source, target = draft.rooms[offset].id, draft.rooms[offset + 1].id
        self.step += 1
        user = draft.people(source)[0]
        parent = model.bucket_index(target)
        dropped = model.dropMimeData(
            attendees_mime([user]), Qt.DropAction.MoveAction, -1, 0, parent
        )
        assert dropped, "the drop was refused"
        # What the next turn of the event loop would do: the tree's delayed
        # relayout, then one paint.
        tree = self.panel.tree
        tree.executeDelayedItemsLayout()
        tree.viewport().repaint()

    def settle(self) -> None:
        """Run what is left over (posted updates, deferred deletes) outside the timed steps."""
        self.app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def baseline(self) -> None:
        """A plain model of the same rows, set on a tree, expanded and repainted."""
        model = QStandardItemModel()
        draft = self.panel.draft
        icons = {audio: icon(name) for audio, name in _ICONS.items()}
        room_icon = icon("room")
        for bucket in (None, *(room.id for room in draft.rooms)):
            people = draft.people(bucket)
            top = QStandardItem(room_icon, f"Room {bucket} ({len(people)})")
            top.appendRows(
                [
                    QStandardItem(
                        icons[draft.members[user].audio], draft.members[user].display_name
                    )
                    for user in people
                ]
            )
            model.appendRow(top)
        old, selection = self.plain.model(), self.plain.selectionModel()
        self.plain.setModel(model)
        for leftover in (old, selection):
            if leftover is not None:
                leftover.deleteLater()  # in settle(), not timed
        self.plain.expandAll()
        self.plain.repaint()
        self.app.processEvents()


_ICONS = {
    AudioConnection.PHONE: "phone",
    AudioConnection.VOIP: "voip",
    AudioConnection.JUST_LISTENING: "listening",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--attendees", type=int, default=2_000)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    if args.rooms < PHONE_LIMIT + 2:
        parser.error(f"drops are measured between rooms beyond {PHONE_LIMIT}: use 9 rooms or more")

    app = QApplication([])
    apply_theme(app, dark=False)
    empty = workshop(args.attendees, args.rooms)
    bench = Bench(app, empty, distributed(empty))
    bench.open_panel()  # warm up: icons, fonts, first layout
    bench.baseline()

    # Interleave the measurements so that load changes hit all of them alike.
    baseline, opening, distributing, dropping = [], [], [], []
    for _ in range(args.repeat):
        bench.settle()
        baseline.append(timed(bench.baseline))
        bench.settle()
        opening.append(timed(bench.open_panel))
        for _ in range(DROPS):
            bench.settle()
            dropping.append(timed(bench.drop))
        bench.prepare_distribute()
        bench.settle()
        distributing.append(timed(bench.distribute))
    plain_s = statistics.median(baseline)
    open_s = statistics.median(opening)
    distribute_s = statistics.median(distributing)
    drop_s = statistics.median(dropping)
    # The readiness check runs once the moderator pauses, not inside the steps above.
    readiness_s = statistics.median(
        timed(bench.panel.on_readiness_timer_timeout) for _ in range(args.repeat)
    )
    bench.prepare_distribute()
    unassigned_s = statistics.median(
        timed(bench.panel.on_readiness_timer_timeout) for _ in range(args.repeat)
    )

    print(f"attendees={args.attendees}")
    print(f"rooms={args.rooms}")
    print(f"baseline_tree_ms={plain_s * 1e3:.3f}")
    print(f"panel_open_ms={open_s * 1e3:.3f}")
    print(f"distribute_repaint_ms={distribute_s * 1e3:.3f}")
    print(f"drop_ms={drop_s * 1e3:.3f}")
    print(f"readiness_ms={readiness_s * 1e3:.3f}")
    print(f"readiness_unassigned_ms={unassigned_s * 1e3:.3f}")
    print(f"open_vs_baseline_ratio={open_s / plain_s:.2f}")
    print(f"distribute_vs_baseline_ratio={distribute_s / plain_s:.2f}")
    print(f"drop_vs_baseline_ratio={drop_s / plain_s:.4f}")
    bench.panel.close()
    bench.plain.close()


if __name__ == "__main__":
    main()
