"""Turn Accept and Accept-Encoding headers into the media type and coding of an answer (SPARQL 1.1 Protocol content negotiation)."""
from __future__ import annotations

import json

# Offers in the server's order of preference (the first is the default).
SOLUTION_TYPES = {
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML",
    "text/csv": "CSV", "text/tab-separated-values": "TSV", "text/xml": "XML",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE", "application/turtle": "TURTLE",
    "application/ld+json": "JSON_LD", "application/n-triples": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML", "application/xml": "RDF_XML", "text/plain": "N_TRIPLES",
}
CHARSET_TYPES = ("text/", "application/sparql-results+json", "application/json", "application/ld+json")
FORMAT_PARAM = {  # ?format=... overrides Accept, for links typed in a browser
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json", "nt": "application/n-triples",
    "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml",
}
FILE_TYPES = {".trig": "application/trig", ".ttl": "text/turtle", ".rq": "application/sparql-query",
              ".tsv": "text/tab-separated-values", ".nq": "application/n-quads", ".jsonld": "application/ld+json"}


def _parse_accept(header: str) -> list[tuple[str, float, int]]:
    ranges = []
    for i, part in enumerate((header or "*/*").split(",")):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if not mtype:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((mtype, q, i))
    return ranges


def negotiate(accept: str, offers: list[str]) -> str | None:
    """The offer the Accept header prefers: highest q, then the most specific range, then the server's order."""
    ranges = _parse_accept(accept)
    best, best_key = None, None
    for order, offer in enumerate(offers):
        major = offer.split("/")[0]
        match = None  # (specificity, q) of the most specific matching range
        for mtype, q, _ in ranges:
            spec = 3 if mtype == offer else 2 if mtype == f"{major}/*" else 1 if mtype == "*/*" else 0
            if spec and (match is None or spec > match[0]):
                match = (spec, q)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -order)
        if best_key is None or key > best_key:
            best, best_key = offer, key
    return best


def accepts_gzip(header: str) -> bool:
    """True when an Accept-Encoding header admits gzip (by name or by `*`), without q=0."""
    codings = {c: q for c, q, _ in _parse_accept(header)} if header.strip() else {}
    return codings.get("gzip", codings.get("*", 0)) > 0


def _content_type(mtype: str) -> str:
    return f"{mtype}; charset=utf-8" if mtype.startswith(CHARSET_TYPES) else mtype
