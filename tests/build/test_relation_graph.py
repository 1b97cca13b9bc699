"""How the graph writer turns each relation kind into triples, as its class in the ontology declares it: the node
with its roles, the shortcut (its inverse, both ways when symmetric), places, amounts; one record per case."""
from __future__ import annotations

import pytest
from rdflib import RDF, Literal

from extract.records import Relation, ReportRecord, Sentence
from extract.text import clean
from kg.build.graph import build_dataset
from kg.build.iris import entity_iri, report_iri
from kg.namespace import ORG, RK, SCHEMA

A, B, C = (entity_iri(f"org/{k}") for k in ("a", "b", "c"))
P, X, Y = entity_iri("programme/p"), entity_iri("place/XA"), entity_iri("place/XB")
# what every relation node carries besides what its kind writes
COMMON = {RDF.type, RK.foundBy, RK.confidence, RK.evidence, RK.inReport}


def _graph(rel: Relation):
    """The graph of a one-sentence report with the one relation."""
    text = clean("One sentence for the relation.")
    record = ReportRecord("t", "t.txt", "T", text, sentences=[Sentence(0, 0, len(text.text), text.text, None)],
                          relations=[rel])
    return build_dataset([record]).graph(report_iri("t"))


def _written(rel: Relation) -> tuple[set, set]:
    """(the node's own triples but the common ones, as (predicate, object); the triples between entities)."""
    g = _graph(rel)
    node = next(g.subjects(RK.evidence, None))
    own = {(p, o) for p, o in g.predicate_objects(node) if p not in COMMON}
    return own, {(s, p, o) for s, p, o in g if s in (A, B, C, P)}


CASES = {
    "funding with an amount": (
        Relation("funding", 0, "org/a", ("org/b",), amount=20.0, currency="USD"),
        {(SCHEMA.funder, A), (RK.recipient, B)},
        {(A, RK.funds, B), (B, RK.fundedBy, A)}),
    "partners without a subject: every pair, both ways": (
        Relation("partnership", 0, None, ("org/a", "org/b", "org/c")),
        {(RK.participant, A), (RK.participant, B), (RK.participant, C)},
        {(a, RK.partnersWith, b) for a in (A, B, C) for b in (A, B, C) if a != b}),
    "partners of a subject: the subject with each, not the others together": (
        Relation("partnership", 0, "org/a", ("org/b", "org/c")),
        {(RK.participant, A), (RK.participant, B), (RK.participant, C)},
        {(A, RK.partnersWith, B), (B, RK.partnersWith, A), (A, RK.partnersWith, C), (C, RK.partnersWith, A)}),
    "membership in two bodies": (
        Relation("membership", 0, "org/a", ("org/b", "org/c")),
        {(ORG.member, A), (ORG.organization, B), (ORG.organization, C)},
        {(A, ORG.memberOf, B), (A, ORG.memberOf, C)}),
    "an activity in two places: each party acts in each": (
        Relation("activity", 0, "org/a", ("org/b",), places=("place/XA", "place/XB")),
        {(RK.participant, A), (RK.participant, B), (RK.place, X), (RK.place, Y)},
        {(a, RK.actsIn, p) for a in (A, B) for p in (X, Y)}),
    "a programme's places without an implementer": (
        Relation("implementation", 0, None, ("programme/p",), places=("place/XA",)),
        {(RK.participant, P), (RK.place, X)},
        {(P, RK.operatesIn, X)}),
    "an implementer": (
        Relation("implementation", 0, "org/a", ("programme/p",)),
        {(SCHEMA.agent, A), (RK.participant, P)},
        {(A, RK.implements, P), (P, RK.implementedBy, A)}),
    "procurement": (
        Relation("procurement", 0, "org/a", ("org/b",)),
        {(RK.participant, A), (RK.recipient, B)},
        {(A, RK.procuresThrough, B)}),
    "an agreement signed by a subject": (
        Relation("agreement", 0, "org/a", ("org/b",)),
        {(RK.participant, A), (RK.participant, B)},
        {(A, RK.signedAgreementWith, B), (B, RK.signedAgreementWith, A)}),
}


@pytest.mark.parametrize("case", CASES)
def test_each_relation_kind_is_written_as_its_class_declares(case):
    rel, node, between = CASES[case]
    own, entities = _written(rel)
    roles = {(p, o) for p, o in own if p not in (SCHEMA.amount,)}
    assert roles == node
    assert entities == between


def test_an_amount_is_a_monetary_amount_of_the_node():
    g = _graph(Relation("funding", 0, "org/a", ("org/b",), amount=20.0, currency="USD"))
    amount = g.value(next(g.subjects(RK.evidence, None)), SCHEMA.amount)
    assert set(g.predicate_objects(amount)) == {
        (RDF.type, SCHEMA.MonetaryAmount), (SCHEMA.value, Literal(20.0)), (SCHEMA.currency, Literal("USD"))}
