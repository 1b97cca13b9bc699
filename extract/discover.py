"""Discover the organisations a report names that the gazetteer does not list: spaCy tokens -> organisation spans.

What the text itself says decides, never a list of names: acronym definitions in both orders
("Centre for Water Research (CWR)", "NDMA (National Disaster Management Authority)"), the shape of an
organisation's name (capitalised words ending in a head noun such as Ministry, Directorate, Society,
Fund, Cluster, read from `lang/en/organisations.json`), and the slots lists and relation cues open for a
bare acronym ("with the IFRC and XYZ", "the XYZ teams"). Acronym, long form and variants ("MoH",
"Ministry of Health", "National Ministry of Health") become one organisation per report.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from extract.errors import DataError, read_lexicon
from extract.gazetteer import key_slug, strip_accents
from extract.records import EntityInfo

LEXICON = Path(__file__).resolve().parent / "lang" / "en" / "organisations.json"
LEXICON_FIELDS = {"heads": dict, "phrases": dict, "not_heads": list, "connectors": list, "complement": list,
                  "modifiers": list, "generic_modifiers": list, "concept_acronyms": list, "person_titles": list,
                  "generic_adjectives": list, "not_words": list, "spellings": dict, "actor_verbs": list,
                  "agency_prefixes": list, "agency_heads": list, "heads_first": dict, "foreign_connectors": list,
                  "type_nouns": dict}
# How sure each way of finding an organisation is (the share of right ones on the development reports is
# what these were set from; they order the evidence, they are not probabilities of a calibrated model).
CONFIDENCE = {"acronym-definition": 0.9, "name-shape": 0.8, "acronym-initials": 0.75, "list-slot": 0.65,
              "cue-slot": 0.6}
# An acronym: a capital first, at least two capitals, up to ten letters ("UNHCR", "FMoH", "MoH").
_ACRONYM = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Z][A-Za-z&]{1,9}$")
_ROMAN = re.compile(r"^[IVXLC]+$")
# Words between the names of a list: "A, B and the C".
_LIST_WORDS = frozenset({",", "and", "or", "&", "/", "the", "as", "well", "including", "such", "with"})
# Nouns a bare acronym modifies when it names an organisation: "the XYZ teams", "XYZ volunteers".
_STAFF_NOUNS = frozenset({"team", "teams", "staff", "volunteer", "volunteers", "branch", "branches", "office",
                          "offices", "personnel", "member", "members", "delegation", "headquarters",
                          "secretariat", "representative", "representatives", "partner", "partners"})
_SLOT_PREPS = frozenset({"with", "by", "between"})


class DiscoveryError(DataError):
    """The organisation-name lexicon is malformed."""


@dataclass(frozen=True)
class OrgLexicon:
    heads: dict
    phrases: dict
    not_heads: frozenset
    connectors: frozenset
    complement: frozenset
    modifiers: frozenset
    generic: frozenset
    concept_acronyms: frozenset
    person_titles: frozenset
    generic_adjectives: frozenset
    not_words: frozenset
    spellings: dict
    actor_verbs: frozenset = frozenset()
    agency_prefixes: tuple = ()
    agency_heads: frozenset = frozenset()
    heads_first: dict = field(default_factory=dict)
    foreign_connectors: frozenset = frozenset()
    type_nouns: dict = field(default_factory=dict)

    def head_kind(self, word: str) -> str | None:
        """The kind a head noun gives, plurals read through their singular ("Ministries" -> ministry)."""
        w = word.lower()
        for form in (w, w[:-3] + "y" if w.endswith("ies") else w, w[:-1] if w.endswith("s") else w):
            if form in self.heads:
                return self.heads[form]
        return None


@lru_cache(maxsize=4)
def load_org_lexicon(path: Path = LEXICON) -> OrgLexicon:
    """Read the organisation-name lexicon, checking every field a rule reads."""
    data = read_lexicon(path, LEXICON_FIELDS, DiscoveryError)
    low = lambda xs: frozenset(x.lower() for x in xs)
    return OrgLexicon(
        heads={k.lower(): v for k, v in data["heads"].items()}, phrases={k.lower(): v for k, v in data["phrases"].items()},
        not_heads=low(data["not_heads"]), connectors=low(data["connectors"]), complement=low(data["complement"]),
        modifiers=low(data["modifiers"]), generic=low(data["generic_modifiers"]),
        concept_acronyms=frozenset(a.upper() for a in data["concept_acronyms"]), person_titles=low(data["person_titles"]),
        generic_adjectives=low(data["generic_adjectives"]), not_words=low(data["not_words"]),
        spellings={k.lower(): v.lower() for k, v in data["spellings"].items()},
        actor_verbs=low(data["actor_verbs"]),
        agency_prefixes=tuple(p.lower() for p in data["agency_prefixes"]), agency_heads=low(data["agency_heads"]),
        heads_first={k.lower(): v for k, v in data["heads_first"].items()},
        foreign_connectors=low(data["foreign_connectors"]),
        type_nouns={k.lower(): v for k, v in data["type_nouns"].items()},
    )


@dataclass
class Found:
    """One organisation found in a report: its names, its spans (token offsets) and how it was found."""

    label: str
    kind: str
    how: str
    names: set = field(default_factory=set)
    acronyms: set = field(default_factory=set)
    spans: list = field(default_factory=list)      # (start token, end token)
    ner: bool = False
    heads: set = field(default_factory=set)
    link: str | None = None     # the gazetteer entry this name is the long form of ("Office for ..." of a linked "OCHA")
    plain: str | None = None    # its name without the report's country after it, which labels it ("Ministry of X")
    country: str | None = None  # the country its name ends with ("Government of X"), ISO code

    @property
    def confidence(self) -> float:
        return min(1.0, CONFIDENCE[self.how] + (0.05 if self.ner else 0.0))


def _norm_words(words: list[str], spellings: dict | None = None) -> list[str]:
    spellings = spellings or {}
    out = [strip_accents(w).lower().replace("’", "'") for w in words if w.lower() not in {"the", "and", "&"}]
    out = [spellings.get(w, w) for w in out]
    if out and len(out[-1]) > 3 and out[-1].endswith("s") and not out[-1].endswith("ss"):
        out[-1] = out[-1][:-1]            # "Provincial Regional Governments" is the same body
    return out


def _initials(words: list[str], connectors: frozenset) -> set[str]:
    """The acronyms a name can have: initials of its content words, with or without the small words."""
    content = [w for w in words if w not in connectors]
    every = [w for w in words if w not in {"the", "and", "&"}]
    return {"".join(w[0] for w in content).upper(), "".join(w[0] for w in every).upper()}


def _is_acronym(text: str, lex: OrgLexicon) -> bool:
    return (bool(_ACRONYM.match(text)) and not _ROMAN.match(text) and text.upper() not in lex.concept_acronyms)


def _cap(tok) -> bool:
    t = _ELISION.sub("", tok.text)      # "d'Accueil" is read as "Accueil"
    return t[:1].isupper() and any(c.isalpha() for c in t)


_ELISION = re.compile(r"^[dlDL]['’](?=\w)")


class _Scan:
    """The tokens of one doc that discovery may use, and which linked entity covers each."""

    def __init__(self, doc, linked: list, place_kinds: frozenset, org_kinds: frozenset):
        self.doc = doc
        self.entity_at: dict[int, object] = {}
        for span in linked:
            for i in range(span.start, span.end):
                self.entity_at[i] = span
        self.place_kinds = place_kinds
        self.org_kinds = org_kinds

    def is_place(self, i: int) -> bool:
        span = self.entity_at.get(i)
        return span is not None and span.label_ in self.place_kinds

    def is_org(self, i: int) -> bool:
        span = self.entity_at.get(i)
        return span is not None and span.label_ in self.org_kinds


def _runs(scan: _Scan, lex: OrgLexicon):
    """Maximal runs of capitalised words and the small words between them, within one line of a sentence.

    A linked place may stand inside a name ("Government of X"), a linked organisation only at its start
    ("X Centre for Data"); other linked names end a run.
    """
    doc = scan.doc
    run: list = []

    def flush():
        while run and (run[-1].lower_ in lex.connectors or not _cap(run[-1])):
            run.pop()
        if run:
            yield list(run)
        run.clear()

    for tok in doc:
        if tok.is_sent_start:
            yield from flush()
        org = scan.is_org(tok.i)
        capital = _cap(tok) and not tok.is_space
        if org and run and not all(scan.is_org(t.i) for t in run):
            yield from flush()
        if org or capital:
            run.append(tok)
        elif run and tok.lower_ in lex.connectors and not tok.is_space:
            run.append(tok)
        elif run and tok.text == "-" and not run[-1].whitespace_ and not tok.whitespace_ and _cap(run[-1]):
            run.append(tok)                # "Medium-Range Weather Forecasts"
        else:
            yield from flush()
        if "\n" in tok.whitespace_ or "\n" in tok.text:
            yield from flush()
    yield from flush()


@dataclass(frozen=True)
class _Name:
    start: int      # token offsets
    end: int
    kind: str
    words: tuple
    text: str       # as written, spaces normalised ("Farmers’ Union of Puno")
    head: str = ""  # the head noun, lower case ("commission" of "National Electoral Commission")


def _pieces(run: list, scan: _Scan, lex: OrgLexicon) -> list[_Name]:
    """The organisation names in a run: split at "and" where both sides are names of their own."""
    # Drop what comes before the name: a capitalised sentence opener ("In", "Support"), determiners.
    while run and (run[0].lower_ in lex.generic or run[0].lower_ in lex.connectors
                   or (run[0].is_sent_start and run[0].is_stop)
                   or run[0].pos_ in ("VERB", "AUX", "PRON", "ADP", "SCONJ", "CCONJ", "DET", "ADV")):
        run = run[1:]                    # "Did the National ...", "In Lima", "Support from ..."
    if not run:
        return []
    parts: list[list] = [[]]
    for tok in run:
        if tok.lower_ in {"and", "&"}:
            parts.append([])
        else:
            parts[-1].append(tok)
    names: list[_Name] = []
    pending: list = []
    for part in parts:
        # "Ministry of Health and Population": the right side alone is no name, so it belongs to the left;
        # "X and the Y" joins two noun phrases.
        continues = part and part[0].lower_ == "the" and _qualify(part, scan, lex) is None and any(
            t.lower_ in lex.complement for t in part[2:])    # "... for Gender Equality and the Empowerment of Women"
        if continues or (pending and part and part[0].lower_ != "the" and (
                _qualify(part, scan, lex) is None
                or (_qualify(pending, scan, lex) is None and not any(t is not None and t.i in scan.entity_at for t in pending)))):
            pending = pending + [None] + part     # "Land and Property Registration Department"
            continue
        if pending:
            names += _as_name(pending, scan, lex)
        pending = part
    if pending:
        names += _as_name(pending, scan, lex)
    return names


def _as_name(tokens: list, scan: _Scan, lex: OrgLexicon) -> list[_Name]:
    toks = [t for t in tokens if t is not None]
    while toks and toks[0].lower_ in lex.generic | lex.connectors:
        toks = toks[1:]
    while toks and toks[-1].lower_ in lex.connectors:
        toks = toks[:-1]
    kind = _qualify(toks, scan, lex)
    if kind is None:
        # "Speaker of the Provincial Water Assembly": a role of a body; the body may follow the complement
        comp = next((k for k, t in enumerate(toks) if k > 0 and t.lower_ in lex.complement), None)
        if comp is not None and comp + 1 < len(toks):
            return _as_name(toks[comp + 1:], scan, lex)
        # "Pacific Climate Fund Allocated: ...", "the Health Cluster Meeting": a title-case word or two after
        # the head noun are a label or a document, not part of the name
        last = max((k for k, t in enumerate(toks[:-1]) if lex.head_kind(t.text)), default=None)
        if last is not None and 0 < len(toks) - 1 - last <= 2 \
                and not any(lex.head_kind(t.text) or t.lower_ in lex.connectors for t in toks[last + 1:]):
            return _as_name(toks[:last + 1], scan, lex)
        return []
    doc = scan.doc
    span = doc[toks[0].i:toks[-1].i + 1]
    words = tuple(t.text for t in span if not t.is_space and t.text not in ("’", "'", "-"))
    comp = next((k for k, t in enumerate(toks) if k > 0 and t.lower_ in lex.complement), len(toks))
    return [_Name(toks[0].i, toks[-1].i + 1, kind, words, " ".join(span.text.split()), toks[comp - 1].lower_)]


def _qualify(toks: list, scan: _Scan, lex: OrgLexicon) -> str | None:
    """The kind of organisation the words name, or None when they are no organisation's name."""
    toks = [t for t in toks if not t.is_space]
    while toks and toks[0].lower_ in lex.generic | lex.connectors:
        toks = toks[1:]
    if len(toks) < 2 or all(scan.is_org(t.i) for t in toks) or all(scan.is_place(t.i) for t in toks):
        return None
    if any(len(t.text.rstrip(".")) < 2 and t.text not in ("&", "-", "’", "'") and t.text not in lex.foreign_connectors
           for t in toks) \
            or any(t.lower_ in lex.not_words for t in toks):
        return None                      # "A. Mission": a list letter; "Government in April": a date
    letters = [t.text for t in toks if any(c.isalpha() for c in t.text) and t.lower_ not in lex.connectors]
    if len(letters) >= 2 and all(w.isupper() for w in letters):
        return None                      # an all-capitals heading ("NATIONAL SOCIETY ACTIONS")
    if any(t.lower_ == "the" and k > 0 and toks[k - 1].lower_ not in lex.complement for k, t in enumerate(toks)):
        return None                      # "Later the Commission": "the" inside a name only after "of", "for"
    first_comp = next((k for k, t in enumerate(toks) if k > 0 and t.lower_ in lex.complement), len(toks))
    head_zone = toks[:first_comp]
    head = head_zone[-1]
    text = " ".join(t.lower_ for t in toks)
    if head.lower_ in lex.agency_heads and any(text.startswith(p + " ") for p in lex.agency_prefixes) \
            and _cap(head) and scan.entity_at.get(head.i) is None:
        return "un_agency"               # "United Nations Water Programme"
    if scan.entity_at.get(head.i) is not None or head.lower_ in lex.not_heads:
        return None
    text = " ".join(t.lower_ for t in toks).replace(" - ", "-")     # "Croix-Rouge"
    kind = next((k for phrase, k in lex.phrases.items() if phrase in text), None) or lex.head_kind(head.text)
    if kind is None or not _cap(head):
        return _head_first(toks, lex)
    before = toks[0].i - 1
    if before >= 0 and scan.doc[before].lower_ in {"a", "an", "one", "each", "every", "any", "per"}:
        return None                      # "each community has one Alert Committee": a kind of body
    named = [t for t in toks if t.lower_ not in lex.connectors and lex.head_kind(t.text) is None]
    if not named or all(scan.is_org(t.i) for t in named) or " ".join(t.lower_ for t in toks) in lex.phrases:
        return None                      # "Task Force", "UNICEF Office": a kind of body or a unit, no name
    if head.lower_ not in lex.heads and not any(phrase in text for phrase in lex.phrases):
        return None                      # a plural head names a class of bodies ("UN Agencies", "Regional Offices")
    if len(head_zone) == 2 and head_zone[0].lower_ in lex.generic_adjectives and len(toks) == 2:
        return None                      # "National Society", "Federal Government": a kind of body, no name
    return kind


def _head_first(toks: list, lex: OrgLexicon) -> str | None:
    """The kind a name in French, Spanish or Portuguese gives by its first word, its head ("Direction Régionale de
    la Santé", "Secretaría de Seguridad Alimentaria y Nutricional"): three words or more, with one of those
    languages' connectors or an elided article inside, every other word capitalised."""
    kind = lex.heads_first.get(toks[0].lower_)
    if kind is None or len(toks) < 3 or not _cap(toks[1]) and toks[1].lower_ not in lex.foreign_connectors:
        return None
    inner = toks[1:]
    if not any(t.lower_ in lex.foreign_connectors or _ELISION.match(t.text) for t in inner):
        return None
    if not all(_cap(t) or t.lower_ in lex.foreign_connectors or t.lower_ in lex.connectors for t in inner):
        return None
    return kind


def discover_organisations(doc, linked: list, lex: OrgLexicon | None = None,
                           place_kinds: frozenset = frozenset({"country", "region", "supranational_region"}),
                           ner_orgs: list | None = None, org_kinds: frozenset = frozenset(),
                           focus: tuple[str, ...] = ()) -> list[Found]:
    """Organisations named in `doc` that no `linked` gazetteer span covers, merged one per organisation;
    `focus` holds the report's countries (ISO codes), whose own bodies a bare name means."""
    lex = lex or load_org_lexicon()
    scan = _Scan(doc, linked, place_kinds, org_kinds)
    focus_keys = frozenset(f"place/{c}" for c in focus)
    ner_spans = {(s.start, s.end) for s in (ner_orgs or [])}
    ner_tokens = {i for s in (ner_orgs or []) for i in range(s.start, s.end)}
    names: list[_Name] = []
    for run in _runs(scan, lex):
        names += _pieces(run, scan, lex)

    groups: dict[tuple, Found] = {}
    group_of_name: dict[tuple, tuple] = {}

    def add(name: _Name, how: str) -> Found:
        key = tuple(_norm_words(list(name.words), lex.spellings))
        found = groups.get(key)
        if found is None:
            found = groups[key] = Found(name.text, name.kind, how)
        found.names.add(name.text)
        found.heads.add(name.head)
        found.spans.append((name.start, name.end))
        found.ner = found.ner or any(i in ner_tokens for i in range(name.start, name.end))
        if CONFIDENCE[how] > CONFIDENCE[found.how]:
            found.how = how
        group_of_name[(name.start, name.end)] = key
        return found

    for name in names:
        add(name, "name-shape")

    # Acronym definitions, both orders: "Long Name (ACR)" and "ACR (Long Name)". An acronym defined by words
    # that name no organisation ("Country Programme Document (CPD)", "water, sanitation and hygiene (WASH)")
    # is a concept and never becomes one.
    acronyms: dict[str, tuple] = {}
    concepts: set[str] = set()
    by_end = {n.end: n for n in names}
    by_start = {n.start: n for n in names}
    for tok in doc:
        if tok.text != "(":
            continue
        close = next((t.i for t in doc[tok.i + 1:tok.i + 12] if t.text == ")"), None)
        if close is None:
            continue
        inside = [t for t in doc[tok.i + 1:close] if not t.is_space]
        if len(inside) == 1 and _ACRONYM.match(inside[0].text) and tok.i not in by_end \
                and _defined_by_words(doc, tok.i, inside[0].text, lex):
            concepts.add(inside[0].text)
        if len(inside) == 1 and _is_acronym(inside[0].text, lex) and tok.i in by_end:
            # Any acronym right after an organisation's name is its own, whether its letters are the English
            # name's initials or not ("Andean Farmers' Party (PCA)", "Ministry of Health (MSPAS)").
            name = by_end[tok.i]
            acronyms[inside[0].text] = group_of_name[(name.start, name.end)]
            groups[acronyms[inside[0].text]].how = "acronym-definition"
        elif inside and tok.i > 0 and _is_acronym(doc[tok.i - 1].text, lex) and tok.i - 1 not in scan.entity_at \
                and inside[0].i in by_start and by_start[inside[0].i].end == close:
            name = by_start[inside[0].i]
            acronyms[doc[tok.i - 1].text] = group_of_name[(name.start, name.end)]
            groups[acronyms[doc[tok.i - 1].text]].how = "acronym-definition"

    # Prefix modifiers: "Ministry of Health" is the "National Ministry of Health" the report also names.
    keys = sorted(groups, key=len, reverse=True)
    merged_into: dict[tuple, tuple] = {}
    for short in keys:
        for long in keys:
            if len(long) > len(short) and long[len(long) - len(short):] == short \
                    and all(w in lex.modifiers for w in long[:len(long) - len(short)]):
                merged_into[short] = merged_into.get(long, long)
                break
    # A name cut before its complement: "the Water Council" is the "Water Council of the X" the report
    # also names, when it names only one such.
    for short in keys:
        if short in merged_into or len(short) < 2 or any(w in lex.complement for w in short):
            continue
        longer = [k for k in keys if len(k) > len(short) + 1 and k[:len(short)] == short and k[len(short)] in lex.complement]
        if len(longer) == 1:
            merged_into[short] = merged_into.get(longer[0], longer[0])
    # The report's country after a full name: "the Ministry of Planning of X", in a report on X, is the
    # "Ministry of Planning" it also names.
    for long in keys:
        tail = _focus_tail(doc, groups[long], scan, focus_keys)
        short = tuple(_norm_words(list(long[:len(long) - tail]), lex.spellings)) if tail else None
        if short and short in groups and short not in merged_into and long not in merged_into:
            merged_into[long] = short
            groups[short].plain = max(groups[short].names, key=lambda n: (len(n.split()), n), default=None)
    for short, long in merged_into.items():
        target, source = groups[long], groups.pop(short)
        target.names |= source.names
        target.spans += source.spans
        target.ner = target.ner or source.ner
        for acr, k in list(acronyms.items()):
            if k == short:
                acronyms[acr] = long

    # Bare acronyms: defined ones, ones whose letters are a found name's initials, and ones a list or a cue
    # puts beside an organisation.
    initials: dict[str, tuple] = {}
    for key in groups:
        for ini in _initials(list(key), lex.connectors):
            if len(ini) >= 2:
                initials.setdefault(ini, key)
    linked_acronyms = {s.text.upper(): s.kb_id_ for s in linked if s.label_ in org_kinds and _ACRONYM.match(s.text)}
    for key, found in groups.items():
        found.link = next((linked_acronyms[i] for i in _initials(list(key), lex.connectors) if i in linked_acronyms), None)
    org_tokens = {i for i, s in scan.entity_at.items() if s.label_ in org_kinds}
    org_tokens |= {i for f in groups.values() for s, e in f.spans for i in range(s, e)}
    place_names = {s.text.upper() for s in linked if s.label_ in place_kinds}   # "PERU" on a map is no acronym
    slot_acronyms: dict[str, str] = {}
    for tok in doc:
        text = tok.text
        if tok.i in scan.entity_at or tok.i in org_tokens or not _is_acronym(text, lex) or len(text) < 3:
            continue
        if text in acronyms or text in concepts or text in place_names:
            continue
        if text.upper() in initials:
            acronyms[text] = initials[text.upper()]
            continue
        how = _slot(tok, org_tokens, lex)
        if how and text not in slot_acronyms:
            slot_acronyms[text] = how
    for text, how in slot_acronyms.items():
        key = (text.lower(),)
        if key not in groups:
            groups[key] = Found(text, "organization", how)
        acronyms[text] = key
    # A name the statistical NER calls an organisation and no head noun names ("Helvetas", "Caritas Lima") is one
    # where a list or a relation cue puts it beside organisations ("in partnership with Helvetas and the XYZ").
    for span in ner_orgs or []:
        toks = [t for t in span if not t.is_space]
        if not toks or any(t.i in scan.entity_at or t.i in org_tokens or t.is_stop or not _cap(t) or t.is_sent_start
                           for t in toks) or len(toks) > 4 or _ACRONYM.match(toks[0].text) or len(span.text) < 3 \
                or any(t.lower_ in lex.generic or t.lower_ in lex.person_titles or lex.head_kind(t.text)
                       or lex.head_kind(t.text[:-1]) for t in toks):
            continue                     # a head noun ("Government", "Alliances") or a role is no such name
        key = tuple(_norm_words([t.text for t in toks], lex.spellings))
        how = _slot(span.root, org_tokens, lex) if key not in groups else None
        if how:
            text = " ".join(t.text for t in toks)
            found = groups[key] = Found(text, "organization", how, names={text}, spans=[(toks[0].i, toks[-1].i + 1)],
                                        ner=True)
            org_tokens.update(t.i for t in toks)
    # A name a common noun says the kind of: "the local NGO Tierra Viva", "the charity Agua Limpia".
    for tok in doc:
        kind = lex.type_nouns.get(tok.lower_) if (tok.text.islower() or tok.text.isupper()) else None
        if kind is None or "\n" in tok.whitespace_:
            continue
        toks, j = [], tok.i + 1
        while j < len(doc) and len(toks) < 6 and j not in scan.entity_at and j not in org_tokens and (
                (_cap(doc[j]) and not doc[j].is_space) or (toks and doc[j].lower_ in lex.connectors | lex.foreign_connectors)):
            toks.append(doc[j])
            if "\n" in doc[j].whitespace_:
                break
            j += 1
        while toks and not _cap(toks[-1]):
            toks.pop()
        if not toks or _ACRONYM.match(toks[0].text) and len(toks) == 1 or any(t.lower_ in lex.person_titles for t in toks):
            continue
        key = tuple(_norm_words([t.text for t in toks], lex.spellings))
        if key not in groups:
            text = " ".join(t.text for t in toks)
            groups[key] = Found(text, kind, "cue-slot", names={text}, spans=[(toks[0].i, toks[-1].i + 1)])
            org_tokens.update(t.i for t in toks)

    for tok in doc:
        key = acronyms.get(tok.text)
        if key is not None and tok.i not in scan.entity_at and key in groups:
            found = groups[key]
            if (tok.i, tok.i + 1) not in found.spans and not any(s <= tok.i < e for s, e in found.spans):
                found.spans.append((tok.i, tok.i + 1))
                found.acronyms.add(tok.text)
                found.ner = found.ner or (tok.i, tok.i + 1) in ner_spans or tok.i in ner_tokens

    _resolve_definite_heads(doc, groups, scan, lex, focus_keys)
    for found in groups.values():
        tails = {_country_tail(doc, s, e, scan) for s, e in found.spans} - {None}
        if len(tails) == 1:
            found.country = next(iter(tails)).kb_id_.rsplit("/", 1)[-1]
        elif found.kind == "government_body":
            # "the Norwegian Ministry of Water", "the U.S. Department of Energy": the nationality says whose
            found.country = next((demonyms[n.split()[0]] for n in sorted(found.names)
                                  if n.split()[0] in (demonyms := _demonyms())), None)
    out = []
    for key, found in groups.items():
        longest = found.plain or max(found.names, key=lambda n: (len(n.split()), n), default=None)
        if longest:
            found.label = longest
        if not found.names and not found.acronyms:
            continue
        found.spans.sort()
        out.append(found)
    return out


def _focus_tail(doc, found: Found, scan: _Scan, focus_keys: frozenset) -> int:
    """How many of a found name's normalised words are its " of <the report's country>" ending (0 if none)."""
    for start, end in found.spans:
        span = _country_tail(doc, start, end, scan)
        if span is not None and span.kb_id_ in focus_keys:
            return len(_norm_words([t.text for t in doc[span.start - 1:end]]))
    return 0


def _demonyms() -> dict[str, str]:
    from extract.gazetteer import load_demonyms     # gazetteer/demonyms.tsv, read once

    return load_demonyms()


def _country_tail(doc, start: int, end: int, scan: _Scan):
    """The country a name's " of <country>" ending names ("Government of X"), as its linked span, or None."""
    span = scan.entity_at.get(end - 1)
    if span is not None and span.label_ == "country" and span.end == end and span.start - 1 > start \
            and doc[span.start - 1].lower_ == "of":
        return span
    return None


def _resolve_definite_heads(doc, groups: dict, scan: _Scan, lex: OrgLexicon, focus_keys: frozenset = frozenset()) -> None:
    """"the Mission", "the Commission": a definite head noun alone names the organisation found in this report
    whose name has that head: the report's country's own ("the Government" is the "Government of X" of a
    report on X, not a regional one), else the one named last before it (or, before any, the one named most)."""
    covered = {i for f in groups.values() for s, e in f.spans for i in range(s, e)}
    by_head: dict[str, list] = {}
    for f in groups.values():
        for h in f.heads:
            by_head.setdefault(h, []).append(f)
    linked_at: dict[str, list[int]] = {}     # a gazetteer organisation's name by its last word ("Basin Council")
    for span in {id(s): s for s in scan.entity_at.values()}.values():
        if span.label_ in scan.org_kinds and len(span) > 1:
            linked_at.setdefault(span[-1].lower_, []).append(span.start)
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        if prev.lower_ != "the" or not _cap(tok) or tok.i in covered or tok.i in scan.entity_at:
            continue
        if nxt is not None and (_cap(nxt) or nxt.lower_ in lex.complement):
            continue                      # part of a longer name ("the Commission on ...")
        candidates = by_head.get(tok.lower_, [])
        if not candidates:
            continue
        before = [(max((s for s, _ in f.spans if s < tok.i), default=-1), f) for f in candidates]
        last, found = max(before, key=lambda x: (x[0], len(x[1].spans)))
        if max((s for s in linked_at.get(tok.lower_, ()) if s < tok.i), default=-1) > last:
            continue                      # "the Basin Council ... the Council": the gazetteer's, named last
        own = [f for f in candidates if _focus_tail(doc, f, scan, focus_keys)]
        if len(own) == 1 and len(candidates) > 1 and not (last >= tok.sent.start and found is not own[0]):
            own[0].spans.append((tok.i, tok.i + 1))     # unless another was named earlier in the same sentence
            continue
        if last < 0:
            found = max(candidates, key=lambda f: len(f.spans))
        found.spans.append((tok.i, tok.i + 1))


def _defined_by_words(doc, paren: int, acronym: str, lex: OrgLexicon) -> bool:
    """Whether the words just before "(ACR)" spell the acronym: its definition, in any case."""
    want = acronym.upper()
    start = max(0, paren - 10)
    words = [t for t in doc[start:paren] if not t.is_punct and not t.is_space]
    for k in range(len(words)):
        tail = [strip_accents(t.lower_) for t in words[k:]]
        if tail and tail[0] not in lex.connectors and want in _initials(tail, lex.connectors):
            return True
    return False


def _slot(tok, org_tokens: set, lex: OrgLexicon) -> str | None:
    """How a bare acronym is placed as an organisation: in a list with one, or in a relation cue's slot."""
    doc, text = tok.doc, tok.text
    for step in (-1, 1):
        j = tok.i + step
        while 0 <= j < len(doc) and (doc[j].lower_ in _LIST_WORDS) and "\n" not in doc[j].whitespace_:
            j += step
        if 0 <= j < len(doc) and j in org_tokens and abs(j - tok.i) > 1:
            return "list-slot"
    if tok.dep_ in ("conj", "appos") and tok.head.i in org_tokens:
        return "list-slot"
    if tok.dep_ == "appos" and tok.head.tag_ == "NN" and lex.head_kind(tok.head.text) and not text.endswith("s") \
            and any(c.dep_ == "poss" or c.lower_ == "the" for c in tok.head.children):
        return "cue-slot"                # "the Union's aid department (XYZA)": one body's name in brackets
    if any(c.dep_ == "conj" and c.i in org_tokens for c in tok.children):
        return "list-slot"
    if tok.dep_ == "pobj" and tok.head.lower_ in _SLOT_PREPS:
        return "cue-slot"
    if tok.dep_ == "nsubj" and tok.head.lemma_.lower() in lex.actor_verbs:
        return "cue-slot"                # "XYZA has launched an emergency appeal"
    if tok.dep_ in ("compound", "nmod", "poss") and tok.head.lower_ in _STAFF_NOUNS:
        return "cue-slot"
    return None


def organisation_entities(found: list[Found], focus: tuple[str, ...]) -> dict[str, EntityInfo]:
    """One entity per found organisation, keyed so the same body is one IRI across reports: a national
    body or a bare acronym by country and name, any other by its normalised name."""
    out = {}
    for f in found:
        slug = key_slug(f.label)
        national = f.kind == "government_body" or not f.names
        code = f.country or (focus[0] if focus else None)      # "Government of X" is X's, in any report
        key = f"org/{code.lower()}-{slug}" if national and code else f"org/{slug}"
        aliases = tuple(sorted((f.names | f.acronyms) - {f.label}))
        out[id(f)] = EntityInfo(key=key, kind=f.kind, label=f.label, aliases=aliases,
                                country=code if national else None,
                                found_by=f"discover:{f.how}", confidence=round(f.confidence, 2))
    return out


__all__ = ["DiscoveryError", "Found", "discover_organisations", "load_org_lexicon", "organisation_entities"]
