"""Check an external store answers every library query with the same rows as the served dataset."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from kg.push.endpoints import PushError, TIMEOUT_S, _answers_default_graph, _client, _select, find_endpoints

NUMERIC = {"integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
           "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass
class Difference:
    """One library query whose rows differ between the store and the local graph."""

    query: str
    remote_rows: int
    local_rows: int
    only_remote: list = field(default_factory=list)   # a few rows, normalised, for the message
    only_local: list = field(default_factory=list)
    note: str = ""


def normal_term(term: dict | None):
    """A SPARQL JSON result term in the form every store agrees on. What stores legitimately differ on:
    - numbers: compared by value (Virtuoso answers xsd:int where Oxigraph keeps xsd:integer, and
      may write a decimal with another number of digits);
    - booleans: by value ("1" and "true" are both xsd:boolean true; Virtuoso answers "1");
    - xsd:string: the same as a plain literal in RDF 1.1 (some stores drop the datatype, some keep it);
    - language tags: case-insensitive (BCP 47); Oxigraph writes them in lower case;
    - blank nodes: their labels are local to each answer, so any blank node equals any other."""
    if term is None:
        return None
    kind = term.get("type")
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", term["value"])
    datatype = term.get("datatype", "")
    if datatype == XSD_BOOLEAN:
        return ("boolean", term["value"] in ("true", "1"))
    if datatype.rsplit("#", 1)[-1] in NUMERIC and datatype.startswith("http://www.w3.org/2001/XMLSchema#"):
        try:
            return ("number", Decimal(term["value"]).normalize())
        except InvalidOperation:
            pass
    if datatype == XSD_STRING:
        datatype = ""
    return ("literal", term["value"], datatype, term.get("xml:lang", "").lower())


def _rows(answer: dict) -> tuple[Counter, bool | None]:
    if "boolean" in answer:
        return Counter(), bool(answer["boolean"])
    names = answer.get("head", {}).get("vars", [])
    return Counter(tuple(normal_term(b.get(v)) for v in names) for b in answer["results"]["bindings"]), None


def library_texts() -> list[tuple[str, str]]:
    """Every library query (queries/*.rq, through the named-query loader), with the predeclared prefixes spelt out."""
    from kg.namespace import PREFIXES
    from kg.query.library import list_queries

    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    return [(q.name, prologue + q.text) for q in list_queries() if q.form in ("SELECT", "ASK")]


def _local_answer(store, text: str) -> dict:
    import pyoxigraph as ox

    result = store.query(text)
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    return json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))


def check(out_dir: Path, endpoint: str, query_endpoint: str | None = None, user: str | None = None,
          password: str | None = None, timeout: float = TIMEOUT_S) -> list[Difference]:
    """Run every library query on the store and on the local store `kg serve` answers from; return where rows differ.

    Queries run with their parameters free (every value), so each compares its whole answer. Rows are
    compared as sets of normalised rows (`normal_term`): a store whose default graph is the union of its
    named graphs repeats a triple held by two graphs, which changes how often a row comes back but not
    which rows do.
    """
    from kg.dataset.store import StoreError, load_store

    try:
        store = load_store(out_dir)
    except StoreError as exc:
        raise PushError(str(exc)) from None
    diffs = []
    with _client(user, password, timeout) as client:
        ends = find_endpoints(endpoint, client, None, query_endpoint, authenticated=bool(user))
        for name, text in library_texts():
            remote, remote_bool = _rows(_select(client, ends.query, text, f"running the library query {name!r}"))
            local, local_bool = _rows(_local_answer(store, text))
            if remote_bool != local_bool or set(remote) != set(local):
                d = Difference(name, len(set(remote)), len(set(local)),
                               sorted(set(remote) - set(local), key=repr)[:3], sorted(set(local) - set(remote), key=repr)[:3])
                if d.remote_rows in (1000, 10000, 100000) and d.remote_rows < d.local_rows:
                    d.note = (f"the store stopped at {d.remote_rows} rows: it caps answers (Virtuoso: "
                              f"ResultSetMaxRows in virtuoso.ini)")
                if not remote and local and not _answers_default_graph(client, ends.query):
                    d.note = ("the store's default graph is empty: the library queries read the union of the named "
                              "graphs there (Oxigraph: serve --union-default-graph; Fuseki: unionDefaultGraph)")
                diffs.append(d)
    return diffs
