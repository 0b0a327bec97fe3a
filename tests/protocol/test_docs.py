"""``docs/protocol.md`` says what the code does: every message, command, event and
notice with its exact fields and a JSON example that decodes, every structure,
enumeration value, error code and close code."""

from __future__ import annotations

import json
import re
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import msgspec
import pytest

from desktop.core import (
    Breakouts,
    BreakoutSettings,
    Conversation,
    DistributeOptions,
    ErrorCode,
    Member,
    PhoneBridge,
    Placement,
    Plan,
    Room,
)
from desktop.core.commands import Command
from desktop.core.events import Event
from desktop.protocol import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    ClientMessage,
    CloseCode,
    Notice,
    ProtocolCode,
    ProtocolError,
    Record,
    ServerMessage,
    decode_client,
    decode_server,
)
from desktop.protocol.messages import (
    HISTORY_PAGE_MAX,
    Account,
    CallParticipant,
    ConversationSummary,
    Limits,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"

Decoder = Callable[[bytes], object]


def union_decoder(union: object) -> Decoder:
    decoder: msgspec.json.Decoder[object] = msgspec.json.Decoder(union)
    return decoder.decode


@dataclass(frozen=True)
class TaggedUnion:
    """One tagged union and the section of the document that describes it."""

    section: str
    members: tuple[type[msgspec.Struct], ...]
    decode: Decoder

    def tags(self) -> dict[str, type[msgspec.Struct]]:
        return {str(typ.__struct_config__.tag): typ for typ in self.members}


UNIONS = [
    TaggedUnion("Client messages", typing.get_args(ClientMessage), decode_client),
    TaggedUnion("Server messages", typing.get_args(ServerMessage), decode_server),
    TaggedUnion("Commands", typing.get_args(Command), union_decoder(Command)),
    TaggedUnion("Events", typing.get_args(Event), union_decoder(Event)),
    TaggedUnion("Server entries", typing.get_args(Notice), union_decoder(Notice)),
]

STRUCTURES: dict[str, type[msgspec.Struct]] = {
    typ.__name__: typ
    for typ in (
        Account,
        Limits,
        ConversationSummary,
        CallParticipant,
        Record,
        Conversation,
        Member,
        Breakouts,
        BreakoutSettings,
        PhoneBridge,
        Room,
        Placement,
        Plan,
        DistributeOptions,
    )
}


# Reading the document


@dataclass(frozen=True)
class Block:
    """A JSON code block and the headings it sits under."""

    line: int
    section: str
    subsection: str | None
    text: str


@dataclass
class Document:
    text: str
    blocks: list[Block] = field(default_factory=list)
    rows: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """The backticked first cells of the table rows under each ``###`` heading."""
    subsections: dict[str, list[str]] = field(default_factory=dict)
    headings: list[str] = field(default_factory=list)


HEADING = re.compile(r"^(#{1,6}) (.+)$")
CODE_NAME = re.compile(r"^`([^`]+)`$")
ROW = re.compile(r"^\| `([^`]+)` \|")


def read(path: Path) -> Document:
    text = path.read_text(encoding="utf-8")
    document = Document(text)
    section, subsection = "", None
    code: list[str] | None = None
    fence = ""
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if code is not None:
            if line.strip() == "```":
                if fence == "json":
                    document.blocks.append(Block(start, section, subsection, "\n".join(code)))
                code = None
            else:
                code.append(line)
        elif line.startswith("```"):
            code, fence, start = [], line[3:].strip(), number
        elif heading := HEADING.match(line):
            level, title = len(heading[1]), heading[2]
            document.headings.append(title)
            name = CODE_NAME.match(title)
            if level == 2:
                section, subsection = title, None
            elif level == 3:
                subsection = name[1] if name else title
                document.subsections.setdefault(section, []).append(subsection)
        elif subsection is not None and (row := ROW.match(line)):
            document.rows.setdefault((section, subsection), []).append(row[1])
    assert code is None, f"a code block opened on line {start} is never closed"
    return document


DOCUMENT = read(DOC)


def block_id(block: Block) -> str:
    return f"line {block.line}"


# Comparing an example with what the code makes of it


def differences(example: object, actual: object, path: str = "$") -> Iterator[str]:
    """Where ``example`` says something ``actual`` does not: unknown or misspelt
    fields, and values that did not survive decoding."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            yield f"{path} is not an object in the code"
            return
        for key, value in example.items():
            if key in actual:
                yield from differences(value, actual[key], f"{path}.{key}")
            else:
                yield f"{path}.{key} is not a field"
    elif isinstance(example, list):
        if not isinstance(actual, list) or len(actual) != len(example):
            yield f"{path} does not decode to the same number of items"
        elif all(not isinstance(item, dict | list) for item in example):
            # Sets (pinned attendees, keep-together groups) may come back in any order.
            if Counter(map(json.dumps, example)) != Counter(map(json.dumps, actual)):
                yield f"{path} decodes to {actual!r}"
        else:
            for index, (item, decoded) in enumerate(zip(example, actual, strict=True)):
                yield from differences(item, decoded, f"{path}[{index}]")
    elif type(example) is bool or type(actual) is bool:
        if example is not actual:
            yield f"{path} decodes to {actual!r}"
    elif example != actual:
        yield f"{path} decodes to {actual!r}"


def decoders_for(block: Block, tag: object) -> list[Decoder]:
    """How to read ``block``: as its section's type, else by its ``type``."""
    for union in UNIONS:
        if block.section == union.section and block.subsection in union.tags():
            return [union.decode]
    if block.section == "Structures" and block.subsection in STRUCTURES:
        return [union_decoder(STRUCTURES[block.subsection])]
    return [union.decode for union in UNIONS if tag in union.tags()]


def decode_example(block: Block) -> object:
    value = json.loads(block.text)
    assert isinstance(value, dict), "an example is one JSON object"
    decoders = decoders_for(block, value.get("type"))
    assert decoders, f"nothing on this page has the type {value.get('type')!r}"
    problems: list[str] = []
    for decode in decoders:
        try:
            return decode(block.text.encode())
        except (ProtocolError, msgspec.ValidationError) as error:
            problems.append(str(error))
    raise AssertionError(f"the example does not decode: {'; '.join(problems)}")


# The examples


@pytest.mark.parametrize("block", DOCUMENT.blocks, ids=block_id)
def test_every_json_block_parses(block: Block) -> None:
    json.loads(block.text)


@pytest.mark.parametrize("block", DOCUMENT.blocks, ids=block_id)
def test_every_example_decodes_to_what_it_shows(block: Block) -> None:
    decoded = decode_example(block)
    for union in UNIONS:
        if block.section == union.section and block.subsection in union.tags():
            assert type(decoded) is union.tags()[block.subsection]
    again = json.loads(msgspec.json.encode(decoded))
    assert list(differences(json.loads(block.text), again)) == []


@pytest.mark.parametrize("union", UNIONS, ids=lambda union: union.section)
def test_every_tag_appears_in_a_json_example(union: TaggedUnion) -> None:
    examples = "\n".join(block.text for block in DOCUMENT.blocks)
    missing = [tag for tag in union.tags() if f'"type": "{tag}"' not in examples]
    assert missing == []


# The sections and their tables


@pytest.mark.parametrize("union", UNIONS, ids=lambda union: union.section)
def test_every_type_has_a_section_listing_its_fields(union: TaggedUnion) -> None:
    assert DOCUMENT.subsections.get(union.section, []) == list(union.tags())
    for tag, typ in union.tags().items():
        documented = DOCUMENT.rows.get((union.section, tag), [])
        assert sorted(documented) == sorted(f.name for f in msgspec.structs.fields(typ)), tag


@pytest.mark.parametrize("union", UNIONS, ids=lambda union: union.section)
def test_every_type_has_an_example_in_its_section(union: TaggedUnion) -> None:
    shown = {block.subsection for block in DOCUMENT.blocks if block.section == union.section}
    assert set(union.tags()) <= shown


def test_every_structure_has_a_section_listing_its_fields() -> None:
    assert sorted(DOCUMENT.subsections["Structures"]) == sorted(STRUCTURES)
    for name, typ in STRUCTURES.items():
        documented = DOCUMENT.rows.get(("Structures", name), [])
        assert sorted(documented) == sorted(f.name for f in msgspec.structs.fields(typ)), name


def reachable() -> tuple[set[type[msgspec.Struct]], set[type[Enum]]]:
    """The untagged structures and the enumerations the messages contain."""
    structs: set[type[msgspec.Struct]] = set()
    enums: set[type[Enum]] = set()
    seen: set[int] = set()

    def visit(info: object) -> None:
        if id(info) in seen:
            return
        seen.add(id(info))
        if isinstance(info, msgspec.inspect.StructType):
            if info.tag is None:
                structs.add(info.cls)
            for struct_field in info.fields:
                visit(struct_field.type)
        elif isinstance(info, msgspec.inspect.EnumType):
            enums.add(info.cls)
        for name in ("types", "item_types"):
            for inner in getattr(info, name, ()):
                visit(inner)
        for name in ("item_type", "key_type", "value_type"):
            if (inner := getattr(info, name, None)) is not None:
                visit(inner)

    for info in msgspec.inspect.multi_type_info([ClientMessage, ServerMessage]):
        visit(info)
    return structs, enums


def test_the_structures_are_those_the_messages_contain() -> None:
    structs, _ = reachable()
    assert {typ.__name__ for typ in structs} == set(STRUCTURES)


def test_every_enumeration_value_is_written_out() -> None:
    _, enums = reachable()
    missing = [
        f"{enum.__name__}.{member.name}"
        for enum in enums
        for member in enum
        if f"`{member.value}`" not in DOCUMENT.text
    ]
    assert missing == []


# Codes and numbers


def test_every_protocol_code_is_explained_once() -> None:
    assert DOCUMENT.rows[("Errors", "Protocol codes")] == [code.value for code in ProtocolCode]


def test_every_domain_code_is_explained_once() -> None:
    assert DOCUMENT.rows[("Errors", "Domain codes")] == [code.value for code in ErrorCode]


def test_every_close_code_is_explained_once() -> None:
    assert DOCUMENT.rows[("Errors", "Close codes")] == [str(code.value) for code in CloseCode]


def test_the_numbers_are_the_codes() -> None:
    assert f"protocol version **{PROTOCOL_VERSION}**" in DOCUMENT.text
    assert f"64 KiB** ({MAX_FRAME_BYTES} bytes)" in DOCUMENT.text
    assert f"1 to {HISTORY_PAGE_MAX}" in DOCUMENT.text
    assert f"with code `{CloseCode.TOO_LARGE.value}`" in DOCUMENT.text


# Links


def anchor(heading: str) -> str:
    """The fragment a Markdown renderer (GitHub's) gives a heading."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_links_within_the_page_lead_to_headings() -> None:
    anchors: set[str] = set()
    used: Counter[str] = Counter()
    for heading in DOCUMENT.headings:
        base = anchor(heading)
        anchors.add(base if not used[base] else f"{base}-{used[base]}")
        used[base] += 1
    links = set(re.findall(r"\]\(#([^)]+)\)", DOCUMENT.text))
    assert links - anchors == set()
