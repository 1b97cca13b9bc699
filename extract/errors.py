"""The one error family (KGError and its kinds) and the readers that turn a broken data file into one of them.

Every error the `kg` command reports derives from `KGError`; the CLI catches that base once and prints the
message as one line with exit code 1. A message names the file and the line (or item) at fault and says
what to do, like spaCy's `errors.py`. The readers here are what every loader of a data file uses, so a
truncated, binary or malformed file reads as `FILE:LINE: what is wrong; what to do`, never a traceback.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterator

# What to do about a shipped data file that is broken: the project's own copy is the good one.
RESTORE = "fix it or restore the project's copy (git checkout -- FILE)"


class KGError(Exception):
    """An error the user can act on: the message names the file and the item at fault and says what to do."""


class DataError(KGError, ValueError):
    """A data file the program reads (gazetteer, lexicon, cue file, ontology, query, metadata) is malformed."""


def at(path: Path | str, line: int | None) -> str:
    """`path:line`, the way compilers and spaCy name a place in a file."""
    return f"{path}:{line}" if line else str(path)


def read_data_text(path: Path | str, error: type[DataError] = DataError, fix: str = RESTORE,
                   empty_ok: bool = False) -> str:
    """The UTF-8 text of a data file; a missing, unreadable, binary or empty file raises `error` naming it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}:1: cannot be read ({exc.strerror or exc}); {fix.replace('FILE', str(path))}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(f"{path}:{line}: is not UTF-8 text (binary bytes); {fix.replace('FILE', str(path))}") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise error(f"{path}:{line}: holds a NUL byte (binary, not text); {fix.replace('FILE', str(path))}")
    if not empty_ok and not any(l.strip() and not l.lstrip().startswith("#") for l in lines(text)):
        raise error(f"{path}:1: is empty; {fix.replace('FILE', str(path))}")
    return text


def read_json(path: Path | str, error: type[DataError] = DataError, fix: str = RESTORE) -> object:
    """One JSON document from a data file; a syntax error names its line."""
    text = read_data_text(path, error, fix)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno}); "
                    f"{fix.replace('FILE', str(path))}") from None


def read_jsonl(path: Path | str, error: type[DataError] = DataError, fix: str = RESTORE,
               empty_ok: bool = False) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each line of a JSON Lines data file; blank lines and `#` comments are skipped.
    A line that is not one JSON object raises `error` naming the line."""
    text = read_data_text(path, error, fix, empty_ok)
    for n, line in enumerate(lines(text), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{n}: not valid JSON ({exc.msg}, column {exc.colno}); each line is one JSON "
                        f"object; {fix.replace('FILE', str(path))}") from None
        if not isinstance(row, dict):
            raise error(f"{path}:{n}: is a JSON {type(row).__name__}, not an object; each line is one JSON object")
        yield n, row


def read_tsv(path: Path | str, columns: tuple[str, ...], error: type[DataError] = DataError, fix: str = RESTORE,
             comments: bool = True) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each row of a tab-separated data file whose header names at least `columns`;
    `#` comment lines are skipped. A row with too few or too many cells raises `error` naming its line."""
    text = read_data_text(path, error, fix)
    numbered = [(n, l) for n, l in enumerate(lines(text), 1)
                if l.strip() and not (comments and l.startswith("#"))]
    rows = csv.reader((l for _, l in numbered), delimiter="\t")
    header = next(rows)
    missing = [c for c in columns if c not in header]
    if missing:
        raise error(f"{path}:{numbered[0][0]}: the header lacks the column(s) {', '.join(missing)}; it must name "
                    f"{', '.join(columns)} (tab-separated); {fix.replace('FILE', str(path))}")
    for (n, _), cells in zip(numbered[1:], rows):
        if len(cells) != len(header):
            raise error(f"{path}:{n}: has {len(cells)} cells where the header has {len(header)} "
                        f"({', '.join(header)}); {fix.replace('FILE', str(path))}")
        yield n, dict(zip(header, cells))


def read_turtle(path: Path | str, error: type[DataError] = DataError, fix: str = RESTORE):
    """An rdflib Graph of a Turtle data file (the ontology, the shapes), bound to the file's own prefixes only;
    a syntax error names its line."""
    from rdflib import Graph
    from rdflib.plugins.parsers.notation3 import BadSyntax

    text = read_data_text(path, error, fix)
    try:
        return Graph(bind_namespaces="none").parse(data=text, format="turtle", publicID=Path(path).resolve().as_uri())
    except BadSyntax as exc:
        reason = re.search(r"Bad syntax \((.*?)\) at", str(exc))
        raise error(f"{path}:{exc.lines + 1}: not valid Turtle ({reason.group(1) if reason else 'bad syntax'}); "
                    f"{fix.replace('FILE', str(path))}") from None
    except Exception as exc:    # rdflib raises plain exceptions for bad IRIs and literals, without a line
        raise error(f"{path}:1: not valid Turtle ({exc}); {fix.replace('FILE', str(path))}") from None


def check_fields(path: Path | str, line: int, row: dict, fields: dict, error: type[DataError] = DataError,
                 optional: dict | None = None) -> None:
    """Every field of `fields` is in `row` with its type, each of `optional` has its type when present
    (a type may be a tuple of types; `[T]` is a list of T); otherwise `error` names the line and the field."""
    for name, typ in {**fields, **(optional or {})}.items():
        if name not in row:
            if name in fields:
                raise error(f"{path}:{line}: lacks the field {name!r}; each entry needs "
                            f"{', '.join(repr(f) for f in fields)}")
            continue
        if not _is(row[name], typ):
            raise error(f"{path}:{line}: field {name!r} is {_shown(row[name])}, not {_described(typ)}; "
                        f"fix that line")


def _is(value, typ) -> bool:
    if isinstance(typ, list):
        return isinstance(value, list) and all(_is(v, typ[0]) for v in value)
    types = _types(typ)
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def lines(text: str) -> list[str]:
    """The lines of a file's text, split at line feeds only (a name may hold any other separator)."""
    return [l.removesuffix("\r") for l in text.split("\n")]


def read_lexicon(path: Path | str, fields: dict, error: type[DataError] = DataError) -> dict:
    """A JSON lexicon: one object whose `fields` are lists of texts or objects of text to text (`list`, `dict`);
    a field that is missing, of the wrong type or holds a non-text entry raises `error` naming its line."""
    data = read_json(path, error)
    if not isinstance(data, dict):
        raise error(f"{path}:1: must be one JSON object with the fields {', '.join(fields)}")
    for name, typ in fields.items():
        value = data.get(name)
        where = lambda: f"{path}:{line_of(read_data_text(path, error), name)}"
        if not isinstance(value, typ):
            raise error(f"{where()}: field {name!r} is missing or not a {typ.__name__}; see the 'about' field")
        items = value.items() if isinstance(value, dict) else ((v, "") for v in value)
        for k, v in items:
            if not isinstance(k, str) or not isinstance(v, str):
                raise error(f"{where()}: field {name!r} has a non-text entry {k!r}; entries are strings")
    return data


def line_of(text: str, key: str, value: bool = False) -> int:
    """The line of a JSON text where the field `key` is written, or with `value`, the string `key` (1 when it
    is not found)."""
    m = re.search(rf'"{re.escape(key)}"' + ("" if value else r"\s*:"), text)
    return text[:m.start()].count("\n") + 1 if m else 1


def _types(typ) -> tuple:
    return typ if isinstance(typ, tuple) else (typ,)


def _described(typ) -> str:
    if isinstance(typ, list):
        return f"a list of {_described(typ[0]).removeprefix('a ').removeprefix('an ')}s"
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false", dict: "an object"}
    return " or ".join(names.get(t, t.__name__) for t in _types(typ))


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."
