"""The command line against a real server on 127.0.0.1: each invocation connects,
logs in, does one thing and prints JSON, as a script would use it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from aiohttp import web

from desktop.cli import run
from desktop.cli.actions import ACTIONS
from desktop.cli.build import BUILDERS
from desktop.cli.parser import build_parser
from desktop.server import EmbeddedServer

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
WAIT = 30.0
"""Seconds a ``python -m desktop.cli`` process may take, start-up included."""
ATTENDEES = {"ann": "voip", "ben": "just_listening", "cat": "voip", "dan": "phone"}


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def error(self) -> Any:
        return json.loads(self.err)["error"]


class Exited(NamedTuple):
    """What a ``python -m desktop.cli`` process left: its status and its stdout."""

    status: int
    out: str


class Cli:
    """Runs the command line on the test's loop, against one server."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    async def __call__(self, user: str | None, *argv: str) -> Outcome:
        login = [] if user is None else ["--user", user]
        status = await run(["--server", self.url, "--password", PASSWORD, *login, *argv], {})
        captured = self.capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    async def ok(self, user: str | None, *argv: str) -> Any:
        outcome = await self(user, *argv)
        assert outcome.status == 0, outcome.err
        assert not outcome.err
        return outcome.json()

    async def sign_up(self, *usernames: str) -> None:
        for username in usernames:
            account = await self.ok(None, "sign-up", username, "--display-name", username.title())
            assert (account["user_id"], account["display_name"]) == (username, username.title())


@pytest.fixture
def cli(server: EmbeddedServer, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(server.url, capsys)


async def workshop(cli: Cli) -> str:
    """A conversation of ``mod`` with the four attendees, one of them on the phone."""
    await cli.sign_up("mod", *ATTENDEES)
    cid: str = (await cli.ok("mod", "create-conversation", "Workshop"))["conversation_id"]
    for username, audio in ATTENDEES.items():
        await cli.ok("mod", "add-member", cid, username, "--audio", audio, "--attribute", "x=1")
    return cid


async def test_a_whole_breakout_session_as_a_script(cli: Cli) -> None:
    cid = await workshop(cli)
    bridge = ["--dial-in", "+1 555 0100", "--pin", "1234", "--pin", "2345"]
    await cli.ok("mod", "set-up", cid, "--rooms", "2", "--closing-countdown", "30", *bridge)
    await cli.ok("mod", "distribute", cid, "--seed", "3")
    configured = (await cli.ok("mod", "state", cid))["breakouts"]
    assert configured["settings"]["bridge"] == {
        "dial_in_number": "+1 555 0100",
        "pins": ["1234", "2345"],
    }
    assert configured["settings"]["phone_room_limit"] == 2
    distributed = configured["plan"]
    assert sorted(distributed["rooms_of"]) == sorted(ATTENDEES)

    await cli.ok("mod", "apply", cid, "--start")
    running = (await cli.ok("mod", "state", cid))["breakouts"]
    assert running["phase"] == "running"
    assert running["plan"] == distributed

    await cli.ok("mod", "broadcast", cid, "Five minutes left")
    await cli.ok("mod", "end", cid)
    assert (await cli.ok("ann", "state", cid))["breakouts"]["phase"] == "closing"
    await cli.ok("mod", "end", cid)
    assert (await cli.ok("ann", "state", cid))["breakouts"]["phase"] == "ended"
    await cli.ok("mod", "delete-rooms", cid)

    final = await cli.ok("mod", "state", cid)
    assert final["breakouts"]["phase"] == "not_configured"
    assert final["breakouts"]["rooms"] == []
    audio = {user: member["audio"] for user, member in final["members"].items()}
    assert audio == {"mod": "voip", **ATTENDEES}
    assert final["members"]["dan"]["attributes"] == {"x": "1"}
    assert final["seq"] > 1

    history = await cli.ok("ben", "history", cid)
    texts = [record["body"].get("text") for record in history["records"]]
    assert "Five minutes left" in texts
    assert history["room_id"] is None


async def test_rooms_by_name_placing_and_a_room_chat(cli: Cli) -> None:
    cid = await workshop(cli)
    await cli.sign_up("eve")
    await cli.ok("mod", "add-member", cid, "eve", "--moderator")
    await cli.ok("mod", "set-up", cid, "--room-name", "Red", "--room-name", "Blue")
    rooms = (await cli.ok("mod", "state", cid))["breakouts"]["rooms"]
    assert [room["name"] for room in rooms] == ["Red", "Blue"]
    blue = str(rooms[1]["id"])

    refused = await cli("mod", "place", cid, "eve", blue)
    assert refused.error()["code"] == "moderator_not_assignable"
    await cli.ok("eve", "place", cid, "ann", blue, "--pinned")
    plan = (await cli.ok("mod", "state", cid))["breakouts"]["plan"]
    assert plan["rooms_of"] == {"ann": int(blue)}
    assert plan["pinned"] == ["ann"]

    await cli.ok("mod", "apply", cid, "--start")
    await cli.ok("ann", "post", cid, "hello Blue", "--room", blue)
    page = await cli.ok("mod", "history", cid, "--room", blue, "--limit", "200")
    assert "hello Blue" in [record["body"].get("text") for record in page["records"]]

    await cli.ok("mod", "place", cid, "ann", "main")
    assert (await cli.ok("mod", "state", cid))["breakouts"]["plan"]["rooms_of"] == {}


async def test_a_conversation_is_listed_and_deleted(cli: Cli) -> None:
    await cli.sign_up("mod")
    cid = (await cli.ok("mod", "create-conversation", "Standup"))["conversation_id"]
    [summary] = await cli.ok("mod", "conversations")
    assert summary == {
        "conversation_id": cid,
        "title": "Standup",
        "members": 1,
        "moderator": True,
        "seq": 1,
    }
    assert await cli.ok("mod", "delete-conversation", cid) == {
        "conversation_id": cid,
        "deleted": True,
    }
    assert await cli.ok("mod", "conversations") == []


async def test_a_refusal_prints_its_code_on_stderr_and_exits_1(cli: Cli) -> None:
    cid = await workshop(cli)
    await cli.ok("mod", "set-up", cid, "--rooms", "2")

    refused = await cli("ann", "start", cid)

    assert refused.status == 1
    assert not refused.out
    assert refused.error()["code"] == "forbidden"
    assert "moderator" in refused.error()["message"].lower()


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["state", "nope"], "unknown_conversation"),
        (["apply", "nope"], "unknown_conversation"),
        (["history", "nope"], "unknown_conversation"),
        (["set-up", "{cid}", "--rooms", "0"], "room_limit"),
        (["add-member", "{cid}", "nobody"], "unknown_account"),
        (["set-up", "{cid}", "--rooms", "2", "--dial-in", "555", "--pin", "12"], "invalid_setting"),
    ],
)
async def test_other_refusals_keep_the_servers_code(cli: Cli, argv: list[str], code: str) -> None:
    cid = await workshop(cli)
    refused = await cli("mod", *(word.format(cid=cid) for word in argv))
    assert (refused.status, refused.error()["code"]) == (1, code)


async def test_a_wrong_password_is_a_refusal(cli: Cli) -> None:
    await cli.sign_up("mod")
    refused = await cli("mod", "conversations", "--password", "not the password")
    assert (refused.status, refused.error()["code"]) == (1, "bad_credentials")


async def test_an_unreachable_server_exits_2_with_a_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"ws://127.0.0.1:{free_port()}/ws"

    status = await run(
        ["--server", url, "--user", "a", "--password", PASSWORD, "conversations"], {}
    )

    captured = capsys.readouterr()
    assert status == 2
    assert not captured.out
    assert captured.err.startswith("roomcast: Cannot reach ")
    assert url in captured.err
    assert "Traceback" not in captured.err


async def test_a_server_that_does_not_answer_exits_2_after_the_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    release = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    async with await asyncio.start_server(hold, "127.0.0.1", 0) as silent:
        url = f"ws://127.0.0.1:{silent.sockets[0].getsockname()[1]}/ws"
        argv = ["--server", url, "--user", "a", "--password", PASSWORD, "--timeout", "0.2"]
        status = await run([*argv, "conversations"], {})
        release.set()

    assert status == 2
    assert capsys.readouterr().err == f"roomcast: No answer from {url} within 0.2 s.\n"


async def test_a_server_of_another_kind_exits_2_with_a_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def echo(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            await socket.send_str(message.data)
        return socket

    app = web.Application()
    app.router.add_get("/ws", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"ws://127.0.0.1:{runner.addresses[0][1]}/ws"
    try:
        status = await run(["--server", url, "--user", "a", "--password", "b", "state", "c"], {})
    finally:
        await runner.cleanup()

    assert status == 2
    assert capsys.readouterr().err.startswith(f"roomcast: {url} is not a Roomcast server: ")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["fly-away"],
        ["place", "c1", "ann", "nowhere"],
        ["set-up", "c1"],
        ["set-up", "c1", "--rooms", "2", "--room-name", "A"],
        ["set-up", "c1", "--rooms", "2", "--pin", "123"],
        ["set-up", "c1", "--rooms", "2", "--mode", "random"],
        ["add-member", "c1", "ann", "--audio", "carrier_pigeon"],
        ["add-member", "c1", "ann", "--attribute", "team"],
        ["add-member", "c1", "ann", "--attribute", "team=a", "team=b"],
        ["history", "c1", "--limit", "many"],
        ["--timeout", "0", "conversations"],
        ["conversations", "--timeout", "soon"],
    ],
)
async def test_bad_arguments_exit_2_before_connecting(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status = await run(["--server", "ws://127.0.0.1:9/ws", "--user", "a", *argv], {})

    captured = capsys.readouterr()
    assert status == 2
    assert "usage:" in captured.err
    assert "Cannot reach" not in captured.err


async def test_logging_in_needs_a_user_and_a_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(["--password", PASSWORD, "conversations"], {}) == 2
    assert "--user" in capsys.readouterr().err
    assert await run(["--user", "mod", "conversations"], {}) == 2
    assert "--password" in capsys.readouterr().err


async def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(["--help"], {}) == 0
    assert "set-up" in capsys.readouterr().out


async def test_python_dash_m_reads_the_environment(server: EmbeddedServer) -> None:
    cli_env = {"ROOMCAST_SERVER": server.url, "ROOMCAST_USER": "mod", "ROOMCAST_PASSWORD": PASSWORD}

    signed_up = await python_m_desktop_cli(cli_env, "sign-up", "mod")
    created = await python_m_desktop_cli(cli_env, "create-conversation", "Town hall")
    listed = await python_m_desktop_cli(cli_env, "conversations")

    assert signed_up == (
        0,
        '{\n  "user_id": "mod",\n  "display_name": "mod",\n  "admin": true\n}\n',
    )
    assert (created.status, listed.status) == (0, 0)
    assert (
        json.loads(listed.out)[0]["conversation_id"] == json.loads(created.out)["conversation_id"]
    )


async def test_options_after_the_subcommand_override_the_environment(
    server: EmbeddedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {"ROOMCAST_SERVER": "ws://127.0.0.1:9/ws", "ROOMCAST_PASSWORD": PASSWORD}
    argv = ["sign-up", "mod", "--server", server.url]
    assert await run(argv, environ) == 0
    assert json.loads(capsys.readouterr().out)["user_id"] == "mod"


async def test_every_subcommand_has_an_action() -> None:
    parser = build_parser({})
    [commands] = [action for action in parser._actions if action.dest == "command"]
    assert commands.choices is not None
    assert set(commands.choices) == set(ACTIONS)
    assert set(BUILDERS) < set(ACTIONS)


def free_port() -> int:
    """A port nothing listens on (it was free a moment ago, on 127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def python_m_desktop_cli(cli_env: dict[str, str], *argv: str) -> Exited:
    """Run ``python -m desktop.cli`` without blocking the loop the server is on."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "desktop.cli",
        *argv,
        cwd=ROOT,
        env={**os.environ, **cli_env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(WAIT):
        out, err = await process.communicate()
    assert process.returncode is not None, err.decode()
    return Exited(process.returncode, out.decode())
