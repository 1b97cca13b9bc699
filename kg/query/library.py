"""Turn the named SPARQL files (queries/*.rq) into prepared queries: the question each answers, its parameters, its form.

A query file opens with `# <the question it answers>`, then one `# $name rk:Class: description, e.g. VALUE`
line per parameter. A parameter is a variable of the query: bound, it narrows the answer; unbound, the
query answers for every value. Parameter values are resolved to graph terms (an IRI, an entity key, a
label, alternative label or gazetteer alias matched exactly) and bound as values of the variable
(rdflib's `initBindings`, Oxigraph's `substitutions`); user text never becomes part of the SPARQL string."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, Graph
from rdflib.namespace import XSD

from extract.errors import KGError, read_data_text
from extract.resources import data_path
from kg.namespace import PREFIXES

_PARAM_LINE = re.compile(r"^#\s*\$(?P<name>[A-Za-z_]\w*)(?:\s+(?P<cls>literal|[\w-]+:[\w-]+))?\s*:\s*(?P<doc>.*?)"
                         r"(?:,?\s+e\.g\.\s+(?P<example>.+?))?\s*$")
# SPARQL's lexical tokens, enough to tell a keyword from the same letters inside a string, an IRI, a comment,
# a variable, a language tag or a prefixed name (SERVICE the keyword vs "service", ?service, ex:service).
_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>"{3}(?:[^"\\]|\\.|"(?!""))*"{3} | '{3}(?:[^'\\]|\\.|'(?!''))*'{3}
              | "(?:[^"\\\n\r]|\\.)*" | '(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>[A-Za-z_][\w.-]*:[\w.:%-]*|:[\w.:%-]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>\S)
""", re.X | re.S)
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class QueryError(KGError, ValueError):
    """A query cannot be loaded or run, or a parameter does not name anything in the graph."""


@dataclass(frozen=True)
class Parameter:
    name: str
    cls: str | None          # the class a value must have ("rk:Organization"), "literal", or None
    doc: str
    example: str | None


@dataclass(frozen=True)
class NamedQuery:
    name: str                # file stem ("partners"), or "" for SPARQL given as text
    question: str
    text: str
    path: Path | None
    parameters: tuple[Parameter, ...]
    form: str = "SELECT"     # SELECT, ASK, CONSTRUCT or DESCRIBE

    @cached_property
    def prepared(self):
        """The query prepared for rdflib's engine (imported only when an rdflib Dataset is queried)."""
        from rdflib.plugins.sparql import prepareQuery

        where = str(self.path) if self.path else "the SPARQL text"
        try:
            prepared = prepareQuery(self.text, initNs={p: ns for p, ns in PREFIXES.items()})
        except Exception as exc:  # Oxigraph parsed it; rdflib may still refuse what it does not support
            raise QueryError(f"{where}: rdflib cannot prepare the query ({exc})") from None
        _refuse_remote(prepared.algebra, where)
        return prepared


def query_dir() -> Path:
    return data_path("queries")


def list_queries(folder: Path | None = None) -> list[NamedQuery]:
    """Every named query in `folder` (default: the bundled queries/), by name."""
    folder = folder or query_dir()
    return [load_query(p) for p in sorted(Path(folder).glob("*.rq"))]


TEXT = "the SPARQL text"      # how an error names a query given as text, not a file


def load_query(name_or_path_or_text, folder: Path | None = None) -> NamedQuery:
    """A query by name ("partners", "ask/partners-of"), by .rq path, or as SPARQL text; parsed, so syntax errors fail here."""
    source = str(name_or_path_or_text)
    folder = Path(folder or query_dir())
    path = None
    if re.fullmatch(r"[\w-]+(/[\w-]+)*", source):
        path = folder / f"{source}.rq"
        if not path.is_file():
            known = ", ".join(q.stem for q in sorted(folder.glob("*.rq")))
            raise QueryError(f"no query named {source!r} in {folder}; known queries: {known} (or give a .rq file or SPARQL text)")
    elif source.endswith(".rq") and "\n" not in source and "{" not in source:
        path = Path(source)
        if not path.is_file():
            raise QueryError(f"{path}: no such query file")
    if path is not None:
        text = read_data_text(path, QueryError, "fix it, or restore the project's copy of a library query")
        name, where = path.stem if path.parent == folder else str(path), str(path)
        if path.parent.name == "ask" and path.parent.parent == folder:
            name = f"ask/{path.stem}"
        if folder in (path.parent, path.parent.parent) and not text.startswith("#"):
            raise QueryError(f"{path}:1: a library query opens with a '# ' line saying the question it answers; "
                             f"add it")
    else:
        text, name, where = source, "", TEXT
    return _prepare(text, name, path, where)


@lru_cache(maxsize=1)
def query_prefixes() -> dict[str, str]:
    """The prefixes every query may use without declaring them: the graph's own, plus rdf, rdfs, xsd, owl."""
    from rdflib import OWL

    out = {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), "owl": str(OWL)}
    out.update({p: str(ns) for p, ns in PREFIXES.items()})
    return out


def _prepare(text: str, name: str, path: Path | None, where: str) -> NamedQuery:
    lines = text.splitlines()
    question = lines[0].lstrip("#").strip() if lines and lines[0].startswith("#") else ""
    params = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        m = _PARAM_LINE.match(line)
        if m:
            params.append(Parameter(m["name"], m["cls"], m["doc"].strip(), m["example"]))
    words = [m["word"].upper() for m in _TOKEN.finditer(text) if m["word"]]
    if "SERVICE" in words:
        raise QueryError(f"{where}: SERVICE calls another endpoint; kg query runs offline on the built graph")
    if "FROM" in words:
        raise QueryError(f"{where}: FROM/FROM NAMED load other graphs; kg query runs on the built graph only")
    _check_syntax(text, where)
    form = next((w for w in words if w in FORMS), "SELECT")
    return NamedQuery(name, question, text, path, tuple(params), form)


@lru_cache(maxsize=1)
def _empty_store():
    import pyoxigraph

    return pyoxigraph.Store()


def _check_syntax(text: str, where: str) -> None:
    """Parse with Oxigraph against an empty store: nothing is read, and SERVICE was refused before."""
    try:
        _empty_store().query(text, prefixes=query_prefixes())
    except SyntaxError as exc:
        msg = str(exc)
        m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)
        line = (f"{where} at line {m[1]}" if where == TEXT else f"{where}:{m[1]}") if m else where
        at = f"{line}: not a SPARQL query ({f'column {m[2]}: {m[3]}' if m else msg})"
        raise QueryError(f"{at}; kg query runs read-only SELECT, ASK, CONSTRUCT and DESCRIBE queries, with the "
                         f"prefixes {', '.join(sorted(query_prefixes()))} predeclared") from None


def _refuse_remote(node, where: str) -> None:
    """SERVICE and FROM would make rdflib fetch data from the web; queries here run offline on the built graph."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            if getattr(n, "name", None) == "ServiceGraphPattern":
                raise QueryError(f"{where}: SERVICE calls another endpoint; kg query runs offline on the built graph")
            if dict.get(n, "datasetClause"):
                raise QueryError(f"{where}: FROM/FROM NAMED load other graphs; kg query runs on the built graph only")
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)):
            stack.extend(n)


@dataclass
class QueryResult:
    query: NamedQuery
    bindings: dict               # parameter name -> bound term
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


def example_parameters(query: NamedQuery) -> dict:
    """The example values of a query's parameters (its `e.g.` header lines): what its golden file is computed with."""
    return {p.name: p.example for p in query.parameters if p.example}
