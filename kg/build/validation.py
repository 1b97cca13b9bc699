"""Check a built dataset against the SHACL shapes in ontology/shapes.ttl."""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset, Graph

from extract.resources import data_path
from kg.build.graph import union_graph
from kg.ontology import load_ontology


@dataclass(frozen=True)
class Conformance:
    conforms: bool
    violations: int
    report: str


def validate(data: Dataset | Graph) -> Conformance:
    """Run pyshacl on the union of the reports' graphs with the ontology mixed in, so that shapes on a
    class also target its subclasses (a shape on rk:Organization checks every rk:DonorGovernment).

    The union is a fresh graph made here, so the ontology goes straight into it: pyshacl's own
    `ont_graph` mixing would copy the whole data graph first. The shapes use SHACL Core only, so
    pyshacl runs without its SHACL-AF ("advanced") features.
    """
    import pyshacl
    from rdflib.namespace import SH

    graph = union_graph(data)
    graph += load_ontology()
    shapes = Graph().parse(data_path("ontology") / "shapes.ttl", format="turtle")
    conforms, results, text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True,
    )
    violations = len(set(results.subjects(predicate=SH.resultSeverity)))
    return Conformance(bool(conforms), violations, text)
