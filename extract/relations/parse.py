"""One sentence's dependency parse with its linked organisations: the view relation components read.

Lists distribute ("with A, B and C"), the actor of a phrase is found by climbing the parse to the subject
(or the "by" agent of a passive), and the report's publisher stands in where the text names no actor.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from extract.errors import DataError, read_jsonl
from extract.records import Relation, ReportRecord, Sentence

CUE_FOLDER = Path(__file__).resolve().parents[1] / "lang" / "en" / "relations"
# What may stand between the names of one list: "A, B and the C", "A (its long name), B", "and the local NGO C".
_LIST_GAP = re.compile(r"^(?:[\s,/&()]|\([^()]{0,80}\)|\b(?:and|or|the|as well as|its|their|local|national|"
                       r"international|partner|NGOs?|charity|organi[sz]ation)\b)*$", re.IGNORECASE)
_CONJUNCTION = re.compile(r"\b(?:and|or|as well as)\b|[&/]", re.IGNORECASE)
_LIST_TAIL = re.compile(r"^(?:\s*\([^()]{0,80}\))?\s*,?\s*(?:and|or|as well as)\b", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")
_LEAD_GAP = re.compile(r"^(?:[\s,]|\b(?:the|its|their|our|national|local|international|partners?|organi[sz]ations|"
                       r"NGOs|such as|including)\b)*$", re.IGNORECASE)
_FUTURE_AUX = frozenset({"will", "shall", "'ll"})
_POSSIBLE_AUX = frozenset({"can", "could", "may", "might"})
_INTENT_VERBS = frozenset({"plan", "intend", "aim"})
# "budget" is no money word: "in line with the Finance Law" names a law, "approved the budget" no payment.
_MONEY_WORDS = frozenset({"funding", "fund", "funds", "grant", "contribution", "allocation", "financing", "donation",
                          "us$", "$", "usd", "eur", "chf", "€", "million", "billion", "dollar", "dollars"})


class CueError(DataError):
    """A relation cue file is malformed."""


@dataclass(frozen=True)
class Cue:
    lemma: str
    slot: str
    confidence: float
    money: bool = False


@lru_cache(maxsize=8)
def load_cues(name: str, folder: Path = CUE_FOLDER) -> tuple[Cue, ...]:
    """The cues of one component, from `lang/en/relations/<name>.jsonl` (first line: what the file is)."""
    path = Path(folder) / f"{name}.jsonl"
    cues = []
    for n, row in read_jsonl(path, CueError):
        if "about" in row:
            continue
        lemma, slot, conf = row.get("lemma"), row.get("slot"), row.get("confidence")
        if not isinstance(lemma, str) or not isinstance(slot, str) or not isinstance(conf, (int, float)) \
                or isinstance(conf, bool) or not 0 <= conf <= 1:
            raise CueError(f"{path}:{n}: a cue needs 'lemma' (text), 'slot' (text) and 'confidence' (0 to 1)")
        cues.append(Cue(lemma.lower(), slot, float(conf), bool(row.get("money", False))))
    return tuple(cues)


@dataclass(frozen=True)
class Hit:
    """A linked organisation in the sentence: its key, token range and character range (sentence-local)."""

    key: str
    kind: str
    start: int          # tokens, doc offsets
    end: int
    cstart: int         # characters, sentence offsets
    cend: int


@dataclass
class SentenceView:
    record: ReportRecord
    sent: Sentence
    span: object                      # the spaCy Span of the sentence
    hits: list[Hit]                   # organisations and funders, in text order
    reporter: str | None
    place_hits: list[Hit] = field(default_factory=list)   # places named, in text order (not demonyms)
    plan: bool = False                # the report is a plan: what it says will be done is its content
    memory: dict = field(default_factory=dict)   # what a component keeps from one sentence of the report to the next
    own_plan: str | None = None       # the plan the report speaks for (surface.find_own_programme)
    _said: dict = field(default_factory=dict, repr=False)   # clause verb index -> whether it states its facts
    org_at: dict[int, Hit] = field(default_factory=dict)

    def __post_init__(self):
        for h in self.hits:
            for i in range(h.start, h.end):
                self.org_at[i] = h

    @property
    def text(self) -> str:
        return self.sent.text

    def hit_in(self, tok) -> Hit | None:
        """The organisation a token is part of, or that its subtree names first ("the XYZ teams")."""
        if tok.i in self.org_at:
            return self.org_at[tok.i]
        for t in tok.subtree:
            if t.i in self.org_at and t.i < tok.i + 1 and t.dep_ != "poss" and not any(
                    c.dep_ == "case" for c in t.children) and not _in_possessor(t, tok):
                return self.org_at[t.i]      # "the XYZ teams"; not "XYZ's endorsement" (the object is the act)
        for t in tok.children:               # "the department (XYZ)": its name in apposition
            if t.dep_ == "appos" and t.i in self.org_at and t.i > tok.i:
                return self.org_at[t.i]
        return None

    def list_from(self, hit: Hit, lead: bool = False) -> list[Hit]:
        """The organisations of the list `hit` opens: "A, B (long name of B) and the C"."""
        k = self.hits.index(hit)
        out = [hit]
        joined = False
        alias_end = -1
        for h in self.hits[k + 1:]:
            if h.cstart < out[-1].cend or h.cstart < alias_end:
                continue
            gap = self.text[out[-1].cend:h.cstart]
            if gap.strip() == "(":
                # "X (A/B)": names in the parenthesis right after a member are that member's other names
                close = self.text.find(")", h.cstart)
                alias_end = close if close > 0 else len(self.text)
                continue
            if not _LIST_GAP.match(gap):
                break
            if "(" in gap and not _PARENS.sub("", gap).strip():
                # "the A (its long name) Centre for Data (CD)": A names the unit's parent; the unit is the member
                out[-1] = h
                continue
            joined = joined or bool(_CONJUNCTION.search(gap))
            out.append(h)
        out = unique_by_key(out)
        # Names separated by commas alone are no list ("In cooperation with A, B distributed food"): a list
        # is joined by "and", "or", "&" or "/" somewhere, maybe after its last name ("A, B and their partners").
        joined = joined or bool(_LIST_TAIL.match(self.text[out[-1].cend:]))
        return out if joined or len(out) == 1 else out[:1]

    def list_after(self, tok, kinds=None) -> list[Hit]:
        """The list of organisations right after token `tok` ("with the A and B")."""
        end = tok.idx + len(tok.text) - self.sent.start
        for h in self.hits:
            if h.cstart >= end:
                if _LEAD_GAP.match(self.text[end:h.cstart]):
                    return self.list_from(h)
                return []
        return []

    def group_of(self, hit: Hit) -> list[Hit]:
        """The whole list `hit` belongs to (it may stand in the middle of one)."""
        for h in self.hits:
            if h.cstart <= hit.cstart:
                members = self.list_from(h)
                if hit in members or any(m.key == hit.key and m.cstart == hit.cstart for m in members):
                    return members
        return [hit]

    def actors(self, tok) -> list[Hit]:
        """Who acts where `tok` stands: the subject of the nearest clause above it (or the agent of a
        passive), as a whole list; empty when the clause names no organisation."""
        a = tok
        seen = 0
        while a is not None and seen < 12:
            seen += 1
            for child in a.children:
                if child.dep_ in ("nsubj", "csubj", "agent") or (child.dep_ == "nsubjpass"
                                                                  and lemma_of(a) in _STANCE_PASSIVES):
                    hit = _first_hit(self, child, before=tok.i if _inside(child, tok) else None)
                    if hit is not None:
                        return [h for h in self.group_of(hit) if h.kind != "country"]
            if any(c.dep_ in ("nsubj", "nsubjpass") for c in a.children):
                return []
            a = a.head if a.head.i != a.i else None
        return []

    def verb_above(self, tok, lemmas: frozenset):
        """The nearest verb above `tok` whose lemma is one of `lemmas`, or None."""
        a = tok.head
        for _ in range(8):
            if a.pos_ in ("VERB", "AUX") and lemma_of(a) in lemmas:
                return a
            if a.head.i == a.i:
                return None
            a = a.head
        return None

    def stated(self, tok) -> bool:
        """Whether the clause of `tok` states a fact the graph may hold: anything in a plan, else what is
        not said in the future tense; never a question ("Did the society request funding from X?"), a
        negation ("X cannot fund ...") or a mere possibility ("this can be financed by X")."""
        if self.text.rstrip().endswith("?"):
            return False
        verb = _first_verb(tok)
        if verb is None:
            return True
        said = self._said.get(verb.i)
        if said is None:                 # one reading per clause: many tokens of a sentence ask about the same one
            said = self._said[verb.i] = not self.hedged(verb) and (self.plan or not self.future(verb))
        return said

    def hedged(self, tok) -> bool:
        """Whether the clause `tok` stands in is negated or only says what may be ("cannot fund", "could
        be financed by"): the clause's verbs up to its own verb, as in `future`."""
        return any(any(c.dep_ == "neg" or (c.dep_ in ("aux", "auxpass") and c.lower_ in _POSSIBLE_AUX)
                       for c in verb.children) for verb in _clause_verbs(tok))

    def future(self, tok) -> bool:
        """Whether the clause `tok` stands in speaks of the future ("will support", "plans to fund"): in a
        report that is no plan, an intention, not yet a relation. Only `tok`'s own clause counts, not a
        relative clause elsewhere in the sentence ("..., which will take charge of them")."""
        for a in _clause_verbs(tok):
            if any(c.dep_ in ("aux", "auxpass") and c.lower_ in _FUTURE_AUX for c in a.children):
                return True
            if a.dep_ == "xcomp" and lemma_of(a.head) in _INTENT_VERBS:
                return True
        return False

    def clause_has_money(self, tok) -> bool:
        """Whether the clause `tok` heads names an amount or a money word."""
        return any(t.ent_type_ == "MONEY" or t.lower_ in _MONEY_WORDS for t in tok.subtree)


def _first_verb(tok):
    """The nearest verb at or above `tok` (where `_clause_verbs` starts), or None."""
    a = tok
    for _ in range(12):
        if a.pos_ in ("VERB", "AUX"):
            return a
        if a.head.i == a.i:
            return None
        a = a.head
    return None


def _clause_verbs(tok):
    """The verbs from `tok` up to its clause's own verb (above that is another clause)."""
    a = tok
    for _ in range(12):
        if a.pos_ in ("VERB", "AUX"):
            yield a
            if a.dep_ not in ("xcomp", "conj", "pcomp", "prep", "pobj", "dobj", "amod", "compound"):
                return
        if a.head.i == a.i:
            return
        a = a.head


def lemma_of(tok) -> str:
    """A token's lemma, lower case, with compatibility forms folded: PDF text writes "eﬀorts", "oﬃce" with
    ligature characters, which the cue files spell "effort", "office"."""
    return _fold(tok.lemma_)


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _in_possessor(t, top) -> bool:
    """Whether token `t` is part of a possessor below `top` ("the European" of "the European Union's department"):
    the possessor owns what `top` names, it is not it."""
    while t.i != top.i and t.head.i != t.i:
        if t.dep_ == "poss":
            return True
        t = t.head
    return False


def _inside(child, tok) -> bool:
    return child.left_edge.i <= tok.i <= child.right_edge.i


def _first_hit(view: SentenceView, tok, before: int | None = None) -> Hit | None:
    """The first organisation (not a country) in `tok`'s subtree, before token `before` if given; not one
    that only names whose document or operation the subject is ("this XYZ operation", "the XYZ request")."""
    doc = view.span.doc
    for t in tok.subtree:
        if before is not None and t.i >= before:
            return None
        hit = view.org_at.get(t.i)
        if hit is not None and hit.kind != "country":
            if hit.end < len(doc) and owns_document(doc[hit.end].lower_):
                continue
            return hit
    return None


def owns_document(word: str) -> bool:
    """Whether `word`, right after an organisation's name, makes the name the owner of a document or an
    operation rather than an actor (the 'document' cues of lang/en/relations/place.jsonl)."""
    return word in _document_words()


@lru_cache(maxsize=1)
def _document_words() -> frozenset:
    return frozenset(c.lemma for c in load_cues("place") if c.slot == "document")


# Passives whose subject is who acts: "X is committed to providing", "X is mandated to support".
_STANCE_PASSIVES = frozenset({"commit", "mandate", "dedicate", "determine", "engage", "involve", "task", "charge",
                              "authorize", "authorise", "request", "invite", "encourage", "prepare", "position"})
# Tokens before an organisation's name within which a role title ties to it ("Special Envoy of the
# Secretary-General for the Andes and Head of XYZ").
ROLE_REACH = 14
# Title words that name no role of one organisation ("Secretary-General" is the head of many; "Mr" no role).
_NO_ROLE_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "sir", "dame", "h.e.", "contact", "point", "focal",
                             "king", "queen", "prince", "sheikh", "emir", "general", "colonel", "judge"})


def unique_by_key(hits: list) -> list:
    """The hits in order, each entity once (the first of its mentions)."""
    out, keys = [], set()
    for h in hits:
        if h.key not in keys:
            keys.add(h.key)
            out.append(h)
    return out


def relation(kind: str, view: SentenceView, subject: str | None, objects, component: str, cue: Cue,
             description: str | None = None) -> Relation:
    return Relation(kind, view.sent.index, subject, tuple(objects), description=description,
                    component=component, cue=cue.lemma, confidence=cue.confidence)


def sentence_views(record: ReportRecord, doc, reporter: str | None, kinds: frozenset, place_kinds: frozenset,
                   plan: bool = False, own_plan: str | None = None):
    """A view per sentence of `doc` that names an organisation of `kinds` or a place of `place_kinds`."""
    by_sentence: dict[int, list] = {}
    memory: dict = {}
    for m in record.mentions:
        info = record.entities.get(m.key)
        if info is None:
            continue
        if info.kind in kinds or set(info.extra_kinds) & kinds or info.kind in place_kinds:
            by_sentence.setdefault(m.sentence, []).append(m)
    org_spans = []
    for m in record.mentions:
        info = record.entities.get(m.key)
        if info is not None and info.kind in kinds and info.kind != "country":
            tokens = doc.char_span(m.start, m.end, alignment_mode="expand")
            if tokens is not None:
                org_spans.append((tokens.start, tokens.end, m.key, info.kind))
    roles = _roles(doc, org_spans)
    for sent in record.sentences:
        ms = by_sentence.get(sent.index, [])
        span = doc.char_span(sent.start, sent.end, alignment_mode="expand")
        if span is None:
            continue
        hits, places = [], []
        for m in sorted(ms, key=lambda m: m.start):
            tokens = doc.char_span(m.start, m.end, alignment_mode="expand")
            if tokens is None:
                continue
            info = record.entities[m.key]
            hit = Hit(m.key, info.kind, tokens.start, tokens.end, m.start - sent.start, m.end - sent.start)
            if info.kind in kinds or set(info.extra_kinds) & kinds:
                hits.append(hit)
            if info.kind in place_kinds:
                places.append(hit)
        hits = sorted(hits + _role_hits(span, roles, sent.start, {i for h in hits for i in range(h.start, h.end)}),
                      key=lambda h: h.start)
        if hits or places:
            yield SentenceView(record, sent, span, hits, reporter, places, plan, memory, own_plan=own_plan)


def _title_at(doc, end: int, titles: frozenset) -> tuple[int, int] | None:
    """The role title whose last word is token `end - 1` ("Special Envoy", "Programme Manager"): one
    to four capitalised words ending in a title word."""
    if end <= 0 or doc[end - 1].lower_ not in titles or not doc[end - 1].is_title:
        return None
    start = end - 1
    while start > 0 and end - start < 4 and doc[start - 1].is_title and doc[start - 1].pos_ in ("PROPN", "ADJ", "NOUN") \
            and not doc[start - 1].is_sent_start:
        start -= 1
    return start, end


def _roles(doc, org_spans: list) -> dict[tuple, tuple[str, str]]:
    """Role titles the report ties to one organisation: "the XYZ Representative", "Special Representative of
    the Secretary-General ... and Head of XYZ". Later, "the Special Representative" acts for XYZ."""
    from extract.discover import load_org_lexicon

    titles = frozenset(load_org_lexicon().person_titles) - _NO_ROLE_TITLES
    found: dict[tuple, set] = {}
    for start, end, key, kind in org_spans:
        # "the XYZ Representative": the title right after the organisation's name
        k = end
        while k < len(doc) and k - end < 4 and doc[k].is_title and doc[k].lower_ not in titles:
            k += 1
        if k < len(doc) and doc[k].lower_ in titles and doc[k].is_title:
            span = _title_at(doc, k + 1, titles)
            if span is not None:
                found.setdefault(_title_words(doc, (max(span[0], end), span[1])), set()).add((key, kind))
        # "Title of ... and Head of XYZ": the organisation a title line ends on
        sent_start = doc[start].sent.start
        for j in range(max(sent_start, start - ROLE_REACH), start):
            span = _title_at(doc, j + 1, titles)
            if span is None or not doc[j + 1:start] or any(t.pos_ in ("VERB", "AUX") or t.text in (",", ";", ":")
                                                         for t in doc[j + 1:start]):
                continue
            before = start - 1 if doc[start - 1].lower_ != "the" else start - 2
            if before >= 0 and doc[before].lower_ in ("of", "for"):
                found.setdefault(_title_words(doc, span), set()).add((key, kind))
    return {words: next(iter(keys)) for words, keys in found.items() if len(keys) == 1 and words}


def _title_words(doc, span: tuple[int, int]) -> tuple:
    return tuple(t.lower_ for t in doc[span[0]:span[1]] if t.lower_ not in ("the",))


def _role_hits(span, roles: dict, sent_start: int, taken: set) -> list[Hit]:
    """"the Special Representative" in a sentence: a hit for the organisation the title belongs to."""
    if not roles:
        return []
    out = []
    longest = max(len(w) for w in roles)
    for tok in span:
        if tok.lower_ != "the" or tok.i + 1 in taken:
            continue
        for n in range(longest, 0, -1):
            words = tuple(t.lower_ for t in span.doc[tok.i + 1:tok.i + 1 + n])
            role = roles.get(words)
            if role is None or len(words) < n or not all(t.is_title for t in span.doc[tok.i + 1:tok.i + 1 + n]):
                continue
            first, last = span.doc[tok.i + 1], span.doc[tok.i + n]
            if last.i + 1 < len(span.doc) and span.doc[last.i + 1].lower_ in ("of", "for"):
                break                # "the Special Representative of the X": a title of its own
            out.append(Hit(role[0], role[1], first.i, last.i + 1, first.idx - sent_start,
                           last.idx + len(last.text) - sent_start))
            break
    return out
