"""The reused vocabularies are closed namespaces that list exactly what the ontology's Turtle and the code use."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph

from kg.namespace import REUSED

ROOT = Path(__file__).resolve().parents[1]
TURTLE = sorted((ROOT / "ontology").glob("*.ttl"))


def _terms_in_turtle() -> dict[str, set[str]]:
    """Prefix -> the local names the Turtle files write under it (read through rdflib, not by pattern)."""
    found: dict[str, set[str]] = {p: set() for p in REUSED}
    for path in TURTLE:
        g = Graph().parse(path, format="turtle")
        for triple in g:
            for term in triple:
                for prefix, ns in REUSED.items():
                    if str(term).startswith(str(ns)) and str(term) != str(ns):
                        found[prefix].add(str(term)[len(str(ns)):])
    return found


def _declared(ns) -> set[str]:
    return {str(t)[len(str(ns)):] for t in dir(ns)}


@pytest.mark.parametrize("prefix", sorted(REUSED))
def test_every_reused_term_of_the_ontology_is_declared(prefix):
    ns = REUSED[prefix]
    missing = sorted(t for t in _terms_in_turtle()[prefix] if t not in _declared(ns))
    assert not missing, f"{prefix}: the Turtle uses {missing}, which kg/namespace.py does not declare"


def test_the_code_uses_only_declared_terms():
    """Every `NS.term` written in the code is declared (importing alone would not show a misspelling)."""
    wrong = []
    names = {"OA", "SCHEMA", "ORG", "SDGO", "QB", "FRAPO", "SDMX_DIM", "SDMX_MEASURE", "SDMX_ATTR", "PROV"}
    by_name = {"OA": "oa", "SCHEMA": "schema", "ORG": "org", "SDGO": "sdgo", "QB": "qb", "FRAPO": "frapo",
               "SDMX_DIM": "sdmx-dimension", "SDMX_MEASURE": "sdmx-measure", "SDMX_ATTR": "sdmx-attribute",
               "PROV": "prov"}
    for path in sorted((ROOT / "kg").rglob("*.py")) + sorted((ROOT / "extract").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name, term in re.findall(r"\b(" + "|".join(names) + r")\.([A-Za-z_]\w*)", line):
                if term not in _declared(REUSED[by_name[name]]):
                    wrong.append(f"{path.relative_to(ROOT)}:{n}: {name}.{term}")
    assert not wrong, "\n".join(wrong)


def test_a_misspelt_term_raises():
    with pytest.raises(AttributeError):
        REUSED["schema"].fundr
