"""Turn named SPARQL files (queries/*.rq) or SPARQL text into results over the built graph, parameters bound safely.

A query file opens with `# <the question it answers>`, then one `# $name rk:Class: description, e.g. VALUE`
line per parameter. A parameter is a variable of the query: bound, it narrows the answer; unbound, the
query answers for every value. Parameter values are resolved to graph terms (an IRI, an entity key, a
label, alternative label or gazetteer alias matched exactly) and bound as values of the variable
(rdflib's `initBindings`, Oxigraph's `substitutions`); user text never becomes part of the SPARQL string.

Two engines answer the same queries with the same rows: the Oxigraph store kept in out/store/ (`kg query`
and `kg ask` open it in milliseconds, whatever the corpus size) and an rdflib Dataset from `load_graph`
(the golden files, and library callers that hold a graph in memory).
"""
from __future__ import annotations

import csv
import io
import json
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD

from extract.resources import data_path
from kg.graph import PREFIXES, entity_iri, load_ontology, mint_iri, report_iri
from kg.namespace import RK

FORMATS = ("table", "csv", "tsv", "json")
CANDIDATES = mint_iri("id", "candidate")         # the scheme (and named graph) of unlinked candidate names
ONTOLOGY_GRAPH = mint_iri("ontology")             # the ontology, loaded beside the reports
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
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s<>\"{}|\\^`]+$", re.I)
_KEY = re.compile(r"^[a-z_]+/[A-Za-z0-9._~/-]+$")


class QueryError(ValueError):
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


@dataclass
class QueryResult:
    query: NamedQuery
    bindings: dict               # parameter name -> bound term
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


def query_dir() -> Path:
    return data_path("queries")


def list_queries(folder: Path | None = None) -> list[NamedQuery]:
    """Every named query in `folder` (default: the bundled queries/), by name."""
    folder = folder or query_dir()
    return [load_query(p) for p in sorted(Path(folder).glob("*.rq"))]


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
        text, name, where = path.read_text(encoding="utf-8"), path.stem if path.parent == folder else str(path), str(path)
        if path.parent.name == "ask" and path.parent.parent == folder:
            name = f"ask/{path.stem}"
    else:
        text, name, where = source, "", "the SPARQL text"
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
        at = f" at line {m[1]}, column {m[2]} ({m[3]})" if m else f" ({msg})"
        raise QueryError(f"{where}: not a SPARQL query{at}; kg query runs read-only SELECT, ASK, CONSTRUCT and "
                         f"DESCRIBE queries, with the prefixes {', '.join(sorted(query_prefixes()))} predeclared") from None


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


def load_graph(out_dir: Path, reports: list[str] | None = None, reason: bool = True) -> Dataset:
    """The built graph of `out_dir` (graph.trig), its candidates and the ontology, with entailments materialised.

    `reports` keeps only the named graphs of those report slugs (and the candidates first seen in them).
    """
    from kg.reasoning import materialise

    out_dir = Path(out_dir)
    path = out_dir / "graph.trig"
    if not path.is_file():
        raise QueryError(f"{path}: no built graph; run `kg build --out {out_dir}` first (or pass --out DIR)")
    ds = Dataset(default_union=True)
    try:
        ds.parse(path, format="trig")
    except Exception as exc:
        raise QueryError(f"{path}: cannot read the graph ({exc}); rebuild it with `kg build`") from None
    if reports is not None:
        keep = {report_iri(s) for s in reports}
        for ctx in list(ds.graphs()):
            if ctx.identifier not in keep and len(ctx):
                ds.remove_graph(ctx)
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    onto = ds.graph(ONTOLOGY_GRAPH)
    for t in load_ontology():
        onto.add(t)
    _add_candidates(ds, out_dir / "candidates.tsv", reports)
    if reason:
        with _quiet_rdflib():
            materialise(ds)
    return ds


def _add_candidates(ds: Dataset, path: Path, reports: list[str] | None) -> None:
    """Unlinked names are a review list, not facts: they go in their own named graph as SKOS concepts of one scheme."""
    if not path.is_file():
        return
    g = ds.graph(CANDIDATES)
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            slug = row.get("example", "").split(":", 1)[0]
            if reports is not None and slug not in reports:
                continue
            try:
                count = int(row["count"])
            except (KeyError, ValueError):
                raise QueryError(f"{path}: row {row.get('name')!r} has no whole-number count; rebuild with `kg build`") from None
            c = mint_iri("id", "candidate", row["name"])
            g.add((c, RDF.type, SKOS.Concept))
            g.add((c, SKOS.inScheme, CANDIDATES))
            g.add((c, SKOS.prefLabel, Literal(row["name"])))
            g.add((c, SKOS.note, Literal(row["ner_label"])))
            g.add((c, RK.mentionCount, Literal(count)))
            g.add((c, SKOS.example, Literal(row["example"])))


def open_store(out_dir: Path):
    """The Oxigraph store of a build (out/store/, made from graph.trig first if it is missing or stale)."""
    from kg.store import StoreError, load_store

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


@contextmanager
def _quiet_rdflib():
    """rdflib 7 warns on every triple pattern it matches in a union-default Dataset (its own use of
    Dataset.default_context); the warning is about rdflib's internals, not about this code."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        yield


def _plain(term) -> str:
    return "" if term is None else str(term)


def _short(term) -> str:
    """An IRI as prefix:local when a known namespace holds it ("id:org/unicef", "sdg:5"), for reading in a table."""
    if isinstance(term, URIRef):
        s = str(term)
        best = max((ns for ns in map(str, PREFIXES.values()) if s.startswith(ns)), key=len, default=None)
        if best is not None and re.fullmatch(r"[\w.~/-]+", s[len(best):]):
            prefix = next(p for p, ns in PREFIXES.items() if str(ns) == best)
            return f"{prefix}:{s[len(best):]}"
        return f"<{s}>"
    return _plain(term)


def _json_term(term) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


_BARE = {str(XSD.integer): r"[+-]?\d+", str(XSD.decimal): r"[+-]?\d*\.\d+",
         str(XSD.double): r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+", str(XSD.boolean): r"true|false"}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _tsv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    lexical = str(term)
    if term.datatype is not None and re.fullmatch(_BARE.get(str(term.datatype), r"(?!)"), lexical):
        return lexical
    quoted = '"' + "".join(_ESCAPES.get(c, c) for c in lexical) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if term.datatype is not None and str(term.datatype) != _XSD_STRING:
        return f"{quoted}^^<{term.datatype}>"
    return quoted


def format_results(result: QueryResult, fmt: str = "table") -> str:
    """Render results as an aligned text table, CSV, SPARQL 1.1 TSV or SPARQL 1.1 JSON results; graphs as Turtle."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if result.graph is not None:
        return result.graph.serialize(format="json-ld" if fmt == "json" else "turtle")
    if result.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}, indent=2) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "json":
        doc = {"head": {"vars": result.variables},
               "results": {"bindings": [{v: _json_term(t) for v, t in zip(result.variables, row) if t is not None}
                                        for row in result.rows]}}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(result.variables)
        for row in result.rows:
            w.writerow([_plain(t) for t in row])
        return buf.getvalue()
    if fmt == "tsv":   # SPARQL 1.1 TSV: ?-named header, terms in Turtle syntax, numbers bare (as the endpoint writes)
        lines = ["\t".join(f"?{v}" for v in result.variables)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
        return "\n".join(lines) + "\n"
    cells = [[" ".join(_short(t).split()) for t in row] for row in result.rows]
    cells = [[c if len(c) <= 80 else c[:77] + "..." for c in row] for row in cells]
    widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(result.variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def golden_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "tests" / "golden"


def golden_params(query: NamedQuery) -> dict:
    """The example values a query's golden file is computed with (from its `e.g.` header lines)."""
    return {p.name: p.example for p in query.parameters if p.example}


def write_golden(ds: Dataset, folder: Path | None = None) -> list[Path]:
    """Write tests/golden/<query>.csv for every named query, run on `ds` with each query's example parameters."""
    folder = Path(folder or golden_dir())
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for q in list_queries():
        path = folder / f"{q.name}.csv"
        path.write_text(format_results(run_query(q, ds, golden_params(q)), "csv"), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - `python -m kg.query --update-golden [OUT]`
    import sys

    if sys.argv[1:2] != ["--update-golden"]:
        sys.exit("usage: python -m kg.query --update-golden [OUT_DIR]   (OUT_DIR defaults to out/, built by `kg build`)")
    # golden files are the Mali 2021 report's answers (its gold files are in tests/eval/mali-2021)
    for p in write_golden(load_graph(Path(sys.argv[2] if len(sys.argv) > 2 else "out"),
                                     reports=["unicef-mali-2021-country-office-annual-report"])):
        print(p)
