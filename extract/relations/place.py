"""Places of action read from the dependency parse: a sentence's organisations and places -> who acts where.

A place in a locative phrase ("in Cusco, Puno and Tacna", "across the country") belongs to the action the
phrase hangs on, done by the clause's actor, or to the organisation it qualifies ("the agency's office in
X"); a phrase on a situation ("cases increased in X", "the earthquake affected people in X") or a place of
origin ("refugees from X") is no place of action. Nor is the scene of a statement or of an event told in an
opening phrase ("During his visits to X, the envoy welcomed ...", "In the light of events in X, the Government
..."), what a speaker or an approver says of a place ("X announced that ... in Y", "the Fund approved a project
in Y"), or an organisation's "in <place>" that is only how it is named ("in coordination with the XYZ in Y").
Cues: lang/en/relations/place.jsonl.
"""
from __future__ import annotations

import re
from functools import lru_cache

from extract.kinds import place_kinds
from extract.records import Relation
from extract.relations.parse import Hit, SentenceView, lemma_of, load_cues
from extract.relations.surface import PROSE_WORDS

COMPONENT = "place"
IMPLICIT_SHARE = 0.8     # a plan's publisher as the actor no clause names: this share of the cue's confidence
# Between the places of one list; not "of" ("the Northern Region of X": the country only contains it), except
# after an area noun that opens the next member ("the camps of A and B, as well as the camp of C").
_PLACE_GAP = r"(?:[\s,]|\band\b|\bor\b|\bthe\b|\bas well as\b)*"


def read_places(view: SentenceView, places: list[Hit]) -> list[Relation]:
    preps, situations, presence, areas = {}, set(), set(), set()
    for cue in load_cues(COMPONENT):
        if cue.slot == "prep":
            preps[cue.lemma] = cue
        elif cue.slot == "situation":
            situations.add(cue.lemma)
        elif cue.slot == "presence":
            presence.add(cue.lemma)
        elif cue.slot == "area":
            areas.add(cue.lemma)
    statements, leads = _slot("statement"), _slot("lead")
    doc = view.span.doc
    out: list[Relation] = []
    done: set[int] = set()
    for place in places:
        if place.start in done:
            continue
        anchor = _anchor(view, place, ("conj", "appos", "compound", "poss", "nmod"), frozenset(areas))
        prep = anchor.head
        cue = preps.get(prep.lower_) if anchor.dep_ == "pobj" else None
        if cue is None:
            continue
        group = [p for p in places if p.start >= place.start and _same_list(view, place, p)]
        done.update(p.start for p in group)
        head = _governor(prep)
        at = prep if head is prep.head else head          # where the climb to the actor starts
        if not view.stated(prep) or _scene(prep) or _container(view, head):
            continue
        owner = _unit_owner(view, head, presence)
        named = view.hit_in(head) if head.pos_ in ("NOUN", "PROPN") else None
        if named is not None and named.kind in place_kinds():
            named = None
        if named is not None and (head.i in view.org_at or lemma_of(head) in _NAME_HEADS):
            # "IFRC in X will conduct visits", "the activities of the XYZ in X": the organisation acts there;
            # not when "in X" only names it ("in coordination with the XYZ in X", "the XYZ in X has advised")
            if not _named_acts(view, head, presence, statements):
                continue
            actors = [named.key]
        elif owner is not None:
            actors = [owner.key]                          # "the Office of UNHCR in Peru", "the teams of X in Y"
        else:
            if _situation(head, situations, presence):
                continue
            lead = _led_by(view, prep, leads)
            if lead is not None:
                actors = [lead.key]                       # "the Fund approved an XYZ-led project in Y"
            elif lemma_of(_actor_verb(at)) in statements:
                continue                                  # "X announced that ... in Y", "X approved a project in Y"
            else:
                # Only an actor the sentence names: a place of action credited to the publisher by default
                # would turn every situation sentence into the publisher's action.
                actors = [h.key for h in view.actors(at)] or _controlled(view, at)
        confidence = cue.confidence
        if not actors and view.plan and view.reporter and len(view.text.split()) >= PROSE_WORDS \
                and _unnamed_subject(prep):
            # A plan states what its publisher will do: "the objective of this operation is to support the
            # refugees in X", "assist 2,500 families in X"
            actors, confidence = [view.reporter], round(cue.confidence * IMPLICIT_SHARE, 2)
        if not actors:
            continue
        keys = tuple(dict.fromkeys(p.key for p in group))
        out.append(Relation("activity", view.sent.index, actors[0], tuple(actors[1:]), places=keys,
                            description=_describe(view), component=COMPONENT, cue=cue.lemma,
                            confidence=confidence))
    return out + _named_places(view)


def _named_places(view: SentenceView) -> list[Relation]:
    """An organisation whose name says where it works ("the Assistance Mission for Peru", "the Humanitarian Fund for Peru")
    acts in that place: read where the report first writes the name in full, once a report. The place must be
    one the report names elsewhere (a place of its own record), not a guess from the name alone."""
    cues, pattern = _name_cues()
    if not cues or not view.hits:
        return []
    names = view.memory.get("place_names")
    if names is None:
        kinds = place_kinds()
        names = view.memory["place_names"] = {
            " ".join(m.text.lower().split()): m.key for m in view.record.mentions
            if (e := view.record.entities.get(m.key)) is not None and e.kind in kinds}
    done = view.memory.setdefault("named_places", set())
    out = []
    for hit in view.hits:
        if hit.key in done or hit.kind in place_kinds():
            continue
        m = pattern.search(" ".join(view.text[hit.cstart:hit.cend].split()))
        place = names.get(m.group(2).lower()) if m else None
        if place is None:
            continue
        done.add(hit.key)
        cue = cues[m.group(1).lower()]
        out.append(Relation("activity", view.sent.index, hit.key, (), places=(place,), description=_describe(view),
                            component=COMPONENT, cue=cue.lemma, confidence=cue.confidence))
    return out


def locative_places(view: SentenceView) -> set[str]:
    """The places of the sentence that stand in a locative phrase ("in A, B and C", "across the regions of
    A and B", "to X"): the only places an activity can happen in. "The efforts of X", "the Government of X",
    "returnees from X" name a place in no such phrase, and the scene an opening phrase sets ("During his
    visits to X, ...") is no place of the clause's action."""
    preps = {c.lemma for c in load_cues(COMPONENT) if c.slot == "prep"}
    out = set()
    for place in view.place_hits:
        anchor = _anchor(view, place, ("conj", "appos", "compound", "poss", "nmod", "amod"))
        if anchor.dep_ == "pobj" and anchor.head.lower_ in preps and not _scene(anchor.head):
            out.add(place.key)
    return out


def place_actors(view: SentenceView) -> dict[str, frozenset]:
    """Place -> the organisations the parse puts at work there (what `read_places` reads): a rule that takes
    every organisation of a clause as its actor keeps only these ("XYZA held a meeting in X for journalists and
    the XYZ": not the XYZ; "the XYZ announced that strikes hit targets in X": not the XYZ), those the action is
    done with, and the publisher where the parse names no one."""
    out: dict[str, set] = {p.key: set() for p in view.place_hits}
    for rel in read_places(view, view.place_hits):
        for p in rel.places:
            out.setdefault(p, set()).update(a for a in (rel.subject, *rel.objects) if a)
    for key, actors in out.items():
        if not actors and view.reporter:
            actors.add(view.reporter)     # where the parse names no one, the publisher may act ("the supply team ...")
    for place in view.place_hits:
        # who the action is done with ("in cooperation with WFP, UNICEF assisted households in X") shares it
        anchor = _anchor(view, place, ("conj", "appos", "compound", "poss", "nmod", "amod"))
        if anchor.dep_ == "pobj":
            out[place.key].update(_done_with(view, _governor(anchor.head)))
    return {k: frozenset(v) for k, v in out.items()}


def _done_with(view: SentenceView, tok) -> set[str]:
    """The organisations of a "with" phrase on the verbs from the one `tok` serves up to its clause's own, or on
    a participle opening the clause ("with X", "in cooperation with X", "together with X", "Supported by A and in
    cooperation with X, ...", "strengthened its collaboration with X in sharing warehouses in Y")."""
    chain, verb = set(), _first_verb_at(tok)
    for _ in range(6):
        chain.add(verb.i)
        if any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children) or verb.head.i == verb.i:
            break
        verb = _first_verb_at(verb.head)
    out = set()
    for t in verb.subtree:
        if t.lower_ != "with" or t.i in view.org_at:
            continue
        above = _first_verb_at(t.head)
        if above.i in chain or (above.dep_ == "advcl" and above.head.i in chain and above.tag_ == "VBN"):
            out.update(view.org_at[u.i].key for u in t.subtree if u.i in view.org_at)
    return out


def _first_verb_at(tok):
    """`tok` if it is a verb, else the nearest verb above it (or the root)."""
    for _ in range(12):
        if tok.pos_ in ("VERB", "AUX") or tok.head.i == tok.i:
            return tok
        tok = tok.head
    return tok


def _controlled(view: SentenceView, tok) -> list[str]:
    """The organisation an infinitive's action is asked of or enabled for, when its clause's subject names none:
    the object of the verb above ("thanks to the Government for enabling the XYZ to keep its offices in Y",
    "helped the XYZ to reach families in Y")."""
    verb = tok
    for _ in range(8):
        if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
            break
        verb = verb.head
    if verb.dep_ != "xcomp":
        return []
    obj = next((c for c in verb.head.children if c.dep_ == "dobj"), None)
    hit = view.org_at.get(obj.i) if obj is not None else None
    return [hit.key] if hit is not None and hit.kind not in place_kinds() else []


def _container(view: SentenceView, head) -> bool:
    """Whether a place's phrase hangs on another place ("the X Reception Centre in Y", "the X camp in Y"): it
    says where that place lies; the action is at the place it qualifies. Also through a participle ("the X
    Centre (formerly known as Z) in Y")."""
    while head.dep_ == "acl" and head.pos_ == "VERB" and head.head.i != head.i:
        head = head.head
    return any(h.start <= head.i < h.end for h in view.place_hits)


def _governor(prep):
    """The word a place's phrase hangs on. The parser often hangs a phrase that follows the comma closing a
    relative clause on that clause ("supported the teams, 40 per cent of whom are women, in X"): it belongs to
    the clause the relative one interrupts."""
    head = prep.head
    if prep.i == 0 or prep.doc[prep.i - 1].text != "," or head.pos_ not in ("VERB", "AUX") \
            or head.dep_ not in ("relcl", "advcl", "acl") \
            or not any(t.tag_ in ("WDT", "WP", "WP$") for t in head.subtree if t.i < prep.i):
        return head
    up = head.head
    for _ in range(6):
        if up.pos_ in ("VERB", "AUX") or up.head.i == up.i:
            break
        up = up.head
    return up


@lru_cache(maxsize=8)
def _slot(slot: str) -> frozenset:
    return frozenset(c.lemma for c in load_cues(COMPONENT) if c.slot == slot)


@lru_cache(maxsize=1)
def _name_cues() -> tuple[dict, re.Pattern]:
    """The 'name' cues by preposition, and the end of a name they open: " for (the) <place>"."""
    cues = {c.lemma: c for c in load_cues(COMPONENT) if c.slot == "name"}
    return cues, re.compile(rf"\s({'|'.join(map(re.escape, cues))})\s+(?:the\s+)?(.+)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _list_gap() -> re.Pattern:
    """What may stand between two places of one list: commas, "and", "or", "as well as", "the", and an area noun
    with "of" that opens the next member, after at most one word ("..., as well as the lakeside town of C")."""
    areas = "|".join(sorted(map(re.escape, _slot("area")), key=len, reverse=True))
    member = rf"(?:[\w'’-]+\s+)?(?:{areas})s?\s+of\s+"
    return re.compile(rf"{_PLACE_GAP}(?:{member})?")


# Nouns an organisation's name heads ("the XYZ family in X", "the XYZ system in X"): its place is the name's.
_NAME_HEADS = frozenset({"family", "system", "team", "teams", "country"})
# What a noun phrase may hold between a place's phrase and the opening phrase it lies in: nouns, prepositions
# and participles ("in a ceremony held at the X Directorate in Y"), no clause of its own ("Together with
# assisting communities in X, ..." is the actor's action).
_PHRASE_DEPS = frozenset({"pobj", "prep", "acl", "compound", "conj", "appos", "nmod", "amod", "dobj", "poss"})


def _scene(prep) -> bool:
    """Whether the phrase `prep` opens lies inside an opening phrase of its clause without being its place: "During
    his visits to X, the envoy welcomed ...", "In the light of the events in X, the Government ...", "as part of
    the efforts of the XYZ in X, ABC organized ...". A place that is the opening phrase's own object ("In X,
    the agency delivered water") is the clause's place."""
    tok, nested = prep.head, False
    for _ in range(12):
        if tok.dep_ == "prep" and tok.head.pos_ in ("VERB", "AUX") and tok.head.dep_ != "acl":
            if not nested:
                return False
            verb = tok.head
            subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "expl")), None)
            return subject is not None and tok.i < subject.i and tok.i < verb.i
        if tok.pos_ in ("VERB", "AUX") and tok.dep_ != "acl":
            return False
        if tok.dep_ not in _PHRASE_DEPS or tok.head.i == tok.i:
            return False
        nested = nested or tok.pos_ in ("NOUN", "PROPN")
        tok = tok.head
    return False


def _actor_verb(tok):
    """The token whose subject (or passive agent) acts where `tok` stands: the nearest one above it that has one."""
    a = tok
    for _ in range(12):
        if any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "agent") for c in a.children) or a.head.i == a.i:
            return a
        a = a.head
    return a


def _named_acts(view: SentenceView, head, presence: set, statements: frozenset) -> bool:
    """Whether an organisation named with its place ("the XYZ in X") acts there: it is the subject of an action
    the sentence states ("IFRC in X will conduct visits"), or its activities, office or programmes are meant ("the
    activities of the XYZ in X"); not a speaker ("the XYZ in X has advised ...") nor a mere partner or owner ("in
    coordination with the XYZ in X", "the efforts of the XYZ in X")."""
    tok = head
    while tok.dep_ in ("conj", "appos", "compound") and tok.head.i != tok.i:
        tok = tok.head
    if tok.dep_ in ("nsubj", "nsubjpass"):
        verb = tok.head
        return lemma_of(verb) not in statements and verb.pos_ in ("VERB", "AUX")
    if tok.dep_ == "pobj" and tok.head.lower_ in ("of", "by"):
        owner = tok.head.head
        return tok.head.lower_ == "by" or (owner.pos_ in ("NOUN", "PROPN") and lemma_of(owner) in presence)
    return False


def _led_by(view: SentenceView, prep, leads: frozenset):
    """The organisation that leads or runs the project a place's phrase belongs to ("an XYZ-led project to ... in
    Y", "a project implemented by XYZ in Y"), or None."""
    tok = prep.head
    for _ in range(8):
        if tok.pos_ in ("NOUN", "PROPN"):
            for child in tok.children:
                if child.dep_ in ("amod", "acl") and lemma_of(child) in leads:
                    for t in child.subtree:
                        if t.i in view.org_at and view.org_at[t.i].kind not in place_kinds() and t.i != tok.i:
                            return view.org_at[t.i]
        if tok.head.i == tok.i or (tok.pos_ in ("VERB", "AUX") and tok.dep_ not in ("relcl", "acl", "xcomp")):
            return None
        tok = tok.head
    return None


def _anchor(view: SentenceView, place: Hit, within: tuple[str, ...], areas: frozenset | None = None):
    """The token that puts a place in its phrase: climbing through a list and modifiers (`within`: "in A, B and
    C", "in Peru's north") and through "of" after a common noun ("the affected areas of A", "the camps of A
    and B"; only after one of `areas` when given: not "the integrity of X"), not after an organisation ("the
    Government of X") or another place ("the Northern Region of X": that region is where it happens)."""
    anchor = view.span.doc[place.start:place.end].root
    in_place = {i for h in view.place_hits for i in range(h.start, h.end)}
    for _ in range(4):
        while anchor.dep_ in within and anchor.head.i != anchor.i:
            anchor = anchor.head
        of = anchor.head
        if anchor.dep_ == "pobj" and of.lower_ == "of" and of.head.pos_ in ("NOUN", "PROPN") \
                and of.head.i not in view.org_at and of.head.i not in in_place and of.head.i != of.i \
                and (areas is None or _area_word(of.head) in areas):
            anchor = of.head
            continue
        break
    return anchor


def _area_word(tok) -> str:
    """A noun's lemma, also for a capitalised plural the tagger takes for a name ("the A and B Districts of C")."""
    lemma = lemma_of(tok)
    return lemma[:-1] if tok.pos_ == "PROPN" and lemma.endswith("s") and lemma == tok.lower_ else lemma


def _unit_owner(view: SentenceView, head, presence: set) -> Hit | None:
    """The organisation whose office, team or programme a noun names through "of" ("the Office of the High
    Commissioner (XYZ)", "the teams of X"): that noun's place is the organisation's place of action."""
    if head.pos_ not in ("NOUN", "PROPN") or head.i in view.org_at or lemma_of(head) not in presence:
        return None
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            hit = next((view.org_at[t.i] for t in child.subtree if t.i in view.org_at), None)
            if hit is not None and hit.kind not in place_kinds():
                return hit
    return None


def _unnamed_subject(tok) -> bool:
    """Whether the clause of `tok` has no subject, or a common noun or pronoun for one ("the objective",
    "this operation", "we"): no one named stands in the way of the publisher as the actor."""
    a, verb = tok, False
    for _ in range(10):
        verb = verb or a.pos_ == "VERB"
        subject = next((c for c in a.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None:
            return verb and subject.pos_ in ("NOUN", "PRON") and subject.ent_type_ == ""
        if a.head.i == a.i:
            return verb
        a = a.head
    return False


def _same_list(view: SentenceView, first: Hit, other: Hit) -> bool:
    if other is first:
        return True
    cursor = first
    for h in view.place_hits:
        if h.start <= first.start or h.start > other.start:
            continue
        gap = view.text[cursor.cend:h.cstart]
        if not _list_gap().fullmatch(gap):
            return False
        cursor = h
    return True


def _situation(head, situations: set, presence: set = frozenset()) -> bool:
    """Whether the phrase hangs on a situation: a situation verb (or a mere "be"/"have"), or a situation noun
    that no action verb governs ("cases in X"), climbing through nouns to the verb they serve. Having a
    plan, a programme or an office somewhere ("A and B have action plans in X") is a presence, no situation."""
    tok, below = head, None
    for _ in range(6):
        lemma = lemma_of(tok)
        if tok.pos_ in ("VERB", "AUX"):
            if lemma == "have" and below is not None and below.dep_ == "dobj" and lemma_of(below) in presence:
                return False
            if lemma == "be" and any(c.dep_ == "acomp" and lemma_of(c) in _slot("present") for c in tok.children):
                return False                  # "X is present / active / operational in A and B"
            return (lemma in situations or lemma in ("be", "have")
                    or any(c.dep_ in ("advcl", "prep") and lemma_of(c) in situations for c in tok.children))
        if lemma in situations and tok.dep_ in ("nsubj", "nsubjpass", "ROOT", "attr"):
            return True
        if tok.head.i == tok.i:
            return lemma in situations
        tok, below = tok.head, tok
    return False


def _describe(view: SentenceView) -> str:
    words = " ".join(view.text.split())
    return words if len(words.split()) <= 20 else " ".join(words.split()[:20]) + " …"
