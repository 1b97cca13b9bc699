"""Read the ontology (ontology/reportkg.ttl): its graph and the entity kinds its classes declare."""
from __future__ import annotations

from functools import lru_cache

from rdflib import RDFS, Graph, URIRef

from kg.namespace import RK


def load_ontology() -> Graph:
    """The ontology's graph, read once (by extract.kinds, which extraction shares); a broken file names its line."""
    from extract.kinds import load_ontology_graph

    return load_ontology_graph()


@lru_cache(maxsize=1)
def kind_classes() -> dict[str, URIRef]:
    """Kind code (gazetteer 'kind') -> ontology class, read from rk:kindCode annotations."""
    return {str(code): cls for cls, code in load_ontology().subject_objects(RK.kindCode)}


def class_of(kind: str) -> URIRef:
    try:
        return kind_classes()[kind]
    except KeyError:
        raise ValueError(f"unknown entity kind {kind!r}: add a class with rk:kindCode {kind!r} to ontology/reportkg.ttl") from None


def entity_kind(codes: set[str]) -> str:
    """One kind for an entity with several kind codes: the most specific (a code whose class is a superclass of
    another's, as the entailments add them, does not count), and a donor country counts as a donor government."""
    broader = broader_kinds()
    specific = {c for c in codes if not any(c in broader.get(o, ()) for o in codes)} or set(codes)
    if "donor_government" in specific:
        return "donor_government"
    return sorted(specific)[0]


@lru_cache(maxsize=1)
def broader_kinds() -> dict[str, frozenset]:
    """Kind code -> the kind codes of its class's superclasses (rdfs:subClassOf, transitively)."""
    onto = load_ontology()
    code_of = {cls: code for code, cls in kind_classes().items()}
    return {code: frozenset(code_of[s] for s in onto.transitive_objects(cls, RDFS.subClassOf) if s in code_of and s != cls)
            for code, cls in kind_classes().items()}


@lru_cache(maxsize=1)
def ontology_kinds() -> tuple[dict[URIRef, str], dict[str, str], frozenset, frozenset]:
    """Class -> kind code, kind code -> label, organisation kinds, place kinds (all read from the ontology)."""
    onto = load_ontology()
    code_of = {cls: str(code) for cls, code in onto.subject_objects(RK.kindCode)}
    label_of = {code: str(onto.value(cls, RDFS.label) or code) for cls, code in code_of.items()}
    orgs = frozenset(code_of[c] for c in onto.transitive_subjects(RDFS.subClassOf, RK.Organization) if c in code_of)
    places = frozenset(code_of[c] for c in onto.transitive_subjects(RDFS.subClassOf, RK.Place) if c in code_of)
    return code_of, label_of, orgs, places


def organisation_kinds() -> frozenset:
    return ontology_kinds()[2]


def place_kinds() -> frozenset:
    return ontology_kinds()[3]
