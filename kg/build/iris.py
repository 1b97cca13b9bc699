"""Mint the graph's IRIs: the one function that makes them, and the report and entity IRIs built on it."""
from __future__ import annotations

from urllib.parse import quote

from rdflib import URIRef

from kg.namespace import BASE, SDG_BASE


def mint_iri(*parts: str) -> URIRef:
    """The one place IRIs are made. ("sdg", "3") is the UN's goal IRI; everything else lives under BASE."""
    if parts and parts[0] == "sdg":
        return URIRef(SDG_BASE + quote(parts[1], safe=".")) if len(parts) == 2 else URIRef(SDG_BASE.rstrip("/"))
    return URIRef(BASE + "/".join(quote(p, safe="-._~") for p in parts))


def entity_iri(key: str) -> URIRef:
    kind, _, rest = key.partition("/")
    if kind == "sdg":
        return mint_iri("sdg", rest)
    return mint_iri("id", kind, *rest.split("/"))


def report_iri(slug: str) -> URIRef:
    return mint_iri("report", slug)
