"""Partnerships read from the dependency parse: a sentence's organisations -> who works with whom, by cue.

Cues (lang/en/relations/partnership.jsonl) name a lemma and the slot it opens: "in collaboration with A,
B and C" (each is a partner of the clause's actor), "support to X", "supported X", a list acting together
("led by A, B and C", "between A and B"), a list of organisations that is the subject of an action
("WHO and UNICEF continue joint supply operations"), an event's organiser and who it was for or brought
together, an organisation's request answered, a partnership named as a thing ("the cooperation of A with B"),
and a pair joined by a sign ("A & B"). A sentence in which the writer only encourages or urges states none.
"""
from __future__ import annotations

import re

from extract.records import Relation
from extract.relations.parse import (Cue, Hit, SentenceView, lemma_of, load_cues, owns_document, relation,
                                    unique_by_key)
from extract.relations.surface import FUND_KINDS

COMPONENT = "partnership"
_CHANNEL_PREPS = frozenset({"through", "via"})
# The phrases of an event that name who took part: "a workshop for A", "a meeting with B", "a session of C".
_EVENT_PREPS = frozenset({"for", "with", "of", "among"})
# Links by which a verb opens a clause of its own: a list of participants ends where one begins.
_CLAUSE_DEPS = frozenset({"advcl", "relcl", "ccomp", "conj", "parataxis", "xcomp", "acl"})
# Parts of a nominal partnership that are a clause of their own ("the partnership, which X praised").
_NOMINAL_CLAUSES = frozenset({"relcl", "acl", "advcl", "ccomp"})
# "partners from X, including A and B": X is the whole the named participants belong to.
_INCLUDING = re.compile(r"^\s*(?:\([^()]*\))?\s*,?\s*(?:including|such as|notably|namely)\b", re.IGNORECASE)
# Sentences after an event is organised within which "the event" still names that one.
ORGANISER_REACH = 2


def read_partnerships(view: SentenceView) -> list[Relation]:
    cues = {}
    for cue in load_cues(COMPONENT):
        cues.setdefault((cue.lemma, cue.slot), cue)
    if _exhortation(view, cues):
        return []
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
            elif tok.dep_ == "prep":
                out += _with_support_of(view, tok, cues)
        elif low == "to" and tok.dep_ == "prep" and (found := _to_cue(tok, cues)) is not None:
            cue, where = found
            out += _pairs(view, _actors_or_reporter(view, where), view.list_after(tok), cue)
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
    out += _gatherings(view, cues)
    out += _requests(view, cues)
    out += _nominal_partnerships(view, cues)
    out += _joined_pairs(view, cues)
    out += _coordinators(view, cues)
    return out


def _with_support_of(view: SentenceView, tok, cues: dict) -> list[Relation]:
    """"With the support of X, Y installed ...", "with technical assistance from X": X works with the clause's actor."""
    noun = next((c for c in tok.children if c.dep_ == "pobj"), None)
    cue = cues.get((lemma_of(noun), "support_noun")) if noun is not None else None
    if cue is None:
        return []
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("of", "from")), None)
    if of is None:
        return []
    return _pairs(view, _actors_or_reporter(view, tok), view.list_after(of), cue)


def _exhortation(view: SentenceView, cues: dict) -> bool:
    """Whether the sentence asks for what is not yet done: "I encourage the Government to deepen its
    cooperation with X", "We urge all parties to work with Y" (its main verb an 'exhortation' cue, its subject
    the writer)."""
    root = view.span.root
    return (lemma_of(root), "exhortation") in cues and any(
        c.dep_ == "nsubj" and c.lower_ in ("i", "we") for c in root.children)


def _to_cue(tok, cues: dict) -> tuple[Cue, object] | None:
    """The cue of a "to" phrase and the word whose actor gives: its head ("support to X"), or, when the parse
    hangs the phrase on a word further up ("started handing over tasks, where feasible, to X";
    "transferred its role as head to A; its role as convener of the review panel to B"), the
    nearest cue word between the clause's verb above and "to", and that verb."""
    head = tok.head
    cue = cues.get((lemma_of(head), "to"))
    if cue is not None:
        return cue, tok
    verb = head
    for _ in range(16):
        if (verb.pos_ in ("VERB", "AUX") and not _inside_noun_phrase(verb)) or verb.head.i == verb.i:
            break
        verb = verb.head
    if verb.pos_ not in ("VERB", "AUX") or verb.i > tok.i:
        return None
    for t in reversed(verb.doc[verb.i:tok.i]):
        if _in_other_clause(t, verb, tok):
            continue                  # ", where feasible and as needed,": an aside, not the phrase's verb
        if t.pos_ in ("VERB", "NOUN") and (cue := cues.get((lemma_of(t), "to"))) is not None:
            return cue, verb
    return None


def _inside_noun_phrase(verb) -> bool:
    """A verb that only names a noun's activity ("the review and follow-up arrangement", "the joint task
    force on checking and reporting water quality"), not the clause's verb."""
    return verb.dep_ in ("conj", "amod", "compound", "pobj", "nmod") and verb.head.pos_ in ("NOUN", "PROPN")


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
    makers = _antecedent_actors(view, tok)
    if makers:
        # "A and B launched a plan whose purpose is to support X": who made the plan acts through it
        return [h.key for h in makers]
    return [view.reporter] if view.reporter else []


def _antecedent_actors(view: SentenceView, tok) -> list:
    """When `tok` stands in a relative clause with no organisation for subject ("..., whose purpose is to
    support X", "a plan that supports X"), the organisations acting in the clause before it."""
    a = tok
    for _ in range(12):
        subject = next((c for c in a.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        relative = subject is not None and any(t.tag_ in ("WDT", "WP", "WP$") for t in subject.subtree)
        if a.dep_ == "relcl" or relative:
            start = subject.left_edge.i if relative else a.left_edge.i     # where the relative clause opens
            for verb in reversed(view.span.doc[view.span.start:start]):
                if verb.pos_ == "VERB" and (actors := view.actors(verb)):
                    return actors
            return []
        if subject is not None or a.head.i == a.i:
            return []
        a = a.head
    return []


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


def _gatherings(view: SentenceView, cues: dict) -> list[Relation]:
    """Who an event's organiser met: "X facilitated a round table for A, B and C", "X held a meeting with A";
    "the event brought together A, B and C", whose organiser is the clause's organisation, else the one that
    organised an event in the sentences just before, else the reporter. The participants are the organiser's
    partners, not each other's: taking part in one meeting is no joint work."""
    out = []
    for verb in view.span:
        if verb.pos_ != "VERB" or not view.stated(verb):
            continue
        lemma = lemma_of(verb)
        cue = cues.get((lemma, "event_verb"))
        events = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass") and _is_event(c, cues)]
        if cue is not None and events:
            organisers = _actors_or_reporter(view, verb)
            if organisers:
                view.memory["event_organiser"] = (view.sent.index, organisers)
            for prep in [c for e in events for c in e.children] + list(verb.children):
                if prep.dep_ == "prep" and prep.lower_ in _EVENT_PREPS:
                    out += _pairs(view, organisers, _participants(view, prep.i + 1), cue)
        cue = next((cues[(f"{lemma} {c.lower_}", "gather")] for c in verb.children
                    if c.dep_ in ("advmod", "prt") and (f"{lemma} {c.lower_}", "gather") in cues),
                   cues.get((lemma, "gather")))
        if cue is not None:
            out += _pairs(view, _organisers(view, verb, cues), _participants(view, verb.i + 1), cue)
    return out


def _is_event(noun, cues: dict) -> bool:
    """Whether a noun names an event ("a round-table discussion", "the workshop")."""
    return (lemma_of(noun), "event_noun") in cues


def _organisers(view: SentenceView, verb, cues: dict) -> list[str]:
    """Who gathers the participants of `verb`: its subject's organisations; for an event ("the event brought
    together"), the organiser of the event named just before, else the reporter."""
    actors = view.actors(verb)
    if actors:
        return [h.key for h in actors]
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    last = view.memory.get("event_organiser")
    if subject is not None and _is_event(subject, cues) and last and view.sent.index - last[0] <= ORGANISER_REACH:
        return list(last[1])
    return [view.reporter] if view.reporter else []


def _participants(view: SentenceView, start: int) -> list[Hit]:
    """The organisations named from token `start` to the end of its clause, each once: "for journalists, civil
    society and the A"; not a whole whose members are then named ("partners from X, including A and B"), nor
    a name that only opens a longer one ("the X Entity for Women (XW)")."""
    doc = view.span.doc
    out = []
    cursor = start
    for h in view.hits:
        if h.start < cursor:
            continue
        if any(_opens_clause(view, doc[i]) for i in range(cursor, h.start)):
            break
        cursor = h.end
        if h.kind == "country" or _INCLUDING.match(view.text[h.cend:]) or _opens_longer_name(view, h):
            continue
        out.append(h)
    return unique_by_key(out)


def _opens_clause(view: SentenceView, tok) -> bool:
    return tok.text == ";" or (tok.pos_ in ("VERB", "AUX") and tok.dep_ in _CLAUSE_DEPS and tok.i not in view.org_at)


def _opens_longer_name(view: SentenceView, hit: Hit) -> bool:
    """Whether a capitalised noun right after the name continues it ("United Nations Entity"), so the name is only
    the start of another organisation's; a place after it ("the agency Peru office") does not."""
    doc = view.span.doc
    if hit.end >= view.span.end:
        return False
    nxt = doc[hit.end]
    return (nxt.pos_ == "PROPN" and nxt.is_title and nxt.i not in view.org_at
            and not any(p.start <= nxt.i < p.end for p in view.place_hits))


def _requests(view: SentenceView, cues: dict) -> list[Relation]:
    """Answering an organisation's request: "the ministry responded quickly to the X's request", "at the
    request of the ministry, the agency deployed"; who answers and who asked are partners."""
    out = []
    for noun in view.span:
        if noun.pos_ != "NOUN" or (lemma_of(noun), "request_noun") not in cues or noun.i in view.org_at:
            continue
        head = noun.head
        if noun.dep_ == "pobj" and head.lower_ == "to":
            cue = cues.get((lemma_of(head.head), "request_verb"))      # "responded to", "in response to"
        elif noun.dep_ == "dobj":
            cue = cues.get((lemma_of(head), "request_verb"))           # "granted the request of"
        elif noun.dep_ == "pobj":
            cue = cues.get((head.lower_, "request_prep"))              # "at the request of"
        else:
            cue = None
        if cue is None or not view.stated(head):
            continue
        askers = _owners(view, noun)
        if askers:
            out += _pairs(view, _actors_or_reporter(view, head), askers, cue)
    return out


def _owners(view: SentenceView, noun) -> list[Hit]:
    """The organisations whose `noun` it is: "the X's request", "the request of A and B", "a request from X"."""
    for child in noun.children:
        if child.dep_ == "poss":
            hit = next((view.org_at[t.i] for t in child.subtree if t.i in view.org_at), None)
            if hit is not None and hit.kind != "country":
                return view.group_of(hit)
        if child.dep_ == "prep" and child.lower_ in ("of", "from", "by"):
            return [h for h in view.list_after(child) if h.kind != "country"]
    return []


def _nominal_partnerships(view: SentenceView, cues: dict) -> list[Relation]:
    """A partnership named as a thing: "the cooperation of the Government with the agency", "the A-B
    partnership", "A's collaboration with B": the organisations it names work together (those in its "with"
    phrase with the others). "In cooperation with A and B" is the actor's phrase ('with' cues), not this."""
    out = []
    for noun in view.span:
        cue = cues.get((lemma_of(noun), "nominal"))
        if cue is None or noun.pos_ != "NOUN" or noun.i in view.org_at or not view.stated(noun):
            continue
        if noun.dep_ == "pobj" and noun.head.lower_ == "in":
            continue
        withs, others = [], []
        for t in _nominal_tokens(noun):
            hit = view.org_at.get(t.i)
            if hit is None or hit.kind == "country":
                continue
            side = withs if any(a.dep_ == "prep" and a.lower_ == "with" and a.head.i == noun.i
                                for a in t.ancestors if a.i > noun.i and a.i < t.i) else others
            side.append(hit)
        withs, others = unique_by_key(withs), unique_by_key(others)
        if withs and others:
            out += _pairs(view, [h.key for h in others], withs, cue)
        elif not withs and len(others) >= 2:
            out.append(relation("partnership", view, None, [h.key for h in others], COMPONENT, cue))
    return out


def _nominal_tokens(noun):
    """The tokens of a noun's phrase, without its clauses."""
    out = [noun]
    for child in noun.children:
        if child.dep_ not in _NOMINAL_CLAUSES:
            out += list(child.subtree)
    return sorted(out, key=lambda t: t.i)


def _joined_pairs(view: SentenceView, cues: dict) -> list[Relation]:
    """Two organisations joined by a sign of acting together ("[Food security - A & B]"): a pair of partners."""
    out = []
    for a, b in zip(view.hits, view.hits[1:]):
        if b.start != a.end + 1 or a.key == b.key or "country" in (a.kind, b.kind):
            continue
        cue = cues.get((view.span.doc[a.end].text, "pair"))
        if cue is not None:
            out.append(relation("partnership", view, None, [a.key, b.key], COMPONENT, cue))
    return out


def _coordinators(view: SentenceView, cues: dict) -> list[Relation]:
    """An organisation that provides or ensures coordination with no one named to coordinate with ("the X office
    ensures that there is coordination of the work", "X ensures coordination"): it coordinates the
    others the sentence names and the reporter. Only an organisation the clause names as its actor counts."""
    out = []
    for noun in view.span:
        cue = cues.get((lemma_of(noun), "coordination_noun"))
        if cue is None or noun.pos_ != "NOUN" or noun.dep_ not in ("dobj", "attr") or noun.i in view.org_at:
            continue
        if any(c.dep_ == "prep" and c.lower_ in ("with", "between", "among", "amongst") for c in noun.children):
            continue                      # "coordination with X": the 'with' cues read it
        if not view.stated(noun):
            continue
        actors = [h.key for h in view.actors(noun)]
        doc = view.span.doc
        others = [h for h in view.hits if h.key not in actors and h.kind != "country" and h.kind not in FUND_KINDS
                  and not (h.end < len(doc) and owns_document(doc[h.end].lower_))]     # "this XYZ request"
        if view.reporter and view.reporter not in actors and all(h.key != view.reporter for h in others):
            others.append(Hit(view.reporter, "", -1, -1, -1, -1))
        out += _pairs(view, actors, unique_by_key(others), cue)
    return out
