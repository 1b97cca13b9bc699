"""Funding read from the dependency parse: a sentence's organisations -> who pays whom, by cue.

Cues (lang/en/relations/funding.jsonl): verbs of paying ("X allocated US$2 million to Y", passive "support
worth US$200,000 has been provided by X") and money words or amounts followed by "from" ("funding from X",
"$3 million from X"). The recipient is who the sentence says ("to Y", "for Y", the subject that receives),
else the plan the report speaks for, else its publisher; "through X" names a fund that paid for what the
sentence's subject does.
"""
from __future__ import annotations

import re
from functools import lru_cache

from extract.records import Relation
from extract.relations.parse import Cue, SentenceView, lemma_of, load_cues, relation
from extract.relations.surface import FUND_KINDS

COMPONENT = "funding"
# How many sentences after the funder's sentence an allocation line may follow it.
ALLOCATION_REACH = 12
_OPEN = re.compile(r"^\s*[(\[]\s*")
_RECIPIENT_PREPS = frozenset({"to", "for", "towards"})
# Money nouns that never mean anything else; "contribution", "support" or "allocation" also name help in kind or roles.
_MONEY_ONLY = frozenset({"funding", "financing", "grant", "donation"})
# "X has/receives/includes funding from Y": the subject of these verbs is the recipient.
_RECEIVING = frozenset({"receive", "get", "obtain", "have", "include", "secure", "mobilize", "mobilise", "benefit",
                        "access", "use", "welcome"})


def read_funding(view: SentenceView) -> list[Relation]:
    verbs, froms, allocations, labels, channels, thanks = {}, {}, [], {}, {}, {}
    for cue in load_cues(COMPONENT):
        if cue.slot == "allocation":
            allocations.append(cue)
        elif cue.slot == "label":
            labels[cue.lemma] = cue
        elif cue.slot == "channel":
            channels[cue.lemma] = cue
        elif cue.slot == "thanks":
            thanks[cue.lemma] = cue
        elif cue.slot in ("work", "thanks_for"):
            continue
        else:
            (verbs if cue.slot == "verb" else froms)[cue.lemma] = cue
    out: list[Relation] = []
    for tok in view.span:
        if not view.stated(tok):
            continue
        lemma = lemma_of(tok)
        cue = verbs.get(lemma)
        if cue and tok.pos_ == "VERB" and (not cue.money or view.clause_has_money(tok)):
            out += _verb(view, tok, cue)
        if tok.lower_ == "from":
            head = tok.head
            cue = froms.get(lemma_of(head)) or (froms.get("$money") if _is_amount(head) else None)
            if cue:
                funders = view.list_after(tok)
                receiving = view.verb_above(tok, _RECEIVING)
                recipients = [h.key for h in view.actors(receiving)] if receiving is not None else []
                if not recipients and head.dep_ == "nsubj":      # "Funding from X allowed Y to ..."
                    recipients = _enabled(view, head)
                recipients = recipients or _default_recipients(view, named_other=False)
                _remember(view, [h.key for h in funders])
                out += _fundings(view, [h.key for h in funders], recipients, cue)
        if tok.dep_ == "poss" and tok.head.pos_ == "NOUN" and tok.head.i > tok.i and lemma_of(tok.head) in froms:
            # "Canada's contribution of US$1.5 million enabled Y to ...": the possessor pays
            hit = view.hit_in(tok)
            amount = any(t.ent_type_ == "MONEY" for t in tok.head.subtree)    # not "X's contribution to the strategy"
            if hit is not None and (amount or lemma_of(tok.head) in _MONEY_ONLY):
                funders = [h.key for h in view.group_of(hit)]
                recipients = (_enabled(view, tok.head) if tok.head.dep_ == "nsubj" else []) \
                    or _default_recipients(view, named_other=False)
                _remember(view, funders)
                out += _fundings(view, funders, recipients, froms[lemma_of(tok.head)])
        if lemma in thanks and (tok.pos_ == "VERB" or tok.dep_ == "ROOT"):    # the model may tag "thanks" a noun
            out += _thanked(view, tok, thanks[lemma])
        if tok.lower_ in channels and tok.dep_ == "prep":
            out += _channel(view, tok, channels[tok.lower_])
    if allocations:
        out += _allocations(view, allocations[0])
    out += _label_line(view, labels)
    return out


def _enabled(view: SentenceView, subject) -> list[str]:
    """Who a money subject lets act: "Funding from X allowed Y to ...", "X's contribution enabled Y to ..."."""
    verb = subject.head
    objects = [view.hit_in(c) for c in verb.children if c.dep_ in ("dobj", "dative")]
    objects += [view.hit_in(g) for c in verb.children if c.dep_ in ("ccomp", "xcomp")
                for g in c.children if g.dep_ == "nsubj"]     # "... allowed Y to equip"
    return [h.key for h in objects if h is not None]


def _examples(view: SentenceView, tok) -> list:
    """The organisations a noun's "including A and B" or "such as A" names ("12 partners, including A and B")."""
    lead = next((t for t in tok.subtree if t.lower_ == "including"
                 or (t.lower_ == "as" and t.i > 0 and t.doc[t.i - 1].lower_ == "such")), None)
    return view.list_after(lead) if lead is not None else []


def _channel(view: SentenceView, tok, cue: Cue) -> list[Relation]:
    """"Through the X Fund, Y will provide ...", "support was provided through X": a fund (by its kind, or an
    organisation the report has named as a funder) that the clause works through pays its subject, else the
    default recipient."""
    obj = next((c for c in tok.children if c.dep_ == "pobj"), None)
    hit = view.hit_in(obj) if obj is not None else None
    if hit is None:
        return []
    known = view.memory.get("funders", set())
    funds = [h.key for h in view.group_of(hit) if h.kind in FUND_KINDS or h.key in known]
    if not funds:
        return []
    recipients = [h.key for h in view.actors(tok) if h.key not in funds] or _default_recipients(view, False)
    return _fundings(view, funds, recipients, cue)


def _label_line(view: SentenceView, labels: dict) -> list[Relation]:
    """A label and its amount on a line of their own ("XYZ Allocated: CHF 282,339", "Funding from X: ..."
    is read above): the organisation before the label paid the report's publisher."""
    recipients = _default_recipients(view, False)
    if not labels or not recipients or not view.hits:
        return []
    first = view.hits[0]
    doc = view.span.doc
    if first.start != view.span.start or first.end + 2 >= view.span.end:
        return []
    label, colon = doc[first.end], doc[first.end + 1]
    cue = labels.get(label.lower_)
    if cue is None or colon.text != ":" or not any(t.ent_type_ == "MONEY" or t.like_num for t in doc[first.end + 2:view.span.end]):
        return []
    _remember(view, [first.key])
    return _fundings(view, [first.key], recipients, cue)


def _remember(view: SentenceView, funders: list[str]) -> None:
    """Keep the last funder the report named, for the allocation lines that follow it."""
    if funders:
        view.memory["funder"] = (view.sent.index, funders[0])
        view.memory.setdefault("funders", set()).update(funders)


def _allocations(view: SentenceView, cue: Cue) -> list[Relation]:
    """Allocation lines: an amount with its recipient in brackets ("Water: $2.4 million (UNICEF / WFP)"),
    paid by the funder the report named last, a few sentences before; no funder in sight, no funding."""
    last = view.memory.get("funder")
    if last is None or view.sent.index - last[0] > ALLOCATION_REACH:
        return []
    funder = last[1]
    out: list[Relation] = []
    for ent in view.span.ents:
        if ent.label_ != "MONEY":
            continue
        end = ent.end_char - view.sent.start
        opened = _OPEN.match(view.text[end:])
        if opened is None:
            continue
        first = next((h for h in view.hits if h.cstart == end + opened.end()), None)
        if first is None:
            continue
        close = view.text.find(")" if opened.group().strip() == "(" else "]", first.cstart)
        members = [h for h in view.hits if first.cstart <= h.cstart and (close < 0 or h.cend <= close)]
        out += _fundings(view, [funder], [h.key for h in members if h.kind != "country"], cue)
    return out


def _is_amount(tok) -> bool:
    return tok.ent_type_ == "MONEY" or any(t.ent_type_ == "MONEY" for t in tok.children)


def _verb(view: SentenceView, verb, cue: Cue) -> list[Relation]:
    passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children)
    named_other = False
    funders: list[str] = []
    recipients: list[str] = []
    children = list(verb.children)
    if verb.dep_ == "conj" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in children):
        # "X has pre-arranged ...", "X reviewed and approved ...": the first verb's subject is this one's
        children += [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass", "auxpass")]
    for child in children:
        if passive and child.dep_ == "agent":
            funders = [h.key for h in view.list_after(child)]
        if not passive and child.dep_ == "nsubj":
            hit = view.hit_in(child)
            if hit is not None:
                funders = [h.key for h in view.group_of(hit)]
        if child.dep_ == "prep" and child.lower_ in _RECIPIENT_PREPS:
            pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
            named = view.list_after(child) or (_examples(view, pobj) if pobj is not None else [])
            recipients += [h.key for h in named]
            if pobj is None or lemma_of(pobj) not in _work_words():
                named_other = True       # "allocated 3% of GDP to education": the recipient is no organisation
        if child.dep_ in ("dobj", "dative") and not passive:
            for t in child.subtree:
                if t.dep_ == "prep" and t.lower_ in _RECIPIENT_PREPS:
                    recipients += [h.key for h in view.list_after(t)]
            if child.dep_ == "dative":
                hit = view.hit_in(child)
                if hit is not None:
                    recipients.append(hit.key)
            elif not recipients:
                hit = next((view.org_at[t.i] for t in child.subtree if t.i in view.org_at and t.i < child.i), None)
                if hit is not None:
                    recipients.append(hit.key)   # "approved a $29 million X-led project"
                else:
                    recipients += [h.key for h in _examples(view, child)]   # "funded 12 partners, including A and B"
        if passive and child.dep_ == "nsubjpass":
            hit = view.hit_in(child)
            if hit is not None:
                recipients.append(hit.key)
    _remember(view, funders)
    if not funders and not passive:
        return []
    heads = [verb] + [c for c in verb.children if c.dep_ == "dobj"]
    if not recipients and any(c.dep_ in ("advcl", "xcomp", "relcl", "acl")
                              and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)
                              for h in heads for c in h.children):
        named_other = True               # "allocated 5 billion dinars to reopen the camp": paid for its own act
    if not recipients and view.own_plan and any(m.key == view.own_plan and m.sentence == view.sent.index
                                                for m in view.record.mentions):
        return []                        # a verb of paying in a sentence naming the plan: the programme component's
    recipients = recipients or _default_recipients(view, named_other)
    return _fundings(view, funders, recipients, cue)


def _thanked(view: SentenceView, verb, cue: Cue) -> list[Relation]:
    """"X thanks A, B and C for their contributions": who is thanked for money funds X (else the default
    recipient); thanks for anything else ("for their hard work") state no funding."""
    reasons = [g for c in verb.subtree if c.dep_ == "prep" and c.lower_ == "for" and c.i > verb.i
               for g in c.children if g.dep_ == "pobj"]     # the parser may hang "for ..." on the last name
    if not any(lemma_of(g) in _thanks_words() for g in reasons):
        return []
    obj = next((c for c in verb.children if c.dep_ in ("dobj", "npadvmod", "attr") and c.i > verb.i), None)
    hit = view.hit_in(obj) if obj is not None else None
    if hit is None and obj is not None:      # "thanks the Governments of A and B": the countries named after "of"
        of = next((g for c in obj.children if c.dep_ == "prep" and c.lower_ == "of"
                   for g in c.children if g.dep_ == "pobj"), None)
        hit = view.hit_in(of) if of is not None else None
    if hit is None:
        return []
    funders = [h.key for h in view.group_of(hit)]
    subject = next((view.hit_in(c) for c in verb.children if c.dep_ in ("nsubj", "compound") and c.i < verb.i), None)
    recipients = [subject.key] if subject is not None else _default_recipients(view, named_other=False)
    _remember(view, funders)
    return _fundings(view, funders, recipients, cue)


@lru_cache(maxsize=1)
def _thanks_words() -> frozenset:
    """What a funder is thanked for: the 'thanks_for' cues."""
    return frozenset(c.lemma for c in load_cues(COMPONENT) if c.slot == "thanks_for")


@lru_cache(maxsize=1)
def _work_words() -> frozenset:
    """Nouns for the work a report is about ("to the emergency response"): the 'work' cues."""
    return frozenset(c.lemma for c in load_cues(COMPONENT) if c.slot == "work")


def _default_recipients(view: SentenceView, named_other: bool) -> list[str]:
    """Who money with no named recipient pays: the plan the report speaks for (what the money is for is
    its work), else the report's publisher, unless the sentence says the money went to something else."""
    if view.own_plan:
        return [view.own_plan]
    return [view.reporter] if view.reporter and not named_other else []


def _fundings(view: SentenceView, funders: list[str], recipients: list[str], cue: Cue) -> list[Relation]:
    out = []
    for f in dict.fromkeys(funders):
        for r in dict.fromkeys(recipients):
            if f != r:
                out.append(relation("funding", view, f, [r], COMPONENT, cue))
    return out
