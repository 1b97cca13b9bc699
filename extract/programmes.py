"""Discover the programmes, projects, plans and frameworks a report names that the gazetteer does not list: spaCy tokens -> programme spans.

The same machinery as organisation discovery (`extract/discover.py`), with its own lexicon
(`lang/en/programmes.json`): the shape of a name (capitalised words ending in a head noun such as Programme,
Project, Initiative, Campaign, Plan, Strategy, Framework, Window, System: "Rapid Relief Window"), a
capitalised or quoted name before a lower-case head ("the Green Roads project", "the \u201cX\u201d plan"),
acronym definitions whose long form ends in a head ("Flood Early Warning System (FEWS)"), and a
descriptive title the report refers back to by its last words ("Flood preparedness and response plan" ...
"the response plan"). Generic phrases ("the programme", "an action plan", "Action Plans") are no names.
Acronym, long form and variants ("DR Framework", "Drought Response Framework") become one programme.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from extract.discover import key_slug
from extract.errors import DataError, read_lexicon
from extract.gazetteer import strip_accents
from extract.kinds import organisation_kinds, place_kinds
from extract.records import EntityInfo

LEXICON = Path(__file__).resolve().parent / "lang" / "en" / "programmes.json"
LEXICON_FIELDS = {"heads": dict, "generic_words": list, "indefinite": list, "connectors": list, "complement": list,
                  "not_words": list, "spellings": dict, "quotes": dict, "capital_heads": list}
# How sure each way of finding a programme is (set from the share of right ones on the development reports;
# they order the evidence, they are not calibrated probabilities).
CONFIDENCE = {"acronym-definition": 0.9, "name-shape": 0.8, "quoted-name": 0.8, "named-head": 0.7,
              "title-phrase": 0.6}
_ACRONYM = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Z][A-Za-z&]{1,9}$")
_SKIPPED_LEAD_POS = frozenset({"VERB", "AUX", "PRON", "ADP", "SCONJ", "CCONJ", "DET", "ADV", "NUM", "PUNCT"})


class ProgrammeLexiconError(DataError):
    """The programme-name lexicon is malformed."""


@dataclass(frozen=True)
class ProgrammeLexicon:
    heads: dict
    generic: frozenset
    indefinite: frozenset
    connectors: frozenset
    complement: frozenset
    not_words: frozenset
    spellings: dict
    quotes: dict
    capital_heads: frozenset = frozenset()

    def head_kind(self, word: str) -> str | None:
        """The kind a singular head noun gives ("Framework" -> framework); plurals name a class and give none."""
        return self.heads.get(word.lower())


@lru_cache(maxsize=4)
def load_programme_lexicon(path: Path = LEXICON) -> ProgrammeLexicon:
    """Read the programme-name lexicon, checking every field a rule reads."""
    data = read_lexicon(path, LEXICON_FIELDS, ProgrammeLexiconError)
    low = lambda xs: frozenset(x.lower() for x in xs)
    return ProgrammeLexicon(
        heads={k.lower(): v for k, v in data["heads"].items()}, generic=low(data["generic_words"]),
        indefinite=low(data["indefinite"]), connectors=low(data["connectors"]), complement=low(data["complement"]),
        not_words=low(data["not_words"]), spellings={k.lower(): v.lower() for k, v in data["spellings"].items()},
        quotes=dict(data["quotes"]), capital_heads=low(data["capital_heads"]))


@dataclass
class FoundProgramme:
    """One programme found in a report: its names, its spans (token offsets) and how it was found."""

    label: str
    kind: str
    how: str
    names: set = field(default_factory=set)
    acronyms: set = field(default_factory=set)
    spans: list = field(default_factory=list)      # (start token, end token)
    generic: bool = False                          # its words are all generic ("Humanitarian Response Plan")
    quoted: str = ""                               # the name inside quotes, when it was quoted: its label

    @property
    def confidence(self) -> float:
        return CONFIDENCE[self.how]


@dataclass(frozen=True)
class _Name:
    start: int          # token offsets of the span as written (quotes included)
    end: int
    kind: str
    how: str
    text: str           # the name, quotes dropped, spaces normalised
    words: tuple        # lower-case words of the name before its complement, head last
    alias: str = ""     # a quoted name's text without its head ("One Water")


def _cap(tok) -> bool:
    return tok.text[:1].isupper() and any(c.isalpha() for c in tok.text)


def _line_end(doc, tok) -> bool:
    """Whether `tok` ends its line (a line break after it, or the end of the text)."""
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    return "\n" in tok.whitespace_ or nxt is None or (nxt.is_space and "\n" in nxt.text)


def _clean_words(toks) -> list[str]:
    return [strip_accents(t.lower_).replace("’", "'") for t in toks
            if any(c.isalnum() for c in t.text) and t.lower_ not in {"the"}]


class _Scan:
    """The tokens of one doc discovery may use: which linked gazetteer span or found organisation covers each."""

    def __init__(self, doc, linked: list, taken: set, lex: ProgrammeLexicon):
        self.doc = doc
        self.lex = lex
        self.linked: dict[int, object] = {}
        for span in linked:
            for i in range(span.start, span.end):
                self.linked[i] = span
        self.taken = taken

    def covered(self, i: int) -> bool:
        return i in self.linked or i in self.taken

    def is_programme(self, i: int) -> bool:
        span = self.linked.get(i)
        # a linked entity that is neither an organisation nor a place (a programme, a framework, a technology)
        # is curated: a discovered name never swallows it
        return span is not None and span.label_ not in organisation_kinds() | place_kinds()

    def indefinite(self, toks) -> bool:
        """Whether the phrase is a kind, not a name: "a separate ... window", "each plan"."""
        doc = self.doc
        head = toks[-1]
        if any(c.dep_ == "det" and c.lower_ in self.lex.indefinite for c in head.children):
            return True
        before = toks[0].i - 1
        return before >= 0 and doc[before].lower_ in self.lex.indefinite

    def numbered_heading(self, toks) -> bool:
        """Whether the words fill a numbered heading's line ("4. Anticipatory Action Plan"): a part of the
        document, not a programme."""
        doc = self.doc
        if not _line_end(doc, toks[-1]):
            return False
        lead = []
        for t in reversed(doc[max(0, toks[0].i - 4):toks[0].i]):
            if "\n" in t.whitespace_ or "\n" in t.text:
                break
            lead.append(t)
        return bool(lead) and all(re.fullmatch(r"(?:[0-9]{1,3}(?:\.[0-9]{1,3})*|[IVXivx]{1,4}|[A-Za-z])?[.)]?", t.text) for t in lead)

    def name(self, toks, head, how: str, alias: str = "", start: int | None = None) -> _Name | None:
        """The name the tokens spell with `head` as its head noun, or None when they spell no name."""
        lex = self.lex
        toks = [t for t in toks if not t.is_space]
        if len(toks) < 2 or any(self.is_programme(t.i) for t in toks) or self.covered(head.i):
            return None
        if all(self.covered(t.i) for t in toks if t.i != head.i):
            return None                  # "UNICEF programme", "Mali plan": an owner or a place and a head
        if any(t.lower_ in lex.not_words for t in toks):
            return None                  # "Figure 3 Plan", "Plan in April"
        if any(t.lower_ == "the" and k > 0 and toks[k - 1].lower_ not in lex.complement for k, t in enumerate(toks)) \
                and not alias:
            return None                  # "the" inside a name only after "of", "for" ("Light the Way" is quoted)
        kind = lex.head_kind(head.text)
        if kind is None:
            return None
        zone = [t for t in toks[:toks.index(head) + 1] if t.lower_ not in lex.connectors and t.text not in ",-"]
        letters = [t.text for t in toks if any(c.isalpha() for c in t.text) and t.lower_ not in lex.connectors]
        if not alias and len(letters) >= 2 and all(w.isupper() for w in letters):
            return None                  # an all-capitals heading ("HUMANITARIAN RESPONSE PLAN")
        if len(zone) == 2 and zone[0].lower_ in lex.generic and len(toks) == 2:
            return None                  # "Action Plan", "Country Programme": a kind of plan
        if self.indefinite(toks[:toks.index(head) + 1]) or self.numbered_heading(toks):
            return None
        words = tuple(_clean_words(zone))
        text = " ".join(" ".join(t.text for t in toks if t.text not in lex.quotes and t.text not in
                                 lex.quotes.values()).split())
        text = re.sub(r"\s+([,’'])", r"\1", text).replace(" - ", "-").replace("’ s", "’s")
        first = toks[0].i if start is None else start
        return _Name(first, toks[-1].i + 1, kind, how, text, words, alias)


def _runs(scan: _Scan):
    """Maximal runs of capitalised words and the small words between them, within one line of a sentence."""
    lex = scan.lex
    run: list = []

    def flush():
        while run and (run[-1].lower_ in lex.connectors or not _cap(run[-1])):
            run.pop()
        if run:
            yield list(run)
        run.clear()

    for tok in scan.doc:
        if tok.is_sent_start:
            yield from flush()
        if (_cap(tok) and not tok.is_space) or (run and tok.lower_ in lex.connectors):
            run.append(tok)
        elif run and tok.text == "-" and not run[-1].whitespace_ and not tok.whitespace_:
            run.append(tok)              # "Back-to-School", "Business-4-Results"
        elif run and not run[-1].whitespace_ and tok.i > 0 and tok.text[:1].isdigit() and run[-1].text == "-":
            run.append(tok)
        else:
            yield from flush()
        if "\n" in tok.whitespace_ or "\n" in tok.text:
            yield from flush()
    yield from flush()


def _trim(run: list, scan: _Scan) -> list:
    lex = scan.lex
    while run and (run[0].lower_ in lex.connectors or run[0].lower_ in lex.indefinite
                   or run[0].lower_ in ("this", "that", "these", "those", "its", "their", "our")
                   or (run[0].is_sent_start and run[0].is_stop and not scan.covered(run[0].i))
                   or (run[0].pos_ in _SKIPPED_LEAD_POS and not scan.covered(run[0].i))):
        run = run[1:]
    return run


def _shape_names(scan: _Scan) -> list[_Name]:
    """Capitalised names ending in a head ("Rapid Relief Window"), and capitalised names before a lower-case
    head ("the Green Roads project")."""
    lex = scan.lex
    doc = scan.doc
    names = []
    for run in _runs(scan):
        run = _trim(run, scan)
        if not run:
            continue
        parts, part = [], []
        for tok in run:                  # "X Plan and Y Strategy": two names when both sides end in a head
            if tok.lower_ in ("and", "&") and part and lex.head_kind(part[-1].text):
                parts.append(part)
                part = []
            else:
                part.append(tok)
        parts.append(part)
        for toks in parts:
            toks = _trim(toks, scan)
            if not toks:
                continue
            comp = next((k for k, t in enumerate(toks) if k > 0 and t.lower_ in lex.complement), len(toks))
            head = toks[comp - 1]
            if lex.head_kind(head.text) and _cap(head):
                name = scan.name(toks, head, "name-shape")
                if name:
                    names.append(name)
                continue
            nxt = doc[toks[-1].i + 1] if toks[-1].i + 1 < len(doc) else None
            if nxt is None or not nxt.is_lower or lex.head_kind(nxt.text) is None or _line_end(doc, toks[-1]) \
                    or nxt.lower_ in lex.capital_heads:
                continue
            capital = [t for t in toks if t.lower_ not in lex.connectors]
            if len(capital) < 2 or all(t.text.isupper() for t in capital):
                continue                 # "the CERF project", "the PMTCT program": an owner and a head
            name = scan.name(toks + [nxt], nxt, "named-head")
            if name:
                names.append(name)
    return names


def _quoted_names(scan: _Scan) -> list[_Name]:
    """A quoted name before a head noun: "the \u201cOne X\u201d plan", "the \u201cRevive Y\u201d initiative"."""
    lex = scan.lex
    doc = scan.doc
    names = []
    for tok in doc:
        close_mark = lex.quotes.get(tok.text)
        if close_mark is None:
            continue
        close = next((t.i for t in doc[tok.i + 1:tok.i + 14] if t.text == close_mark or "\n" in t.whitespace_
                      or (t.is_space and "\n" in t.text)), None)
        if close is None or doc[close].text != close_mark or close + 1 >= len(doc) or close == tok.i + 1:
            continue
        inner = [t for t in doc[tok.i + 1:close] if not t.is_space]
        head = doc[close + 1]
        if not inner or not _cap(inner[0]) or not all(_cap(t) or t.lower_ in lex.connectors or not t.is_alpha
                                                     for t in inner):
            continue
        if lex.head_kind(head.text) is None or lex.head_kind(inner[-1].text):
            continue
        alias = " ".join(doc[inner[0].i:inner[-1].i + 1].text.split())
        name = scan.name(inner + [head], head, "quoted-name", alias, start=tok.i)
        if name:
            names.append(name)
    return names


def _initials(words) -> str:
    return "".join(w[0] for w in words if w).upper()


def _acronym_names(scan: _Scan, acronyms: dict) -> list[_Name]:
    """Acronym definitions whose long form ends in a head: "Flood Early Warning System (FEWS)",
    and "FEWS (Flood Early ...)". Fills `acronyms` (acronym -> the long form's name)."""
    lex = scan.lex
    doc = scan.doc
    names = []
    for tok in doc:
        if tok.text != "(":
            continue
        close = next((t.i for t in doc[tok.i + 1:tok.i + 14] if t.text == ")"), None)
        if close is None:
            continue
        inside = [t for t in doc[tok.i + 1:close] if not t.is_space]
        if len(inside) == 1 and _ACRONYM.match(inside[0].text) and tok.i > 0:
            want = inside[0].text.upper()
            head = doc[tok.i - 1]
            if lex.head_kind(head.text) is None or not _cap(head):
                continue
            best = None
            for start in range(tok.i - 1, max(-1, tok.i - 13), -1):
                if ("\n" in doc[start].whitespace_ and start < tok.i - 1) or doc[start].is_space:
                    break
                toks = [t for t in doc[start:tok.i] if not t.is_space]
                if not _cap(toks[0]):
                    continue
                words = [t.lower_ for t in toks if t.is_alpha and t.lower_ not in lex.connectors]
                if _initials(words) == want:
                    best = toks
            if best:
                name = scan.name(best, head, "acronym-definition")
                if name:
                    names.append(name)
                    acronyms[inside[0].text] = name
        elif inside and tok.i > 0 and _ACRONYM.match(doc[tok.i - 1].text) and not scan.covered(tok.i - 1):
            head = inside[-1]
            words = [t.lower_ for t in inside if t.is_alpha and t.lower_ not in lex.connectors]
            if lex.head_kind(head.text) and _cap(head) and _initials(words) == doc[tok.i - 1].text.upper():
                name = scan.name(inside, head, "acronym-definition")
                if name:
                    names.append(name)
                    acronyms[doc[tok.i - 1].text] = name
    return names


def _title_names(scan: _Scan) -> list[_Name]:
    """A descriptive title at the start of a line ("Flood preparedness and response plan") that the report
    refers back to by its last words ("the response plan")."""
    lex = scan.lex
    doc = scan.doc
    lower_text = doc.text.lower()
    names = []
    for tok in doc:
        if not (tok.i == 0 or "\n" in doc[tok.i - 1].whitespace_ or "\n" in doc[tok.i - 1].text):
            continue
        if not _cap(tok) or tok.text.isupper() or scan.covered(tok.i) or tok.pos_ not in ("NOUN", "ADJ", "PROPN"):
            continue
        toks = [tok]
        for t in doc[tok.i + 1:tok.i + 8]:
            if t.is_space or not (t.is_lower and (t.is_alpha or t.text == "-")) or scan.covered(t.i):
                break
            if t.pos_ not in ("NOUN", "ADJ", "CCONJ", "PROPN", "PUNCT"):
                break
            toks.append(t)
            if lex.head_kind(t.text) is not None:
                break
        head = toks[-1]
        if len(toks) < 3 or lex.head_kind(head.text) is None:
            continue
        after = doc[head.i + 1] if head.i + 1 < len(doc) else None
        if not _line_end(doc, head) and not (_cap(after) or after.text in (":", "(")):
            continue                     # a sentence, not a title
        short = f"the {toks[-2].lower_} {head.lower_}"
        if lower_text.count(short) < 1:
            continue
        name = scan.name(toks, head, "title-phrase")
        if name:
            names.append(name)
    return names


def _key(words: tuple, lex: ProgrammeLexicon) -> tuple:
    return tuple(lex.spellings.get(w, w) for w in words)


def discover_programmes(doc, linked: list, taken: set | None = None,
                        lex: ProgrammeLexicon | None = None) -> list[FoundProgramme]:
    """Programmes named in `doc` that no `linked` gazetteer span covers, merged one per programme; `taken`
    holds the tokens of organisations already found (a programme never swallows one)."""
    lex = lex or load_programme_lexicon()
    scan = _Scan(doc, linked, set(taken or ()), lex)
    acronyms: dict[str, _Name] = {}
    by_acronym = _acronym_names(scan, acronyms)
    names = by_acronym + _quoted_names(scan) + _shape_names(scan) + _title_names(scan)
    # One name per span: the strongest evidence first, a name overlapping a kept one is dropped.
    names.sort(key=lambda n: (-CONFIDENCE[n.how], n.start))
    kept, used = [], set()
    for n in names:
        if any(i in used for i in range(n.start, n.end)):
            continue
        used.update(range(n.start, n.end))
        kept.append(n)

    groups: dict[tuple, FoundProgramme] = {}
    group_of: dict[int, tuple] = {}
    for n in sorted(kept, key=lambda n: n.start):
        key = _key(n.words, lex)
        found = groups.get(key)
        if found is None:
            found = groups[key] = FoundProgramme(n.text, n.kind, n.how,
                                                 generic=all(w in lex.generic for w in n.words[:-1]))
        found.names.add(n.text)
        if n.alias:
            found.names.add(n.alias)
            found.quoted = found.quoted or n.alias
        found.spans.append((n.start, n.end))
        if CONFIDENCE[n.how] > CONFIDENCE[found.how]:
            found.how = n.how
        group_of[id(n)] = key
    for acr, n in acronyms.items():
        if id(n) in group_of:
            groups[group_of[id(n)]].acronyms.add(acr)

    _merge(groups, lex)
    _add_mentions(doc, groups, scan)
    _add_self_references(doc, groups, scan)
    out = []
    for found in groups.values():
        found.label = found.quoted or max(found.names, key=lambda s: (len(s.split()), s[:1].isupper(), s))
        found.spans = sorted(set(found.spans))
        out.append(found)
    return out


def _merge(groups: dict, lex: ProgrammeLexicon) -> None:
    """"DR Framework" is the "Drought Response Framework" the report also names, and a name that ends
    another, longer one ("Action Framework" of "Regional Action Framework") is that one when only one does."""
    def fold(short: tuple, long: tuple) -> None:
        target, source = groups[long], groups.pop(short)
        target.names |= source.names
        target.acronyms |= source.acronyms
        target.quoted = target.quoted or source.quoted
        target.spans += source.spans
        if CONFIDENCE[source.how] > CONFIDENCE[target.how]:
            target.how = source.how

    for key in sorted(groups, key=len):
        if key not in groups or len(key) < 2:
            continue
        longer = [k for k in groups if len(k) > len(key) and k[len(k) - len(key):] == key]
        if len(longer) == 1:
            fold(key, longer[0])
    for key in sorted(groups, key=len):
        if key not in groups or len(key) != 2:
            continue
        firsts = {n.split()[0] for n in groups[key].names}
        acr = next((w for w in firsts if _ACRONYM.match(w) and w.isupper()), None)
        into = [k for k in groups if k != key and k[-1] == key[-1]
                and any(_initials(k[j:-1]) == acr for j in range(len(k) - 1))] if acr else []
        if len(into) == 1:
            fold(key, into[0])


def _add_mentions(doc, groups: dict, scan: _Scan) -> None:
    """Every other place the report names a found programme: its names in any case, its acronyms, and the
    short form "the <last two words>" when only one programme ends with them ("the response plan")."""
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

    marks = set(scan.lex.quotes) | set(scan.lex.quotes.values())
    lower = PhraseMatcher(doc.vocab, attr="LOWER")
    exact = PhraseMatcher(doc.vocab, attr="ORTH")
    short_of: dict[str, list] = {}
    keys = list(groups)
    for n, key in enumerate(keys):
        found = groups[key]
        forms = {tuple(t.text for t in doc[s:e] if not t.is_space and t.text not in marks) for s, e in found.spans}
        forms = [f for f in forms if len(f) >= 2]
        if forms:
            lower.add(str(n), [Doc(doc.vocab, words=list(f)) for f in forms])
        if found.acronyms:
            exact.add(str(n), [Doc(doc.vocab, words=[a]) for a in sorted(found.acronyms)])
        if len(key) >= 3:
            short_of.setdefault(" ".join(key[-2:]), []).append(n)
    taken = {i for f in groups.values() for s, e in f.spans for i in range(s, e)}
    hits = [(s, e, int(doc.vocab.strings[m])) for matcher in (lower, exact) for m, s, e in matcher(doc)]
    for s, e, n in sorted(hits, key=lambda h: (-(h[1] - h[0]), h[0])):
        if any(i in taken or scan.covered(i) for i in range(s, e)):
            continue
        taken.update(range(s, e))
        groups[keys[n]].spans.append((s, e))
    for tok in doc[2:]:
        pair = f"{doc[tok.i - 1].lower_} {scan.lex.spellings.get(tok.lower_, tok.lower_)}"
        owners = short_of.get(pair)
        if not owners or len(owners) != 1 or doc[tok.i - 2].lower_ != "the" or not tok.is_lower:
            continue
        span = (tok.i - 1, tok.i + 1)
        if any(i in taken or scan.covered(i) for i in range(*span)):
            continue
        taken.update(range(*span))
        groups[keys[owners[0]]].spans.append(span)


def _add_self_references(doc, groups: dict, scan: _Scan) -> None:
    """A report whose title line names a programme is that programme's document: "this plan", "this
    framework", "the present framework" in it are that programme."""
    first = next((t for t in doc if not t.is_space), None)
    if first is None:
        return
    line_end = first.i
    while line_end < len(doc) and not _line_end(doc, doc[line_end]):
        line_end += 1
    titled = [f for f in groups.values() if any(s <= line_end and s >= first.i for s, _ in f.spans)]
    if len(titled) != 1:
        return
    own = titled[0]
    taken = {i for f in groups.values() for s, e in f.spans for i in range(s, e)}
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if prev.lower_ not in ("this", "present") or not tok.is_lower or scan.lex.head_kind(tok.text) is None:
            continue
        if prev.lower_ == "present" and (tok.i < 2 or doc[tok.i - 2].lower_ != "the"):
            continue
        if tok.i in taken or scan.covered(tok.i):
            continue
        own.spans.append((tok.i - 1, tok.i + 1))


def programme_entities(found: list[FoundProgramme], focus: tuple[str, ...]) -> dict[int, EntityInfo]:
    """One entity per found programme, keyed so the same programme is one IRI across reports: a name made only
    of generic words ("Humanitarian Response Plan") by country and name, any other by its name."""
    out = {}
    country = focus[0].lower() if focus else None
    for f in found:
        slug = key_slug(f.label)
        key = f"{f.kind}/{country}-{slug}" if f.generic and country else f"{f.kind}/{slug}"
        aliases = tuple(sorted((f.names | f.acronyms) - {f.label}))
        out[id(f)] = EntityInfo(key=key, kind=f.kind, label=f.label, aliases=aliases,
                                country=focus[0] if f.generic and focus else None,
                                found_by=f"programmes:{f.how}", confidence=round(f.confidence, 2))
    return out


__all__ = ["FoundProgramme", "ProgrammeLexiconError", "discover_programmes", "load_programme_lexicon",
           "programme_entities"]
