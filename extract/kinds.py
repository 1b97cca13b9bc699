"""The entity kinds the ontology declares (rk:kindCode on its classes), read once from ontology/reportkg.ttl.

The ontology is the one place a kind is declared: its class, its label, and whether it is an organisation or a
place (a subclass of rk:Organization or rk:Place). Extraction reads the kind codes from here and the graph
writer, the pages, evaluation and `kg ask` read the classes, so a new kind is one class in the Turtle.
Relation kinds likewise (rk:relationCode on a subclass of rk:Relation, with its roles, shortcut, places and
words): `load_relation_kinds` reads them for the components, the graph writer, the networks, pages and eval.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extract.errors import DataError, read_data_text, read_turtle
from extract.resources import data_path

ONTOLOGY_FILE = "reportkg.ttl"
RK = "https://w3id.org/reportkg/ontology#"


class KindError(DataError):
    """The ontology does not declare the kinds the program needs, or a data file names a kind it does not declare."""


@dataclass(frozen=True)
class Kinds:
    """Kind codes with their classes and labels, and the two families extraction treats apart."""

    classes: dict[str, str]          # kind code -> class IRI
    labels: dict[str, str]           # kind code -> the class's English label
    organisations: frozenset[str]    # codes of rk:Organization and the classes under it
    places: frozenset[str]           # codes of rk:Place and the classes under it


def ontology_path() -> Path:
    return data_path("ontology") / ONTOLOGY_FILE


@lru_cache(maxsize=1)
def load_ontology_graph():
    """The ontology as an rdflib Graph; a broken file raises KindError naming its line."""
    return read_turtle(ontology_path(), KindError)


@lru_cache(maxsize=1)
def load_kinds() -> Kinds:
    """Every class with an rk:kindCode, and which of them are organisations and places (the relation kinds checked too)."""
    from rdflib import RDFS, Literal, URIRef

    path, onto = ontology_path(), load_ontology_graph()
    classes, labels = {}, {}
    for cls, code in sorted(onto.subject_objects(URIRef(RK + "kindCode"))):
        if not isinstance(code, Literal) or not isinstance(code.toPython(), str) or not str(code).strip():
            raise KindError(f"{path}:{_line(path, 'kindCode', str(code))}: {cls.n3()} has rk:kindCode {code.n3()}; "
                            f"a kind code is a short text such as \"ngo\"; fix the class")
        if str(code) in classes:
            raise KindError(f"{path}:{_line(path, 'kindCode', str(code))}: the kind code {str(code)!r} is on two "
                            f"classes ({classes[str(code)]} and {cls}); give each class its own code")
        classes[str(code)] = str(cls)
        labels[str(code)] = str(onto.value(cls, RDFS.label) or code)
    code_of = {URIRef(c): code for code, c in classes.items()}

    def under(root: str) -> frozenset[str]:
        top = URIRef(RK + root)
        if top not in code_of:
            raise KindError(f"{path}:{_line(path, root)}: rk:{root} has no rk:kindCode; the program reads "
                            f"organisations and places from it; restore the class from the project's copy")
        return frozenset(code_of[c] for c in onto.transitive_subjects(RDFS.subClassOf, top) if c in code_of)

    kinds = Kinds(classes, labels, under("Organization"), under("Place"))
    load_relation_kinds()        # the relation kinds are declared in the same file: checked with the entity kinds
    return kinds


def _line(path: Path, term: str, value: str | None = None) -> int:
    """The line of the Turtle file where `rk:term` (followed by `value`) is written; 1 when it is not found."""
    text = read_data_text(path, KindError)
    tail = rf"\s+\"?{re.escape(value)}\b" if value is not None else r"\b"
    m = re.search(rf"rk:{re.escape(term)}{tail}", text)
    return text[:m.start()].count("\n") + 1 if m else 1


def organisation_kinds() -> frozenset[str]:
    return load_kinds().organisations


def place_kinds() -> frozenset[str]:
    return load_kinds().places


@lru_cache(maxsize=1)
def programme_kinds() -> frozenset[str]:
    """Codes of rk:Programme and rk:Framework and the classes under them (programmes, initiatives, plans)."""
    return _codes_under("Programme", "Framework")


@lru_cache(maxsize=1)
def framework_kinds() -> frozenset[str]:
    """Codes of rk:Framework and the classes under it (plans, strategies, frameworks)."""
    return _codes_under("Framework")


@lru_cache(maxsize=1)
def locality_kinds() -> frozenset[str]:
    """Codes of rk:Locality and the classes under it (towns, communes, camps)."""
    return _codes_under("Locality")


def _codes_under(*roots: str) -> frozenset[str]:
    from rdflib import RDFS, URIRef

    onto = load_ontology_graph()
    code_of = {URIRef(c): code for code, c in load_kinds().classes.items()}
    return frozenset(code_of[c] for root in roots
                     for c in onto.transitive_subjects(RDFS.subClassOf, URIRef(RK + root)) if c in code_of)


@dataclass(frozen=True)
class RelationKind:
    """A relation kind as its class in the ontology declares it; properties are IRIs (None when not declared)."""

    code: str                    # rk:relationCode, the kind extraction's Relation records carry
    cls: str                     # the class of its nodes
    label: str                   # the class's label
    subject_role: str            # node -> subject (rk:subjectRole)
    object_role: str             # node -> each object (rk:objectRole); the same property when the sides are peers
    shortcut: str | None         # subject -> each object (rk:shortcut)
    inverse: str | None          # the shortcut's owl:inverseOf, written back from each object
    symmetric: bool              # the shortcut is an owl:SymmetricProperty
    subject_place: str | None    # subject -> each place (rk:subjectPlace)
    object_place: str | None     # each object -> each place (rk:objectPlace)
    forward: str                 # how it reads from the subject's side (rk:forwardLabel)
    backward: str                # how it reads from an object's side (rk:backwardLabel)
    subject_noun: str = ""       # what `kg ask` calls the subject (rk:subjectNoun)
    object_noun: str = ""        # and the objects (rk:objectNoun)

    @property
    def peers(self) -> bool:
        """Both sides take the same role: the participants are peers, with or without a subject."""
        return self.subject_role == self.object_role

    @property
    def gold_name(self) -> str | None:
        """The relation's name in gold files: its shortcut's local name in snake case (partnersWith: partners_with)."""
        if self.shortcut is None:
            return None
        local = re.split(r"[#/]", self.shortcut)[-1]
        return re.sub(r"(?<!^)(?=[A-Z])", "_", local).lower()


@lru_cache(maxsize=1)
def load_relation_kinds() -> dict[str, RelationKind]:
    """Every class under rk:Relation with an rk:relationCode, by code; a class without its roles raises KindError."""
    from rdflib import OWL, RDF, RDFS, Literal, URIRef

    path, onto = ontology_path(), load_ontology_graph()
    relation = URIRef(RK + "Relation")
    under = set(onto.transitive_subjects(RDFS.subClassOf, relation))

    def value(cls, term: str) -> str | None:
        v = onto.value(cls, URIRef(RK + term))
        return str(v) if v is not None else None

    out: dict[str, RelationKind] = {}
    for cls, code in sorted(onto.subject_objects(URIRef(RK + "relationCode"))):
        line = f"{path}:{_line(path, 'relationCode', str(code))}"
        if not isinstance(code, Literal) or not str(code).strip():
            raise KindError(f"{line}: {cls.n3(onto.namespace_manager)} has rk:relationCode {code.n3()}; a relation code is a short text "
                            f"such as \"funding\"; fix the class")
        if cls not in under:
            raise KindError(f"{line}: {cls.n3(onto.namespace_manager)} has an rk:relationCode but is no subclass of rk:Relation; "
                            f"add rdfs:subClassOf rk:Relation to it")
        if str(code) in out:
            raise KindError(f"{line}: the relation code {str(code)!r} is on two classes ({out[str(code)].cls} and "
                            f"{cls}); give each class its own code")
        for term in ("subjectRole", "objectRole"):
            if not isinstance(onto.value(cls, URIRef(RK + term)), URIRef):
                raise KindError(f"{line}: the relation class {cls.n3(onto.namespace_manager)} has no rk:{term} (the property from its "
                                f"node to that side); add one, e.g. rk:{term} rk:participant")
        shortcut = onto.value(cls, URIRef(RK + "shortcut"))
        inverse = onto.value(shortcut, OWL.inverseOf) if shortcut is not None else None
        label = str(onto.value(cls, RDFS.label) or code)
        forward = value(cls, "forwardLabel") or str(onto.value(shortcut, RDFS.label) or label.lower())
        out[str(code)] = RelationKind(
            str(code), str(cls), label, value(cls, "subjectRole"), value(cls, "objectRole"),
            str(shortcut) if shortcut is not None else None, str(inverse) if inverse is not None else None,
            shortcut is not None and (shortcut, RDF.type, OWL.SymmetricProperty) in onto,
            value(cls, "subjectPlace"), value(cls, "objectPlace"), forward,
            value(cls, "backwardLabel") or str(onto.value(inverse, RDFS.label) or forward),
            value(cls, "subjectNoun") or "", value(cls, "objectNoun") or "")
    return out


def relation_kinds() -> frozenset[str]:
    """The relation kind codes a component's Relation records may carry."""
    return frozenset(load_relation_kinds())
