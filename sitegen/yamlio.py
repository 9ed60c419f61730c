"""YAML in and out for files people edit: strict on the way in, stable and diff-friendly on the way out."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import ContentError


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and aliases (an alias bomb can exhaust memory)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                "while reading", None, "aliases (*name) are not allowed here; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def _refuse_duplicate_keys(loader: Any, node: Any) -> None:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.MarkedYAMLError(
                "while reading a mapping", node.start_mark,
                f"duplicate key {key!r} (first on line {seen[key].line + 1})", key_node.start_mark,
            )
        seen[key] = key_node.start_mark


_CBase: Any = getattr(yaml, "CSafeLoader", None)
FastStrictLoader: Any

if _CBase is not None:
    class _FastStrictLoader(_CBase):  # type: ignore[misc]
        """The same rules on libyaml's parser (annotation files are large): aliases found in the
        composed graph, duplicate keys in the constructor."""

        def construct_document(self, node: Any) -> Any:
            _refuse_aliases(node)
            return super().construct_document(node)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            _refuse_duplicate_keys(self, node)
            return super().construct_mapping(node, deep=deep)

    FastStrictLoader = _FastStrictLoader
else:  # pragma: no cover - PyYAML without libyaml
    FastStrictLoader = StrictLoader


def _refuse_aliases(root: Any) -> None:
    """An alias makes the composed graph share a node: find one, iteratively (nesting may be deep)."""
    seen: set[int] = set()
    stack = [(root, root.start_mark)]  # (node, where it is referred to)
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            raise yaml.MarkedYAMLError("while reading", None,
                                       "aliases (*name) are not allowed here; write the value out", where)
        if isinstance(node, yaml.ScalarNode):
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):  # reversed: visit in document order, report the later use
                stack.extend(((value, key.start_mark), (key, key.start_mark)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, node.start_mark) for item in reversed(node.value))


def load_yaml(text: str, path: Path, first_line: int = 1) -> Any:
    """Parse YAML text; errors become `path:line: message` with the offending line."""
    try:
        return yaml.load(text, Loader=FastStrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and any(what in (exc.context or "") for what in ("quoted scalar", "flow")):
            # Point at where the unclosed quote or bracket opened, not at the end of the text.
            mark = exc.context_mark
        lines = text.split("\n")
        line_in_text = min(mark.line if mark else 0, len(lines) - 1)  # the end of the text is on its last line
        source = lines[line_in_text]
        problem = exc.problem or exc.context or "not valid YAML"
        # Lines inside the message count from the YAML's first line; report them as file lines.
        problem = re.sub(r"first on line (\d+)", lambda m: f"first on line {int(m.group(1)) + first_line - 1}", problem)
        hint = _hint(problem + ("\\t" if "\t" in source else ""))
        raise ContentError(path, first_line + line_in_text, f"{problem}{hint}", source) from None
    except yaml.YAMLError as exc:
        raise ContentError(path, first_line, f"not valid YAML ({exc})") from None
    except ValueError as exc:  # e.g. published: 2025-02-30 fails in the timestamp constructor
        line = _find_line(text, str(exc))
        raise ContentError(path, first_line + line, f"not a valid date ({exc}); use YYYY-MM-DD",
                           text.split("\n")[line] if text else "") from None


def scalar_text(value: Any) -> str | None:
    """A scalar's text (None for null or empty). Unquoted, `2024` is read as a number and `2024-05-01`
    as a date: what was typed is their text. A list, a mapping or true/false is no text: TypeError."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, dt.date)):
        raise TypeError(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def key_line(lines: list[str], key: str) -> int:
    """The line number of the top-level `key:` in a YAML file's lines (1 when it is not there)."""
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _hint(problem: str) -> str:
    if "\\t" in problem or "tab" in problem:
        return "; indent with spaces, not tabs"
    if "unexpected end of stream" in problem or "quoted scalar" in problem:
        return "; a quotation mark is not closed"
    return ""


DATE_VALUE = re.compile(r":\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def _find_line(text: str, _message: str) -> int:
    """The timestamp constructor does not say where it failed: find the value that is not a date."""
    for number, line in enumerate(text.split("\n")):
        match = DATE_VALUE.search(line)
        if match:
            try:
                dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return number
    return 0


class _Dumper(yaml.SafeDumper):
    """Block-style lists indented under their key, as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029", "\r")


def _str_representer(dumper: yaml.SafeDumper, value: str) -> Any:
    # Characters YAML reads as line breaks only survive a round trip escaped in double quotes.
    if any(char in value for char in YAML_LINE_BREAKS):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    """Serialize in the given key order, unicode as is, long lines unwrapped: stable diffs."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100_000,
                     default_flow_style=False)
