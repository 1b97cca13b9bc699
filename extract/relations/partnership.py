"""Partnerships read from the dependency parse: a sentence's organisations -> who works with whom, by cue.

Cues (lang/en/relations/partnership.jsonl) name a lemma and the slot it opens: "in collaboration with A,
B and C" (each is a partner of the clause's actor), "support to X", "supported X", a list acting together
("led by A, B and C", "between A and B"), and a list of organisations that is the subject of an action
("WHO and UNICEF continue cross-border operations").
"""
from __future__ import annotations

from extract.records import Relation
from extract.relations.parse import Cue, SentenceView, lemma_of, load_cues, relation, unique_by_key
from extract.relations.surface import FUND_KINDS

COMPONENT = "partnership"
_CHANNEL_PREPS = frozenset({"through", "via"})


def read_partnerships(view: SentenceView) -> list[Relation]:
    cues = {}
    for cue in load_cues(COMPONENT):
        cues.setdefault((cue.lemma, cue.slot), cue)
    out: list[Relation] = []
    for tok in view.span:
        low = tok.lower_
        if not view.stated(tok):
            continue
        if low == "with":
            cue = cues.get((lemma_of(tok.head), "with")) or cues.get((tok.head.lower_, "with"))
            if cue:
                partners = view.list_after(tok)
                actors = _actors_or_reporter(view, tok)
                peers = [h for h in partners if h.kind != "country"]
                if not actors and len(peers) >= 2:   # "the model was developed in partnership with A, B and C"
                    out.append(relation("partnership", view, None, [h.key for h in peers], COMPONENT, cue))
                out += _pairs(view, actors, partners, cue)
        elif low == "to" and tok.dep_ == "prep" and (cue := _to_cue(tok, cues)) is not None:
            out += _pairs(view, _actors_or_reporter(view, tok), view.list_after(tok), cue)
        elif low in _CHANNEL_PREPS and (low, "channel") in cues and tok.dep_ == "prep":
            # "assistance through the Commission": the organisation the actor works through is its partner;
            # a fund it works through pays (the funding component reads that)
            partners = [h for h in view.list_after(tok) if h.kind not in FUND_KINDS]
            actors = [h.key for h in view.actors(tok)]
            out += _pairs(view, actors, partners, cues[(low, "channel")])
        elif low == "between" and ("between", "between") in cues:
            members = [h for h in view.list_after(tok) if h.kind != "country"]
            if len(members) >= 2:
                out.append(relation("partnership", view, None, [h.key for h in members], COMPONENT,
                                    cues[("between", "between")]))
        cue = cues.get((lemma_of(tok), "object"))
        if cue and tok.pos_ in ("VERB", "ADP", "ADV"):
            for child in tok.children:
                if child.dep_ in ("dobj", "pobj", "obj"):
                    hit = view.hit_in(child) or _owner_of_effort(view, child, cues)
                    if hit is not None:
                        out += _pairs(view, _actors_or_reporter(view, tok), view.group_of(hit), cue)
        cue = cues.get((lemma_of(tok), "object_with"))
        if cue and tok.pos_ == "VERB" and any(
                c.dep_ == "prep" and c.lower_ == "with" and any(
                    (lemma_of(g), "support_noun") in cues for g in c.children if g.dep_ == "pobj")
                for c in tok.children):
            # "provided the Commission with technical support" (not "provided the ministry with a tool")
            for child in tok.children:
                if child.dep_ in ("dobj", "dative"):
                    hit = view.hit_in(child)
                    if hit is not None:
                        out += _pairs(view, _actors_or_reporter(view, tok), view.group_of(hit), cue)
        cue = cues.get((lemma_of(tok), "agent"))
        if cue and tok.pos_ == "VERB":
            for child in tok.children:
                if child.dep_ == "agent":
                    members = [h for h in view.list_after(child) if h.kind != "country"]
                    if len(members) >= 2:
                        out.append(relation("partnership", view, None, [h.key for h in members], COMPONENT, cue))
    out += _joint_subjects(view, {lemma: cue for (lemma, slot), cue in cues.items() if slot == "subject"},
                           {lemma: cue for (lemma, slot), cue in cues.items() if slot == "adverb"})
    return out


def _to_cue(tok, cues: dict) -> Cue | None:
    """The cue of a "to" phrase: its head ("support to X"), or, when the parse hangs the phrase on a word
    further up ("began the process of transferring tasks, where possible, to X"; "transferred its role as
    leader to A; its role as chair to B"), the nearest cue word between the verb above and "to"."""
    head = tok.head
    cue = cues.get((lemma_of(head), "to"))
    if cue is not None:
        return cue
    verb = head
    for _ in range(8):
        if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
            break
        verb = verb.head
    if verb.pos_ not in ("VERB", "AUX") or verb.i > tok.i:
        return None
    for t in reversed(verb.doc[verb.i:tok.i]):
        if _in_other_clause(t, verb, tok):
            continue                  # ", where possible and as relevant,": an aside, not the phrase's verb
        if t.pos_ in ("VERB", "NOUN") and (cue := cues.get((lemma_of(t), "to"))) is not None:
            return cue
    return None


def _owner_of_effort(view: SentenceView, noun, cues: dict):
    """"complementing the efforts of X", "supported the work of X": the organisation whose effort it is."""
    if (lemma_of(noun), "effort_noun") not in cues:
        return None
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.i in view.org_at and view.org_at[obj.i].kind != "country":
                    return view.org_at[obj.i]
    return None


def _in_other_clause(t, verb, tok) -> bool:
    """Whether `t` stands in a clause below `verb` (relative, complement, adverbial) that does not hold `tok`."""
    a = t
    while a.i != verb.i and a.head.i != a.i:
        if a.dep_ in ("relcl", "ccomp", "advcl") and not (a.left_edge.i <= tok.i <= a.right_edge.i):
            return True
        a = a.head
    return False


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


def _joint_subjects(view: SentenceView, subjects: dict, adverbs: dict) -> list[Relation]:
    """Two or more organisations as the subject of an action verb ("A and B launched", "A, B and C are
    jointly assessing"), or of any verb an adverb of acting together modifies: they act together. The
    subject is the written list ("A, B (C) and D") joined with the parse's conjuncts ("the A in X and the
    B", where a phrase stands between the names)."""
    out = []
    done: set = set()
    for verb in view.span:
        if verb.pos_ not in ("VERB", "AUX") or not view.stated(verb):
            continue
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is None:
            continue
        cue = subjects.get(lemma_of(verb)) or next(
            (adverbs[c.lower_] for c in verb.children if c.dep_ == "advmod" and c.lower_ in adverbs), None)
        if cue is None:
            continue
        members = []
        for t in (subject, *subject.conjuncts):
            hit = view.org_at.get(t.i) or view.hit_in(t)      # "the A teams and B"
            if hit is not None:
                members += view.group_of(hit)
        members = [h for h in unique_by_key(members) if h.kind != "country"]
        key = frozenset(h.key for h in members)
        if len(members) >= 2 and key not in done:
            done.add(key)
            out.append(relation("partnership", view, None, [h.key for h in members], COMPONENT, cue))
    return out
