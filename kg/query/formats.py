"""Turn query results into text: an aligned table, CSV, TSV or SPARQL JSON results."""
from __future__ import annotations

import csv
import io
import json
import re

from rdflib import BNode, URIRef
from rdflib.namespace import XSD

from kg.namespace import PREFIXES
from kg.query.library import QueryError, QueryResult

FORMATS = ("table", "csv", "tsv", "json")
_XSD_STRING = str(XSD.string)


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
