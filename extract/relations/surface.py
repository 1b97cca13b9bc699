"""Read relations from the surface of sentences: text and linked mentions -> partnerships, funding, memberships, procurement, agreements, places of action.

The first relation reader, kept beside the components that read the dependency parse (extract/relations/).
Rules work on one sentence at a time, over its text and the linked mentions in it; they use generic
cue phrases ("in cooperation with", "supported by", "member of", "procurement ... through",
"action plan with", a "Donors:" list, verbs of doing next to named regions), never names of a
particular report. The reporting organisation (the publisher, when the metadata or the text establishes
it) is the implicit party of sentences without an explicit one ("Support was provided to the Ministry ...").
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from extract.errors import DataError
from extract.gazetteer import load_demonyms
from extract.kinds import framework_kinds, locality_kinds, organisation_kinds, place_kinds, programme_kinds
from extract.records import Mention, Relation, ReportRecord, Sentence
from extract.relations.parse import owns_document, unique_by_key
from extract.themes import load_themes

# What an organisation "benefits from" as money: funds, banks and donors, not services.
FUND_KINDS = frozenset({"global_fund", "financial_institution", "donor_government"})


def funder_kinds() -> frozenset[str]:
    """Who can fund: organisations (the ontology's, extract.kinds) and countries (a donor government is named by
    its country)."""
    return organisation_kinds() | {"country"}


def facility_kinds() -> frozenset[str]:
    """What procurement goes through: a facility, initiative or organisation."""
    return organisation_kinds() | {"initiative", "programme"}
# The surface rules were written against real sentences and are right most of the time they fire.
SURFACE_CONFIDENCE = 0.8
# The share of prose sentences (PROSE_WORDS words or more) in the future tense from which a report reads as
# a plan (see is_plan): an appeal and a framework measured 0.18 and 0.21; annual reports, briefs, updates
# and a Secretary-General's report 0.00-0.07.
PLAN_SHARE = 0.1
PROSE_WORDS = 8
PLAN_MIN_SENTENCES = 20
DESCRIPTION_WORDS = 20

_FLAGS = re.IGNORECASE
# A plan or wish is not yet a relation.
_NEXT_WORD = re.compile(r"\s+(\w+)")
_CHANNEL_BEFORE = re.compile(r"\b(?:through|via)\s+(?:the\s+|this\s+|its\s+|their\s+)?$", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|shall|plans? to|intends? to)\b", _FLAGS)
# "I encourage the Government to ...", "We urge all parties to ...": the writer asks for what is not yet done.
_EXHORTATION = re.compile(r"^\W*(?:I|we)\s+(?:\w+ly\s+|also\s+|again\s+)*(?:encourage|urge|call\s+(?:up)?on|invite|"
                          r"appeal\s+to|exhort)\b", _FLAGS)
# Where a sentence splits into clauses that have their own subjects.
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:and|but|while|whereas|whilst)\b)", _FLAGS)
# What may stand between the names of one list: "A, B and the C", "A (B) or D", "of A and of B".
_LIST_GAP = re.compile(r"^[\s,()]*(?:(?:and|or|&|of|the|as well as|such as|including|e\.g\.|/)[\s,()]*)*$", _FLAGS)
_LEAD_GAP = re.compile(r"^\s*(?:the\s+)?$", _FLAGS)

_AGREEMENT = re.compile(
    r"\b(?:action\s+plans?|agreements?|memorand(?:um|a)\s+of\s+understanding|MoUs?|protocols?|accords?)\s+with\s+",
    _FLAGS)
_PROCURE = re.compile(r"\bprocur\w*\b", _FLAGS)
_THROUGH = re.compile(r"\b(?:through|via)\s+", _FLAGS)
_MEMBER = re.compile(r"\b(?:members?\s+of|membership\s+(?:of|in)|sits?\s+on|joined|"
                     r"(?:is|are|was|were|being)\s+(?:an?\s+)?(?:\w+\s+)?part\s+of)\b", _FLAGS)
_DONOR_HEADER = re.compile(r"^\W*(?:donors?|funding\s+partners?|contributors?|funded\s+by)\s*:\s*", _FLAGS)
_FUNDED_BY = re.compile(r"\b(?:co-)?(?:funded|financed|supported|sponsored|made\s+possible)\s+(?:\w+\s+)?by\s+", _FLAGS)
_FUNDS_FROM = re.compile(
    r"\b(?:contributions?|funding|funds|grants?|financing|financial\s+support)\s+(?:\w+\s+){0,2}?from\s+", _FLAGS)
_BENEFIT_FROM = re.compile(r"\bbenefit+(?:ed|ted|s|ing)?\s+from\s+", _FLAGS)
_DONOR_LIST = re.compile(r"\bdonors?\b[^.;()]{0,60}?(?:\(|:|\bsuch\s+as\b|\bincluding\b|\bnamely\b)", _FLAGS)
# A "Partners:" heading or label: every organisation it lists works with the reporting organisation.
_PARTNER_HEADER = re.compile(r"^\W*(?:(?:implementing|operational|key|main)\s+)?partners?(?:\s+organi[sz]ations?)?\s*:\s*",
                             _FLAGS)
# "Implementing partners include A, B and C", "Our partners are A and B": the same list, as a sentence.
_PARTNER_LEAD = re.compile(r"^\W*(?:(?:our|its|the|their)\s+)?(?:(?:implementing|operational|key|main|local|national)\s+)?"
                           r"partners?(?:\s+organi[sz]ations?)?\s+(?:include[sd]?|are|were|comprised?|includ(?:ed|ing))\b",
                           _FLAGS)
_PARTNERSHIPS_WITH = re.compile(r"\bpartnerships?\s+with\b", _FLAGS)
_DONOR_WORD = re.compile(r"\b(?:donors?|funders?|contributors?)\b", _FLAGS)
_PEERS = re.compile(r"\b(?:multi-agency|inter-agency|interagency|joint|multi-partner)\b[^().;]{0,40}\(", _FLAGS)
_WITH = re.compile(r"\bwith\s+", _FLAGS)
# "with" that compares or aligns rather than joins.
_NOT_PARTNER_WITH = re.compile(
    r"\b(?:compared|comparison|line|accordance|consistent|aligned|associated|affected|faced|along|equipped|provided|"
    r"registered|filed|lodged|charged|compliance|comply|complied|shared)\s+$",
    _FLAGS)
# "with X noting that ...": X speaks in a clause of its own, it does not join the act.
_WITH_SPEAKER = re.compile(r"^\s+(?:noting|saying|stating|adding|stressing|underlining|expressing|welcoming|calling)\b",
                           _FLAGS)
_SUPPORT = re.compile(
    r"\b(?:supported|supports|supporting|assisted|support\s+(?:was\s+|has\s+been\s+)?(?:provided\s+)?(?:to|for)|"
    r"provided\s+support\s+to)\b(?!\s+by)\s*", _FLAGS)
_SUPPORT_GAP = re.compile(r"^[\w\s’'-]{0,60}$")
_POSSESSIVE = re.compile(r"^[’']s\b")
# Verbs and nouns of doing: what makes a sentence that names a region a place of action.
_ACTION = re.compile(
    r"\b(?:provid\w*|deliver\w*|distribut\w*|reach(?:ed|ing)?|assist\w*|train(?:ed|ing)?|construct\w*|"
    r"rehabilitat\w*|re-?open\w*|pre-?position\w*|benefit+\w*|receiv\w*|install\w*|shar(?:ed|ing)|"
    r"support(?:ed|ing)?|equip\w*|vaccinat\w*|immuni[sz]\w*|treat(?:ed|ing)?|screen(?:ed|ing)|deploy\w*|"
    r"establish\w*|implement\w*|conduct\w*|organi[sz]ed|ship(?:ped|ping)|built|build(?:ing)?|sensiti[sz]\w*|"
    r"mobili[sz]ed|enrol\w*|repair\w*|drill\w*|launch\w*|maintain\w*|transport\w*|airlift\w*|stor(?:ed|ing)|"
    r"rolled\s+out|set\s+up|carried\s+out|facilitat\w*|renovat\w*)\b", _FLAGS)
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:the\s+)?$", _FLAGS)
_PLACE_LEAD = re.compile(
    r"\b(?:in|at|across|throughout|within|to)\s+(?:the\s+)?(?:(?:\w+\s+)?(?:regions?|districts?|provinces?|"
    r"departments?|states?|areas?)\s+of\s+)?$", _FLAGS)
_PLACE_TAIL = re.compile(r"^\s+(?:regions?|districts?|provinces?|departments?|states?)\b", _FLAGS)
_INTRO = re.compile(r"^(?:(?:in\s+addition|additionally|furthermore|moreover|also|besides|as\s+a\s+result)\s*,|"
                    r"and|but|while|whereas|whilst)\s+", _FLAGS)
# The words that lead into the next "partnerships with" of a sentence: ", and deepening".
_NEXT_CUE_LEAD = re.compile(r"(?:,\s*|\s+)(?:and|or)(?:\s+\w+)?\s*$", _FLAGS)
_PARENS = re.compile(r"\s*\([^()]*\)")
_COOPERATION_NOUN = (r"(?:development\s+)?(?:cooperation|co-operation|government|aid|embassy|agency|ministry|"
                     r"people|funding|contributions?|support|donors?)\b")


class RelationError(DataError):
    """A relation data file (the demonym list) is malformed."""


@dataclass(frozen=True)
class _Hit:
    """A linked entity in one sentence, offsets local to the sentence text."""

    key: str
    kind: str
    start: int
    end: int
    text: str
    demonym: bool = False




@lru_cache(maxsize=1)
def _demonym_pattern() -> re.Pattern:
    names = sorted(load_demonyms(), key=len, reverse=True)
    return re.compile(rf"(?<![\w-])({'|'.join(map(re.escape, names))})(?=\s+{_COOPERATION_NOUN})")


@lru_cache(maxsize=1)
def _default_gazetteer():
    from extract.gazetteer import load_gazetteer

    return load_gazetteer()


def find_reporting_org(record: ReportRecord) -> str | None:
    """The implicit actor of a report's sentences: its publisher (named by the metadata, or by the text's
    title or header: extract.report), when the report mentions it; never merely the most-named organisation."""
    if record.publisher and any(m.key == record.publisher for m in record.mentions):
        return record.publisher
    return None


def find_own_programme(record: ReportRecord) -> str | None:
    """The plan a report speaks for, which money it names without a recipient pays: the programme its title
    line names (the report is that plan's document), or, when the report names no publisher, the one plan or
    framework it names (an update on a response plan). None when neither is one."""
    framing = framework_kinds()
    programmes = {k for k, e in record.entities.items() if e.kind in programme_kinds()}
    if not programmes or not record.sentences:
        return None
    first = record.sentences[0]
    titled = {m.key for m in record.mentions if m.sentence == first.index and m.key in programmes}
    if len(titled) == 1:
        return next(iter(titled))
    if find_reporting_org(record) is not None:
        return None
    plans = {k for k in programmes if record.entities[k].kind in framing}
    return next(iter(plans)) if len(plans) == 1 else None


def is_plan(record: ReportRecord) -> bool:
    """A report that speaks in the future tense (a plan, an appeal, a framework): what it says will be done
    is its content. A retrospective report's "will" is an intention, not yet a relation."""
    prose = [s for s in record.sentences if len(s.text.split()) >= PROSE_WORDS]   # not headings or table cells
    if len(prose) < PLAN_MIN_SENTENCES:
        return False                     # too short to tell a plan from a note with one intention
    future = sum(1 for s in prose if _FUTURE.search(s.text))
    return future >= PLAN_SHARE * len(prose)


def read_surface_relations(record: ReportRecord, gazetteer=None, reporter: str | None = None,
                           plan: bool = False, declared: str | None = None) -> list[Relation]:
    """Relations stated in the report's sentences, each with the one sentence that states it.

    A nationality adjective that names a party ("the German cooperation") becomes a mention of its
    country in `record` (entity added from `gazetteer`, loaded when not given), so every party of a
    relation is a linked entity.
    """
    by_sentence: dict[int, list[Mention]] = {}
    for m in record.mentions:
        by_sentence.setdefault(m.sentence, []).append(m)
    relations: list[Relation] = []
    seen: set = set()
    for sent in record.sentences:
        if sent.text.rstrip().endswith("?"):
            continue                     # a question states nothing ("Did the society request funding from X?")
        hits = _sentence_hits(record, sent, by_sentence.get(sent.index, []))
        found = _sentence_relations(record, sent, hits, reporter, plan, declared)
        if _DONOR_HEADER.fullmatch(sent.text.strip()) or (sent.text.rstrip().endswith(":") and _DONOR_LIST.search(sent.text)):
            for nxt in _listed_after(record, sent):    # "Donors:" or "... the donors who have contributed:", then the list
                found += _donor_list(nxt, _sentence_hits(record, nxt, by_sentence.get(nxt.index, [])), reporter)
        elif _DONOR_HEADER.match(sent.text):
            found += _donor_list(sent, hits, reporter)
        if _PARTNER_HEADER.fullmatch(sent.text.strip()):
            for nxt in _listed_after(record, sent):
                found += _partner_list(nxt, _sentence_hits(record, nxt, by_sentence.get(nxt.index, [])), reporter)
        elif _PARTNER_HEADER.match(sent.text) or _PARTNER_LEAD.match(sent.text):
            found += _partner_list(sent, hits, reporter)
        for rel in found:
            ident = (rel.kind, rel.sentence, rel.subject, rel.objects, rel.places)
            if ident not in seen:
                seen.add(ident)
                relations.append(replace(rel, component="surface", confidence=SURFACE_CONFIDENCE))
    _link_demonyms(record, relations, gazetteer)
    return relations


_BULLET = re.compile(r"^\s*[•▪◦●‣∙*–-]\s")
_BULLET_ONLY = re.compile(r"\s*[•▪◦●‣∙*–-]\s*")


def _listed_after(record: ReportRecord, sent: Sentence) -> list[Sentence]:
    """The sentences a list lead-in ("Donors:") introduces: the next one, and when it is a bullet, every bullet
    that follows it."""
    out, marker = [], False
    for nxt in record.sentences[sent.index + 1:]:
        if _BULLET_ONLY.fullmatch(nxt.text):      # a long bullet's marker, cut from its text by the parser
            marker = True
            continue
        bullet, marker = marker or bool(_BULLET.match(nxt.text)), False
        if out and not bullet:
            break
        out.append(nxt)
        if not bullet:
            break
    return out


def _sentence_hits(record: ReportRecord, sent: Sentence, mentions: list[Mention]) -> list[_Hit]:
    hits = [_Hit(m.key, record.entities[m.key].kind, m.start - sent.start, m.end - sent.start, m.text)
            for m in mentions if m.key in record.entities]
    taken = [(h.start, h.end) for h in hits]
    demonyms = load_demonyms()
    for m in _demonym_pattern().finditer(sent.text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        hits.append(_Hit(f"place/{demonyms[m.group(1)]}", "country", m.start(), m.end(), m.group(1), demonym=True))
    return sorted(hits, key=lambda h: (h.start, -h.end))


def _link_demonyms(record: ReportRecord, relations: list[Relation], gazetteer) -> None:
    """Make the countries named by nationality adjectives in relations linked entities with a mention."""
    used = {(r.sentence, k) for r in relations for k in (r.subject, *r.objects) if k}
    demonyms = load_demonyms()
    for sent_index, key in sorted(used):
        sent = record.sentences[sent_index]
        for m in _demonym_pattern().finditer(sent.text):
            if f"place/{demonyms[m.group(1)]}" != key:
                continue
            start, end = sent.start + m.start(), sent.start + m.end()
            if any(x.start < end and start < x.end for x in record.mentions):
                continue
            if key not in record.entities:
                gaz = gazetteer or _default_gazetteer()
                if key not in gaz.entities:
                    continue
                record.entities[key] = gaz.entities[key]
            record.mentions.append(Mention(key, start, end, m.group(1), sent_index))


def _sentence_relations(record: ReportRecord, sent: Sentence, hits: list[_Hit], reporter: str | None,
                        plan: bool = False, declared: str | None = None) -> list[Relation]:
    text = sent.text
    if (not plan and _FUTURE.search(text)) or _EXHORTATION.match(text):
        return []
    t = _Text(text, hits, reporter)
    out: list[Relation] = []
    consumed: set[int] = set()          # ids of hits already read as a funder or party of a list
    funders_seen: set[int] = set()      # ids of hits read as funders: they pay, they do not act
    used_with: set[int] = set()         # offsets of "with" already read by a more specific rule
    i = sent.index

    def theme(span: str) -> str | None:
        """The first theme named in `span`, not counting theme words inside a linked name
        ("Education" in "Global Partnership for Education" says nothing about the partnership)."""
        offset = text.find(span) if span else -1
        for start, end, key in load_themes().matches(span):
            if offset >= 0 and any(h.start < offset + end and offset + start < h.end for h in hits):
                continue
            if _inside_proper_name(span, start, end):
                continue
            return key
        return None

    # Agreements: "action plan with the X", "signing of an agreement with X and Y".
    for m in _AGREEMENT.finditer(text):
        used_with.add(m.start() + m.group(0).lower().rfind("with"))
        parties = _list_at(hits, text, m.end(), organisation_kinds())
        subject = t.subject(m.start(), consumed | {id(h) for h in parties})
        for h in parties:
            consumed.add(id(h))
            if subject and h.key != subject:
                out.append(Relation("agreement", i, subject, (h.key,), theme(text), description=t.describe(m.start())))

    # Procurement: "procurement of ... through the X facility".
    for m in _PROCURE.finditer(text):
        through = _THROUGH.search(text, m.end())
        if not through or t.clause_end(m.end()) < through.start():
            continue
        facility = _list_at(hits, text, through.end(), facility_kinds())[:1]
        subject = t.subject(m.start(), consumed)
        if facility and subject and facility[0].key != subject:
            consumed.add(id(facility[0]))
            out.append(Relation("procurement", i, subject, (facility[0].key,), theme(text), description=t.describe(m.start())))
            break

    # Membership: "X is a member of the UN system, including A, B or C".
    for m in _MEMBER.finditer(text):
        end = t.clause_end(m.end())
        bodies = unique_by_key([h for h in hits if m.end() <= h.start < end and h.kind in organisation_kinds()])
        subject = t.subject(m.start(), consumed)
        bodies = [h for h in bodies if h.key != subject]
        consumed.update(id(h) for h in bodies)
        if subject and bodies:
            out.append(Relation("membership", i, subject, tuple(h.key for h in bodies), description=t.describe(m.start())))

    # Funding: "Supported by the German cooperation, UNICEF ...", "contributions from A and B",
    # "benefited from the X fund", "donors (such as A, B)".
    for pattern, kinds in ((_FUNDED_BY, funder_kinds()), (_FUNDS_FROM, funder_kinds()), (_BENEFIT_FROM, FUND_KINDS)):
        for m in pattern.finditer(text):
            funders = [h for h in _list_at(hits, text, m.end(), funder_kinds()) if _can_fund(record, h, kinds)]
            if not funders:
                continue
            consumed.update(id(h) for h in funders)
            funders_seen.update(id(h) for h in funders)
            recipient = t.subject(m.start(), consumed)
            out += _fundings(i, funders, recipient, t.describe(m.start()), theme(text))

    # "partnerships with <donors> (such as A, B)" is funding; "partnerships with X (such as A)" is partnership.
    cues = list(_PARTNERSHIPS_WITH.finditer(text))
    for n, m in enumerate(cues):
        end = cues[n + 1].start() if n + 1 < len(cues) else t.clause_end(m.end())
        desc = _tidy(_NEXT_CUE_LEAD.sub("", text[m.start():end]) if n + 1 < len(cues) else text[m.start():end])
        used_with.add(m.end() - 4)
        segment = [h for h in hits if m.end() <= h.start < end]
        head = text[m.end():segment[0].start] if segment else ""
        subject = t.subject(m.start(), consumed | {id(h) for h in segment})
        if _DONOR_WORD.search(head):
            funders = unique_by_key([h for h in segment if _can_fund(record, h, funder_kinds())])
            consumed.update(id(h) for h in funders)
            funders_seen.update(id(h) for h in funders)
            out += _fundings(i, funders, subject, desc, theme(text))
        else:
            partners = unique_by_key([h for h in segment if h.kind in organisation_kinds() and id(h) not in consumed])
            consumed.update(id(h) for h in partners)
            out += _partnerships(i, subject, partners, desc, theme(text))
    for m in _DONOR_LIST.finditer(text):
        funders = [h for h in hits if m.end() <= h.start < _list_end(t, m.end())
                   and id(h) not in consumed and _can_fund(record, h, funder_kinds())]
        consumed.update(id(h) for h in funders)
        funders_seen.update(id(h) for h in funders)
        out += _fundings(i, unique_by_key(funders), t.subject(m.start(), consumed), t.describe(m.start()), theme(text))

    # Peers: "multi-agency (FAO, WFP, UNICEF) programmes", "the UNHCR/AMSS assessment".
    for m in _PEERS.finditer(text):
        close = text.find(")", m.end())
        peers = unique_by_key([h for h in hits if m.end() <= h.start < (close if close > 0 else len(text)) and h.kind in organisation_kinds()])
        if len(peers) >= 2:
            consumed.update(id(h) for h in peers)
            out.append(Relation("partnership", i, None, tuple(h.key for h in peers), theme(text), description=t.describe(m.start())))
    for a, b in zip(hits, hits[1:]):
        if any(text[h.end:a.start].strip() == "(" for h in hits if h.end <= a.start):
            continue          # "Andean Health Organization (AHO/WHO)": a name's other names, no pair
        if text[a.end:b.start] == "/" and a.kind in organisation_kinds() and b.kind in organisation_kinds() and a.key != b.key:
            out.append(Relation("partnership", i, None, (a.key, b.key), theme(text), description=t.describe(a.start)))

    # Partners after "with": "in cooperation with WFP", "an approach with UNDP and UNFPA".
    for m in _WITH.finditer(text):
        if m.start() in used_with or _NOT_PARTNER_WITH.search(text[:m.start()]):
            continue
        partners = [h for h in _list_at(hits, text, m.end(), organisation_kinds(), lead=_LEAD_GAP) if id(h) not in consumed]
        if not partners or _WITH_SPEAKER.match(text[partners[-1].end:]):
            continue
        consumed.update(id(h) for h in partners)
        subject = t.subject(m.start(), consumed)
        out += _partnerships(i, subject, partners, t.describe(m.start()), theme(text))

    # Support to a named body: "UNICEF supported the national statistical office", "Support was provided to the Ministries of A and of B".
    for m in _SUPPORT.finditer(text):
        nxt = next((h for h in hits if h.start >= m.end()), None)
        if (nxt is None or nxt.kind not in organisation_kinds() or id(nxt) in consumed
                or not _SUPPORT_GAP.match(text[m.end():nxt.start]) or _POSSESSIVE.match(text[nxt.end:])):
            continue
        partners = [h for h in _list_at(hits, text, nxt.start, organisation_kinds()) if id(h) not in consumed]
        consumed.update(id(h) for h in partners)
        subject = t.subject(m.start(), consumed)
        out += _partnerships(i, subject, partners, t.describe(m.start()), theme(text))

    out += _activities(record, sent, t, funders_seen, theme, declared)
    return out


def _donor_list(sent: Sentence, hits: list[_Hit], reporter: str | None) -> list[Relation]:
    """Every funder named in the sentence that follows a "Donors:" heading funds the reporting organisation."""
    funders = unique_by_key([h for h in hits if h.kind in funder_kinds()])
    return _fundings(sent.index, funders, reporter, "listed as a donor", None)


def _partner_list(sent: Sentence, hits: list[_Hit], reporter: str | None) -> list[Relation]:
    """Every organisation named in a "Partners:" line (or the line after the heading) works with the reporter."""
    if reporter is None:
        return []
    partners = unique_by_key([h for h in hits if h.kind in organisation_kinds() and h.key != reporter])
    return _partnerships(sent.index, reporter, partners, "listed as a partner", None)


def _inside_proper_name(text: str, start: int, end: int) -> bool:
    """A capitalised theme word next to another capitalised word is part of a name ("Climate Funding")."""
    if not text[start:start + 1].isupper():
        return False
    before = text[:start].split()
    after = text[end:].split()
    neighbour = lambda w: bool(w) and w[:1].isupper() and w.isalpha()
    # a word before counts only if nothing separates it ("Wait, Climate" is a list); a word after may close it
    return (bool(before) and neighbour(before[-1])) or (bool(after) and neighbour(after[0].rstrip(".,;:)]")))


def _fundings(i, funders, recipient, desc, theme) -> list[Relation]:
    if not recipient:
        return []
    return [Relation("funding", i, h.key, (recipient,), theme, description=desc)
            for h in unique_by_key(funders) if h.key != recipient]


def _partnerships(i, subject, partners, desc, theme) -> list[Relation]:
    """One partnership per partner, so each relation node names exactly the two parties."""
    if not subject:
        return []
    return [Relation("partnership", i, subject, (h.key,), theme, description=desc)
            for h in unique_by_key(partners) if h.key != subject]


def _can_fund(record: ReportRecord, h: _Hit, kinds: frozenset) -> bool:
    if h.kind in kinds:
        return True
    info = record.entities.get(h.key)
    return (info is not None and any(k in kinds for k in info.extra_kinds)) or (h.demonym and "country" in kinds)


def _list_at(hits: list[_Hit], text: str, pos: int, kinds, lead: re.Pattern = _LIST_GAP) -> list[_Hit]:
    """The names of a list that starts at `pos`: "the A, B and C", "A (B) or the C"."""
    out: list[_Hit] = []
    cursor = pos
    for h in hits:
        if h.start < cursor:      # before the list, or a name inside the previous one
            continue
        gap = text[cursor:h.start]
        if not (lead if not out else _LIST_GAP).match(gap):
            break
        if h.kind not in kinds:
            break
        out.append(h)
        cursor = h.end
    return out


def _clause_breaks(text: str, hits: list[_Hit]) -> list[tuple[int, int]]:
    """Clause boundaries, except the comma of a list of names ("Mopti, Timbuktu, and Kidal")."""
    ends = {h.end for h in hits}
    starts = {h.start for h in hits}
    out = []
    for m in _CLAUSE_BREAK.finditer(text):
        after = re.match(r"(?:and|but|while|whereas|whilst)\s+(?:the\s+)?", text[m.end():], _FLAGS)
        if m.start() in ends and after and m.end() + after.end() in starts:
            continue
        out.append((m.start(), m.end()))
    return out


@dataclass
class _Text:
    """One sentence's text, linked names and clauses."""

    text: str
    hits: list[_Hit]
    reporter: str | None

    def __post_init__(self):
        self.breaks = _clause_breaks(self.text, self.hits)

    def clause_start(self, pos: int) -> int:
        return max([e for s, e in self.breaks if e <= pos], default=0)

    def clause_end(self, pos: int) -> int:
        return min([s for s, e in self.breaks if s >= pos], default=len(self.text))

    def clauses(self) -> list[tuple[int, int]]:
        bounds = [0] + [e for _, e in self.breaks]
        ends = [s for s, _ in self.breaks] + [len(self.text)]
        return list(zip(bounds, ends))

    def subject(self, pos: int, consumed: set[int]) -> str | None:
        """Who acts at `pos`: the nearest organisation before it in its clause, the subject after an
        introductory phrase ("With WFP, UNICEF assisted ..."), or the reporting organisation."""
        text, start = self.text, self.clause_start(pos)
        before = [h for h in self.hits if start <= h.start < pos and h.kind in organisation_kinds() and id(h) not in consumed]
        if before:
            if len(before) > 1 and before[-1].kind == "coordination" and _led_body().fullmatch(text[before[-2].end:before[-1].start]):
                return before[-2].key     # "X co-leads the Water Cluster with Y": the cluster is what X leads
            return before[-1].key
        comma = text.find(", ", pos)
        if 0 < comma < self.clause_end(pos):
            after = [h for h in self.hits if h.start > comma and h.kind in organisation_kinds() and id(h) not in consumed]
            if after and re.fullmatch(r"(?:the\s+)?", text[comma + 2:after[0].start], _FLAGS):
                return after[0].key
        return self.reporter

    def describe(self, at: int) -> str:
        """The clause around offset `at`, tidied: a short context a person can read."""
        return _tidy(self.text[self.clause_start(at):self.clause_end(at)])


@lru_cache(maxsize=1)
def _led_body() -> re.Pattern:
    """The words between an organisation and the coordination body it leads: " co-leads the " (partnership cue
    slot 'lead_body')."""
    from extract.relations.parse import load_cues

    verbs = "|".join(sorted((re.escape(c.lemma) for c in load_cues("partnership") if c.slot == "lead_body"),
                            key=len, reverse=True))
    return re.compile(rf"\s+(?:also\s+)?(?:{verbs})\w*\s+(?:the\s+)?", _FLAGS)


def _list_end(t: _Text, pos: int) -> int:
    """Where a list that opens at `pos` closes: its parenthesis, or the clause end."""
    if t.text[pos - 1:pos] == "(":
        close = t.text.find(")", pos)
        return close if close > 0 else len(t.text)
    return t.clause_end(pos)


def _activities(record: ReportRecord, sent: Sentence, t: _Text, funders: set[int], theme,
                declared: str | None = None) -> list[Relation]:
    """Places of action: a clause that names regions (or countries other than the report's own)
    and says what was done there; places of origin ("returnees from X") are not places of action."""
    text = t.text
    focus = set(record.focus_countries)
    areas = place_kinds() - locality_kinds()     # regions and countries: towns are read by the parse components
    places = [h for h in t.hits if h.kind in areas and not h.demonym
              and not (h.kind == "country" and record.entities[h.key].country in focus)
              and not _FROM_BEFORE.search(text[:h.start])]
    out: list[Relation] = []
    for start, end in t.clauses():
        inside = [h for h in places if start <= h.start < end]
        clause = text[start:end]
        if not inside or not _ACTION.search(_PARENS.sub("", clause)):
            continue
        actors = [h.key for h in unique_by_key([h for h in t.hits if start <= h.start < end and h.kind in organisation_kinds()
                                          and id(h) not in funders and not _no_actor(text, h)])]
        if t.reporter and t.reporter in actors:
            actors = [t.reporter] + [k for k in actors if k != t.reporter]
        elif declared and not actors:
            actors = [declared]          # only a declared publisher acts in clauses that name no one
        keys = tuple(dict.fromkeys(h.key for h in inside))
        out.append(Relation("activity", sent.index, actors[0] if actors else None, tuple(actors[1:]),
                            theme(clause), keys, _describe_activity(clause, inside, start)))
    return out


def _no_actor(text: str, hit) -> bool:
    """An organisation named as a channel ("through this XYZ operation") or as the owner of a document or an
    operation ("the XYZ request") does not act."""
    after = _NEXT_WORD.match(text, hit.end)
    return bool(_CHANNEL_BEFORE.search(text, 0, hit.start)) or (after is not None and owns_document(after.group(1).lower()))


def _describe_activity(clause: str, places: list[_Hit], offset: int) -> str:
    """The clause without its place phrase ("in the regions of A, B and C") and asides in parentheses."""
    first, last = places[0].start - offset, places[0].end - offset
    for h in places[1:]:
        if _LIST_GAP.match(clause[last:h.start - offset]):
            last = h.end - offset
    lead = _PLACE_LEAD.search(clause[:first])
    tail = _PLACE_TAIL.match(clause[last:])
    cut_from = lead.start() if lead else first
    cut_to = last + (tail.end() if tail else 0)
    text = clause[:cut_from] + clause[cut_to:]
    return _tidy(text)


def _tidy(text: str) -> str:
    text = _PARENS.sub("", text)
    text = " ".join(text.split()).strip(" ,;:.•")
    text = _INTRO.sub("", text)
    words = text.split()
    if len(words) > DESCRIPTION_WORDS:
        text = " ".join(words[:DESCRIPTION_WORDS]).rstrip(",;:") + " …"
    return text[:1].upper() + text[1:] if text else text


__all__ = ["RelationError", "is_plan", "read_surface_relations", "find_reporting_org", "load_demonyms"]
