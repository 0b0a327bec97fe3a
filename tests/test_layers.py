"""The layers stay where DESIGN.md puts them.

Every module outside ``desktop/ui``, ``desktop/app.py`` and ``desktop/calls.py`` (the
wiring) imports without Qt, and
``desktop/core`` imports nothing of ours outside itself and does no I/O.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "desktop"
CORE = PACKAGE / "core"

# What the domain may import: the standard library's pure parts and msgspec.
CORE_ALLOWED_IMPORTS = {
    "__future__",
    "collections",
    "dataclasses",
    "enum",
    "functools",
    "itertools",
    "math",
    "msgspec",
    "operator",
    "random",
    "typing",
}


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def non_ui_modules() -> list[str]:
    return sorted(
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        and path not in {PACKAGE / "app.py", PACKAGE / "calls.py", PACKAGE / "__main__.py"}
    )


def run_fresh(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


@pytest.mark.parametrize("module", non_ui_modules())
def test_module_imports_without_qt(module: str) -> None:
    loaded = run_fresh(
        f"""
        import importlib, json, sys
        importlib.import_module({module!r})
        print(json.dumps(sorted(sys.modules)))
        """
    )
    qt = [name for name in json.loads(loaded) if name.startswith(("PySide6", "shiboken6"))]
    assert not qt, f"{module} loads {qt}"


def test_core_loads_no_asyncio_and_nothing_else_of_ours() -> None:
    loaded = json.loads(
        run_fresh(
            """
            import json, sys
            import desktop.core
            print(json.dumps(sorted(sys.modules)))
            """
        )
    )
    ours = [name for name in loaded if name.startswith("desktop.") and name != "desktop.core"]
    assert all(name.startswith("desktop.core.") for name in ours), ours
    assert "asyncio" not in loaded
    assert not [name for name in loaded if name.startswith("PySide6")]


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda path: path.name)
def test_core_imports_only_pure_modules(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: stays inside desktop.core
                continue
            roots = {(node.module or "").split(".")[0]}
        else:
            continue
        assert roots <= CORE_ALLOWED_IMPORTS, f"{path.name}:{node.lineno} imports {roots}"


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda path: path.name)
def test_core_calls_no_io_builtins(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "print", "input", "exec", "eval", "__import__"}, (
                f"{path.name}:{node.lineno} calls {node.func.id}()"
            )


def test_a_whole_breakout_lifecycle_does_no_io() -> None:
    """Run the domain under an audit hook: no file, socket, process or clock call."""
    output = run_fresh(
        """
        import sys
        from desktop.core import (
            AudioConnection, BreakoutSettings, Conversation, Member, UserId, execute,
            check_readiness, due_events,
        )
        from desktop.core.commands import (
            AddMember, Broadcast, Distribute, EndBreakouts, RequestHelp, SetUpBreakouts,
            StartBreakouts, DeleteBreakouts, ApplyBreakouts,
        )
        from desktop.core.conversation import created
        from desktop.core.events import ConversationCreated

        seen = []
        def audit(event, args):
            if event.split(".")[0] in {"open", "socket", "subprocess", "os", "time", "shutil"}:
                seen.append(event)
        sys.addaudithook(audit)

        owner = Member(user_id=UserId("host"), display_name="Host")
        conversation = created(
            ConversationCreated(conversation_id="c", title="Workshop", owner=owner)
        )
        now = 1000.0
        def run(actor, command):
            global conversation
            conversation, _ = execute(conversation, UserId(actor), command, now)
        for number, audio in enumerate(list(AudioConnection) * 5):
            run("host", AddMember(user_id=UserId(f"p{number}"), display_name=f"P{number}",
                                   audio=audio))
        run("host", SetUpBreakouts(room_names=("A", "B", "C"),
                                   settings=BreakoutSettings(time_limit=60)))
        run("host", Distribute())
        check_readiness(conversation)
        run("host", StartBreakouts())
        run("p0", RequestHelp())
        run("host", Broadcast(text="Five minutes left"))
        now = 2000.0
        for event in due_events(conversation, now):
            pass
        run("host", EndBreakouts())
        run("host", DeleteBreakouts())
        print(",".join(seen) or "none")
        """
    )
    assert output.strip() == "none"


# Which of our packages each layer may import (DESIGN.md §2); itself is always allowed.
LAYER_DEPENDENCIES = {
    "protocol": {"core"},
    "server": {"protocol", "core", "eventlog"},
    "client": {"protocol", "core"},
    "cli": {"client", "protocol", "core"},
    "demo": {"client", "protocol", "core", "eventlog", "media"},
    "media": {"client", "protocol", "core"},
    "ui": {"client", "protocol", "core", "media"},
}
"""Nothing imports ``ui``; only ``desktop/app.py`` and ``desktop/calls.py`` wire layers together."""


def layer_imports(path: Path) -> set[str]:
    """The packages of ours (``desktop.<package>``) a module imports absolutely."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        found |= {name.split(".")[1] for name in names if name.startswith("desktop.")}
    return found


@pytest.mark.parametrize(
    ("layer", "path"),
    [
        pytest.param(layer, path, id=f"{layer}/{path.name}")
        for layer in LAYER_DEPENDENCIES
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    ],
)
def test_layers_import_only_the_layers_below(layer: str, path: Path) -> None:
    imported = layer_imports(path) - {layer}
    assert imported <= LAYER_DEPENDENCIES[layer], f"{layer}/{path.name} imports {imported}"
