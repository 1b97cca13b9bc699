"""The relation components the parse runs, read from components.tsv: name and reader, in their order.

A component is registered by one line of `components.tsv` (as spaCy registers a factory by name): its name, which
its facts and its cue file (`lang/en/relations/<name>.jsonl`) carry, and its reader, a function of a module under
`extract.relations` that turns a SentenceView into Relation records. A new relation kind is its class in the
ontology, one component (a module and its line here) and its cue file; nothing else names it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from extract.errors import read_tsv
from extract.relations.surface import RelationError

COMPONENTS_FILE = Path(__file__).resolve().with_name("components.tsv")
PACKAGE = "extract.relations"


@dataclass(frozen=True)
class Component:
    name: str
    read: Callable       # SentenceView -> list[Relation]


@lru_cache(maxsize=1)
def load_components(path: Path = COMPONENTS_FILE) -> tuple[Component, ...]:
    """The registered components in their order; a line naming no reader of extract.relations raises RelationError."""
    out: list[Component] = []
    for n, row in read_tsv(path, ("name", "reader"), RelationError):
        name, reader = row["name"].strip(), row["reader"].strip()
        module, _, function = reader.partition(":")
        if not name or not function or not (module == PACKAGE or module.startswith(PACKAGE + ".")):
            raise RelationError(f"{path}:{n}: the reader {reader!r} must be 'module:function' with the module under "
                                f"{PACKAGE} (e.g. {PACKAGE}.funding:read_funding); fix that line")
        if any(c.name == name for c in out):
            raise RelationError(f"{path}:{n}: the component {name!r} is registered twice; keep one line")
        try:
            read = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError) as exc:
            raise RelationError(f"{path}:{n}: the reader {reader!r} cannot be loaded ({exc}); name a function "
                                f"that exists") from None
        out.append(Component(name, read))
    return tuple(out)


def read_places_of_action(view) -> list:
    """The place component's reader: places of action among the places the sentence names."""
    from extract.relations.place import read_places

    return read_places(view, view.place_hits)
