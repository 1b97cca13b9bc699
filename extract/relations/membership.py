"""Memberships read from the dependency parse: a sentence's organisations -> which body is part of which.

Cues (lang/en/relations/membership.jsonl): a unit named with its parent's possessive ("X's Centre for Data":
the centre is part of X; slot `unit`) and a named body composed of a list ("the Steering Committee, composed
of A, B and C": each is a member; slot `composed`, the verb's lemma). Lists distribute over every member.
"""
from __future__ import annotations

from extract.records import Relation
from extract.relations.parse import SentenceView, lemma_of, load_cues, relation

COMPONENT = "membership"
_OF = frozenset({"of"})


def read_memberships(view: SentenceView) -> list[Relation]:
    cues = {(c.slot, c.lemma): c for c in load_cues(COMPONENT)}
    out: list[Relation] = []
    unit = cues.get(("unit", "'s"))
    for t in view.span:
        if unit is None or t.dep_ != "poss" or not any(c.dep_ == "case" for c in t.children):
            continue
        owner, part = view.org_at.get(t.i), view.org_at.get(t.head.i)
        if owner is None or part is None or owner.key == part.key or "country" in (owner.kind, part.kind):
            continue
        if view.stated(t):
            out.append(relation("membership", view, part.key, [owner.key], COMPONENT, unit))
    for tok in view.span:
        cue = cues.get(("composed", lemma_of(tok)))
        if cue is None or tok.pos_ != "VERB" or not view.stated(tok):
            continue
        body = view.hit_in(tok.head) if tok.dep_ in ("acl", "relcl", "appos") else None
        if body is None:
            continue
        after = [c for c in tok.children if c.dep_ == "prep" and c.lower_ in _OF] or \
                [c for c in tok.children if c.dep_ == "dobj"]
        for lead in after:
            members = view.list_after(lead) if lead.dep_ == "prep" else view.group_of(view.hit_in(lead)) \
                if view.hit_in(lead) else []
            for m in members:
                if m.key != body.key and m.kind != "country":
                    out.append(relation("membership", view, m.key, [body.key], COMPONENT, cue))
    return out
