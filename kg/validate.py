"""Check a built graph against the SHACL shapes in ontology/shapes.ttl."""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from extract.resources import data_path
from kg.graph import load_ontology


@dataclass(frozen=True)
class Conformance:
    conforms: bool
    violations: int
    report: str


def validate(graph: Graph) -> Conformance:
    """Run pyshacl with the ontology mixed in, so shapes on a class also target its subclasses."""
    import pyshacl

    shapes = Graph().parse(data_path("ontology") / "shapes.ttl", format="turtle")
    conforms, results, text = pyshacl.validate(
        graph, shacl_graph=shapes, ont_graph=load_ontology(), inference="none", advanced=True,
        allow_warnings=True,
    )
    from rdflib.namespace import SH

    violations = len(set(results.subjects(predicate=SH.resultSeverity)))
    return Conformance(bool(conforms), violations, text)
