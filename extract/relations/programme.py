"""Who funds, implements or leads a programme, and where it works, read from the dependency parse: a sentence's programmes and organisations -> funding and implementation relations.

Cues (lang/en/relations/programme.jsonl): verbs of paying whose object, "to"/"for" phrase or passive subject
is the programme ("X funds the Y project", "US$2 million was allocated to the plan"), money words for it with a
funder after "from" ("funding for the plan from X"), verbs of running it ("implemented by X", "X launched the
Y initiative"), phrases naming its lead ("under the leadership of X", "led by X"), its owner ("X's Y window",
"the Y initiative of X", "an X-led project"), "through its Y programme", and places it works in ("the
project in X"). Lists distribute over every member.
"""
from __future__ import annotations

import re

from extract.kinds import programme_kinds
from extract.records import Relation
from extract.relations.parse import Cue, Hit, SentenceView, load_cues

COMPONENT = "programme"
_TO = frozenset({"to", "for", "towards"})
_BULLET = re.compile(r"^\s*[●•▪◦‣⁃*\-–]\s")


def programme_hits(view: SentenceView) -> list[Hit]:
    """The programmes the sentence names, in text order, as hits over the doc's tokens."""
    doc = view.span.doc
    sent = view.sent
    out = []
    for m in view.record.mentions:
        if m.sentence != sent.index:
            continue
        info = view.record.entities.get(m.key)
        if info is None or info.kind not in programme_kinds():
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None:
            out.append(Hit(m.key, info.kind, span.start, span.end, m.start - sent.start, m.end - sent.start))
    return sorted(out, key=lambda h: h.start)


def read_programme_relations(view: SentenceView) -> list[Relation]:
    """Funding of, implementation of and places of each programme the sentence names."""
    cues: dict[str, dict[str, Cue]] = {}
    for cue in load_cues(COMPONENT):
        cues.setdefault(cue.slot, {})[cue.lemma] = cue
    programmes = programme_hits(view)
    if not programmes:
        return _headed_list(view, cues)
    doc = view.span.doc
    out: list[Relation] = []
    for prog in programmes:
        root = doc[prog.start:prog.end].root
        funders, implementers, places = [], [], []
        _verb_slots(view, root, cues, funders, implementers)
        _noun_slots(view, prog, root, cues, funders, implementers)
        _places(view, root, cues.get("place", {}), places)
        for keys, cue in funders:
            for k in dict.fromkeys(keys):
                if k != prog.key:
                    out.append(Relation("funding", view.sent.index, k, (prog.key,), component=COMPONENT,
                                        cue=cue.lemma, confidence=cue.confidence))
        place_keys = tuple(dict.fromkeys(p for ps, _ in places for p in ps))
        place_cue = places[0][1] if places else None
        done = False
        for keys, cue in implementers:
            for k in dict.fromkeys(keys):
                if k != prog.key:
                    out.append(Relation("implementation", view.sent.index, k, (prog.key,), places=place_keys,
                                        component=COMPONENT, cue=cue.lemma, confidence=cue.confidence))
                    done = True
        if place_keys and not done:
            out.append(Relation("implementation", view.sent.index, None, (prog.key,), places=place_keys,
                                component=COMPONENT, cue=place_cue.lemma, confidence=place_cue.confidence))
    return out


def _headed_list(view: SentenceView, cues: dict) -> list[Relation]:
    """A bullet line under a heading sentence that names a programme and money and ends with a colon ("The
    donors who have pledged funding to this plan:" / "• X [US$1 million]"): the line's organisation funds it."""
    cue = cues.get("list", {}).get(":")
    sentences = view.record.sentences
    if cue is None or not _BULLET.match(view.text) or not view.hits:
        return []
    k = view.sent.index - 1
    while k >= 0 and _BULLET.match(sentences[k].text):
        k -= 1
    if k < 0 or not sentences[k].text.rstrip().endswith(":"):
        return []
    header = sentences[k]
    words = set(re.findall(r"[a-z]+", header.text.lower()))
    if not words & set(cues.get("money", {})):
        return []
    programmes = [m.key for m in view.record.mentions if m.sentence == k
                  and getattr(view.record.entities.get(m.key), "kind", None) in programme_kinds()]
    funder = view.hits[0]
    if len(set(programmes)) != 1 or funder.kind in programme_kinds():
        return []
    return [Relation("funding", view.sent.index, funder.key, (programmes[0],), component=COMPONENT, cue=cue.lemma,
                     confidence=cue.confidence)]


def _orgs(view: SentenceView, tok) -> list[str]:
    """The organisations of the list a token stands in or opens ("by A, B and C")."""
    hit = view.hit_in(tok)
    if hit is None or hit.kind in programme_kinds():
        return []
    return [h.key for h in view.group_of(hit) if h.kind not in programme_kinds()]


def _subject(view: SentenceView, verb) -> list[str]:
    for child in verb.children:
        if child.dep_ == "nsubj":
            return _orgs(view, child)
    return [] if verb.dep_ not in ("conj", "xcomp") else _subject(view, verb.head)


def _agent(view: SentenceView, verb) -> list[str]:
    for child in verb.children:
        if child.dep_ == "agent":
            return [h.key for h in view.list_after(child) if h.kind not in programme_kinds()]
    return []


def _verb_slots(view: SentenceView, root, cues: dict, funders: list, implementers: list) -> None:
    """The programme as the object, "to"/"for" phrase or passive subject of a verb of paying or running."""
    tok = root
    while tok.dep_ in ("conj", "appos") and tok.head.i != tok.i:
        tok = tok.head                   # "the A and B projects were funded by X"
    verb, via = None, tok.dep_
    if tok.dep_ in ("dobj", "nsubjpass"):
        verb = tok.head
    elif tok.dep_ == "pobj" and tok.head.lower_ in _TO and tok.head.head.pos_ in ("VERB", "AUX"):
        verb = tok.head.head
    elif tok.dep_ == "acl" or (tok.dep_ == "nsubj" and tok.head.lemma_ == "be"):
        verb = None
    if verb is None:
        # "the plan, implemented by X" / "the project funded by X": a participle hanging on the programme
        for child in root.children:
            if child.dep_ == "acl" and child.tag_ == "VBN":
                verb, via = child, "nsubjpass"
                break
    if verb is None:
        return
    lemma = verb.lemma_.lower()
    passive = via == "nsubjpass" or any(c.dep_ == "auxpass" for c in verb.children)
    who = _agent(view, verb) if passive else _subject(view, verb)
    if not who:
        return
    fund, implement = cues.get("fund", {}).get(lemma), cues.get("implement", {}).get(lemma)
    if fund and fund.money and not view.clause_has_money(verb):
        fund = None                      # "contributed to the assessment": no money, no funding
    if fund:
        funders.append((who, fund))
    elif implement and via != "pobj":
        implementers.append((who, implement))


def _noun_slots(view: SentenceView, prog: Hit, root, cues: dict, funders: list, implementers: list) -> None:
    """Money words for the programme ("funding for the plan from X"), its lead ("under the leadership of X",
    "led by X"), its owner ("X's window", "the initiative of X", "an X-led project") and "through its P"."""
    doc = view.span.doc
    money, lead, owner, channel = (cues.get(s, {}) for s in ("money", "lead", "owner", "channel"))
    # "funding for / contribution to the plan (from X)"
    if root.dep_ == "pobj" and root.head.lower_ in _TO:
        noun = root.head.head
        cue = money.get(noun.lemma_.lower()) or money.get(noun.lower_) or (
            money.get("$money") if _is_amount(noun) else None)
        nominal = noun.pos_ in ("NOUN", "PROPN", "NUM", "SYM") or noun.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj")
        if cue is not None and nominal:     # "funding" tagged as a verb is still the noun of "funding for"
            froms = [c for c in noun.children if c.dep_ == "prep" and c.lower_ == "from"]
            if noun.dep_ == "nsubj":     # "funding for the plan came from X"
                froms += [c for c in noun.head.children if c.dep_ == "prep" and c.lower_ == "from"]
            for child in [*froms, *noun.children]:
                if child.dep_ == "prep" and child.lower_ == "from":
                    funders.append(([h.key for h in view.list_after(child) if h.kind not in programme_kinds()], cue))
                if child.dep_ == "poss":
                    funders.append((_orgs(view, child), cue))
    # its owner: "X's P", "P of X", "X-led P"
    for child in root.children:
        if child.dep_ == "poss" and "'s" in owner:
            implementers.append((_orgs(view, child), owner["'s"]))
        if child.dep_ == "prep" and child.lower_ == "of" and "of" in owner:
            implementers.append(([h.key for h in view.list_after(child) if h.kind not in programme_kinds()],
                                 owner["of"]))
    if "-led" in owner:
        for t in doc[max(view.span.start, prog.start - 4):prog.start]:
            if t.lower_.endswith("-led") or (t.lower_ == "led" and t.i > 0 and doc[t.i - 1].text == "-"):
                hits = [view.org_at[i] for i in range(max(0, t.i - 3), t.i + 1) if i in view.org_at]
                if hits:
                    implementers.append(([hits[-1].key], owner["-led"]))
    # "under the leadership of X", "led by X" right after the programme
    for t in doc[prog.end:min(view.span.end, prog.end + 5)]:
        if t.lower_ not in lead and t.lower_ not in (",", "under", "the", "and"):
            break
        if t.lower_ in lead:
            for c in t.children:
                if c.dep_ in ("prep", "agent") and c.lower_ in ("of", "by"):
                    implementers.append(([h.key for h in view.list_after(c) if h.kind not in programme_kinds()],
                                         lead[t.lower_]))
            break
    # "X reached ... through its P"
    if root.dep_ == "pobj" and root.head.lower_ in channel and any(
            c.dep_ == "poss" and c.lower_ in ("its", "their", "our", "his", "her") for c in root.children):
        implementers.append(([h.key for h in view.actors(root.head) if h.kind not in programme_kinds()],
                             channel[root.head.lower_]))


def _places(view: SentenceView, root, cues: dict, places: list) -> None:
    """Places in a locative phrase on the programme ("the project in X") or on the verb it is the subject
    or object of ("the campaign ran across X")."""
    anchors = [root]
    if root.dep_ in ("nsubj", "nsubjpass", "dobj"):
        anchors.append(root.head)
    for anchor in anchors:
        for child in anchor.children:
            cue = cues.get(child.lower_)
            if child.dep_ != "prep" or cue is None:
                continue
            keys = [p.key for p in view.place_hits if child.i < p.start <= child.right_edge.i]
            if keys:
                places.append((keys, cue))


def _is_amount(tok) -> bool:
    return tok.ent_type_ == "MONEY" or any(t.ent_type_ == "MONEY" for t in tok.children)


__all__ = ["COMPONENT", "programme_hits", "read_programme_relations"]
