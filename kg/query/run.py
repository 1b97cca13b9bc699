"""Turn a named query or SPARQL text into results over the built graph, parameters bound safely.

Two engines answer the same queries with the same rows: the Oxigraph store kept in out/store/ (`kg query`
and `kg ask` open it in milliseconds, whatever the corpus size) and an rdflib Dataset from `load_dataset`
(the golden files, and library callers that hold a graph in memory)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD

from extract.resources import data_path
from kg.build.iris import entity_iri
from kg.dataset.load import _quiet_rdflib
from kg.namespace import PREFIXES
from kg.query.library import NamedQuery, QueryError, QueryResult, load_query, query_prefixes

_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s<>\"{}|\\^`]+$", re.I)
_KEY = re.compile(r"^[a-z_]+/[A-Za-z0-9._~/-]+$")


def open_store(out_dir: Path):
    """The Oxigraph store of a build (out/store/, made from graph.trig first if it is missing or stale)."""
    from kg.dataset.store import StoreError, load_store

    try:
        return load_store(Path(out_dir))
    except StoreError as exc:
        raise QueryError(str(exc)) from None


def _is_store(source) -> bool:
    return type(source).__module__.startswith("pyoxigraph") and type(source).__name__ == "Store"


def engine(source):
    """What queries run on: an rdflib Dataset or an Oxigraph Store as given, or the store of an output folder."""
    if isinstance(source, Dataset) or _is_store(source):
        return source
    return open_store(Path(source))


def _has_subject(source, iri: URIRef) -> bool:
    if isinstance(source, Dataset):
        return (iri, None, None) in source
    import pyoxigraph

    return next(iter(source.quads_for_pattern(pyoxigraph.NamedNode(str(iri)), None, None)), None) is not None


RESOLVE = "ask/resolve-label"


def resolve(value: str, source, cls: str | None = None) -> list:
    """Graph terms a parameter value names: an <IRI>, a prefixed name, an entity key, or an exact label,
    alternative label or gazetteer alias (any case)."""
    value = value.strip()
    if cls == "literal":
        return [Literal(value)]
    if cls and cls.startswith("xsd:"):
        return [Literal(value, datatype=URIRef(str(XSD) + cls[4:]))]
    source = engine(source)
    inner = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    if _IRI.match(inner):
        return [URIRef(inner)]
    prefix, _, local = value.partition(":")
    if local and prefix in PREFIXES and re.fullmatch(r"[\w./-]+", local):
        return [URIRef(str(PREFIXES[prefix]) + local)]
    if _KEY.match(value):
        iri = entity_iri(value)
        if _has_subject(source, iri):
            return [iri]
    bindings = {"name": Literal(value)}
    if cls:
        bindings["class"] = class_term(cls)
    found = {r[0] for r in run_query(RESOLVE, source, bindings).rows}
    if not found:
        # the gazetteer's other names of an entity the graph holds ("World Food Programme" for WFP)
        for key in gazetteer_aliases().get(" ".join(value.split()).casefold(), ()):
            iri = entity_iri(key)
            if (run_query(IS_A, source, {"node": iri, "class": class_term(cls)}).boolean if cls
                    else _has_subject(source, iri)):
                found.add(iri)
    return sorted(found, key=str)


IS_A = "ask/is-a"


@lru_cache(maxsize=1)
def gazetteer_aliases() -> dict[str, frozenset[str]]:
    """Every name the curated gazetteer gives an entity, case-folded -> entity keys (countries' ISO names aside)."""
    from extract.gazetteer import GLOBAL_FILES, NATIONAL_FILE, _entry, _read_jsonl

    folder = data_path("gazetteer")
    out: dict[str, set[str]] = {}
    for name in (*GLOBAL_FILES, NATIONAL_FILE):
        if (folder / name).is_file():
            for row in _read_jsonl(folder / name):
                info = _entry(row)
                for alias in (info.label, *info.aliases):
                    out.setdefault(" ".join(alias.split()).casefold(), set()).add(info.key)
    return {k: frozenset(v) for k, v in out.items()}


def class_term(cls: str) -> URIRef:
    prefix, _, local = cls.partition(":")
    if prefix not in PREFIXES:
        raise QueryError(f"unknown prefix in class {cls!r}; known prefixes: {', '.join(sorted(PREFIXES))}")
    return URIRef(str(PREFIXES[prefix]) + local)


def bind_parameters(query: NamedQuery, source, params: dict) -> dict:
    """Resolve each given parameter to one graph term; errors name the query, the parameter and the value."""
    declared = {p.name: p for p in query.parameters}
    where = query.name or "the SPARQL text"
    out = {}
    for key, value in (params or {}).items():
        if query.name and key not in declared:
            names = ", ".join(declared) or "none"
            raise QueryError(f"query {where!r} has no parameter {key!r}; its parameters: {names}")
        if not isinstance(value, str):
            out[key] = value           # already a term (library callers)
            continue
        p = declared.get(key)
        terms = resolve(value, source, p.cls if p else None)
        if not terms:
            hint = f" of class {p.cls}" if p and p.cls else ""
            raise QueryError(f"{where}: parameter {key}={value!r} names nothing{hint} in the graph; "
                             f"give a label or alias, an entity key (org/unicef) or an IRI")
        if len(terms) > 1:
            raise QueryError(f"{where}: parameter {key}={value!r} is ambiguous ({', '.join(map(str, terms))}); give the IRI")
        out[key] = terms[0]
    return out


def run_query(name_or_sparql, source, params: dict | None = None) -> QueryResult:
    """Run a named query, a .rq file or SPARQL text (read-only) on an rdflib Dataset, an Oxigraph Store or the
    store of an output folder, with parameters bound as values of their variables."""
    query = name_or_sparql if isinstance(name_or_sparql, NamedQuery) else load_query(name_or_sparql)
    source = engine(source)
    bindings = bind_parameters(query, source, params or {})
    if isinstance(source, Dataset):
        return _run_rdflib(query, source, bindings)
    return _run_oxigraph(query, source, bindings)


def _run_rdflib(query: NamedQuery, ds: Dataset, bindings: dict) -> QueryResult:
    prepared = query.prepared
    try:
        with _quiet_rdflib():
            res = ds.query(prepared, initBindings={Variable(k): v for k, v in bindings.items()})
            rows = [tuple(row) for row in res] if res.type == "SELECT" else []
    except Exception as exc:
        raise QueryError(f"{query.name or 'the SPARQL text'}: the query failed while running ({exc})") from None
    result = QueryResult(query, bindings)
    if res.type == "SELECT":
        result.variables = [str(v) for v in res.vars]
        result.rows = rows
    elif res.type == "ASK":
        result.boolean = bool(res.askAnswer)
    else:
        result.graph = _graph(res.graph)
    return result


def _run_oxigraph(query: NamedQuery, store, bindings: dict) -> QueryResult:
    import pyoxigraph

    subs = {pyoxigraph.Variable(k): _to_oxigraph(v) for k, v in bindings.items()}
    result = QueryResult(query, bindings)
    try:
        res = store.query(query.text, prefixes=query_prefixes(), substitutions=subs)
        if isinstance(res, pyoxigraph.QuerySolutions):
            result.variables = [v.value for v in res.variables]
            result.rows = [tuple(map(_from_oxigraph, solution)) for solution in res]
        elif isinstance(res, pyoxigraph.QueryBoolean):
            result.boolean = bool(res)
        else:
            result.graph = _graph(tuple(map(_from_oxigraph, t)) for t in res)
    except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
        raise QueryError(f"{query.name or 'the SPARQL text'}: the query failed while running ({exc})") from None
    return result


def _graph(triples) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for t in triples:
        g.add(t)
    return g


_XSD_STRING, _XSD_DECIMAL = str(XSD.string), str(XSD.decimal)


def _from_oxigraph(term):
    """An Oxigraph term as the rdflib term rdflib's engine gives for it (plain strings stay plain)."""
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return URIRef(term.value)
    if kind == "BlankNode":
        return BNode(term.value)
    if kind == "Literal":
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        value = term.value
        if datatype == _XSD_DECIMAL and "." not in value:
            value += ".0"   # Oxigraph keeps 500000.0 as 500000; rdflib keeps the lexical form graph.trig wrote
        return Literal(value, datatype=URIRef(datatype))
    raise QueryError(f"an answer holds a {kind} (an RDF-star triple), which kg query does not show")


def _to_oxigraph(term):
    import pyoxigraph

    if isinstance(term, URIRef):
        return pyoxigraph.NamedNode(str(term))
    if isinstance(term, BNode):
        return pyoxigraph.BlankNode(str(term))
    if term.language:
        return pyoxigraph.Literal(str(term), language=term.language)
    if term.datatype:
        return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
    return pyoxigraph.Literal(str(term))
