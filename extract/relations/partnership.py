"""Partnerships read from the dependency parse: a sentence's organisations -> who works with whom, by cue.

Cues (lang/en/relations/partnership.jsonl) name a lemma and the slot it opens: "in collaboration with A,
B and C" (each is a partner of the clause's actor), "support to X", "supported X", a list acting together
("led by A, B and C", "between A and B"), and a list of organisations that is the subject of an action
("WHO and UNICEF continue cross-border operations").
"""
from __future__ import annotations

from extract.records import Relation
from extract.relations.parse import Cue, SentenceView, load_cues, relation

COMPONENT = "partnership"


def read_partnerships(view: SentenceView) -> list[Relation]:
    cues = {}
    for cue in load_cues(COMPONENT):
        cues.setdefault((cue.lemma, cue.slot), cue)
    out: list[Relation] = []
    for tok in view.span:
        low = tok.lower_
        if low == "with":
            cue = cues.get((tok.head.lemma_.lower(), "with")) or cues.get((tok.head.lower_, "with"))
            if cue:
                partners = view.list_after(tok)
                actors = _actors_or_reporter(view, tok)
                peers = [h for h in partners if h.kind != "country"]
                if not actors and len(peers) >= 2:   # "the model was developed in partnership with A, B and C"
                    out.append(relation("partnership", view, None, [h.key for h in peers], COMPONENT, cue))
                out += _pairs(view, actors, partners, cue)
        elif low == "to" and tok.head.lemma_.lower() in {c[0] for c in cues if c[1] == "to"}:
            cue = cues[(tok.head.lemma_.lower(), "to")]
            out += _pairs(view, _actors_or_reporter(view, tok), view.list_after(tok), cue)
        elif low == "between" and ("between", "between") in cues:
            members = [h for h in view.list_after(tok) if h.kind != "country"]
            if len(members) >= 2:
                out.append(relation("partnership", view, None, [h.key for h in members], COMPONENT,
                                    cues[("between", "between")]))
        cue = cues.get((tok.lemma_.lower(), "object"))
        if cue and tok.pos_ in ("VERB", "ADP", "ADV"):
            for child in tok.children:
                if child.dep_ in ("dobj", "pobj", "obj"):
                    hit = view.hit_in(child)
                    if hit is not None:
                        out += _pairs(view, _actors_or_reporter(view, tok), view.group_of(hit), cue)
        cue = cues.get((tok.lemma_.lower(), "agent"))
        if cue and tok.pos_ == "VERB":
            for child in tok.children:
                if child.dep_ == "agent":
                    members = [h for h in view.list_after(child) if h.kind != "country"]
                    if len(members) >= 2:
                        out.append(relation("partnership", view, None, [h.key for h in members], COMPONENT, cue))
    out += _joint_subjects(view, {lemma: cue for (lemma, slot), cue in cues.items() if slot == "subject"})
    return out


def _actors_or_reporter(view: SentenceView, tok) -> list[str]:
    actors = view.actors(tok)
    if actors:
        return [h.key for h in actors]
    return [view.reporter] if view.reporter else []


def _pairs(view: SentenceView, actors: list[str], partners, cue: Cue) -> list[Relation]:
    out = []
    for a in actors:
        for p in partners:
            if p.key != a and p.kind != "country":
                out.append(relation("partnership", view, a, [p.key], COMPONENT, cue))
    return out


def _joint_subjects(view: SentenceView, subjects: dict) -> list[Relation]:
    """A list of two or more organisations as the subject of an action: they act together."""
    out = []
    done: set = set()
    for hit in view.hits:
        if hit.key in done:
            continue
        members = view.group_of(hit)
        done.update(h.key for h in members)
        members = [h for h in members if h.kind != "country"]
        if len(members) < 2:
            continue
        for m in members:
            root = view.span.doc[m.start:m.end].root
            while root.dep_ in ("conj", "appos", "compound") and root.head.i != root.i:
                root = root.head
            cue = subjects.get(root.head.lemma_.lower())
            if root.dep_ == "nsubj" and cue is not None and root.head.pos_ in ("VERB", "AUX"):
                out.append(relation("partnership", view, None, [h.key for h in members], COMPONENT, cue))
                break
    return out
