"""Discover the camps and settlements a report names that no gazetteer lists: spaCy tokens -> local place entities and mentions.

The shape of the name decides, never a list of names: capitalised words before a head noun ("the X camp",
"X Camps", "X informal settlement", "X IDP site"), after a title head ("Camp X"), or listed after a head and
"of" ("the camps of A and B", "A and B camps"), read from `lang/en/sites.json`. A place named before the
head or after "in" ties the camp to that region or country ("the <Region> camps of A", "A camp in <Region>");
otherwise it lies in the report's focus country. Spellings that differ by a particle ("Al X camp", "the X
camp") are one camp per report, keyed by country and name, so the same camp is one IRI across reports.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from extract.discover import key_slug
from extract.errors import DataError, read_lexicon
from extract.gazetteer import fold
from extract.records import EntityInfo, Mention

LEXICON = Path(__file__).resolve().parent / "lang" / "en" / "sites.json"
LEXICON_FIELDS = {"heads": dict, "weak_heads": dict, "title_heads": list, "modifiers": list, "particles": list,
                  "not_names": list, "list_words": list, "ties": list, "facility_heads": list,
                  "facility_modifiers": list}
# How sure each way of finding a camp is; they order the evidence, they are not calibrated probabilities.
CONFIDENCE = {"site-name": 0.8, "site-title": 0.75, "site-list": 0.7}
MAX_NAME = 4          # words in a camp's name, particles and numbers included


class SiteError(DataError):
    """The camp-name lexicon is malformed."""


@dataclass(frozen=True)
class SiteLexicon:
    heads: dict
    weak_heads: dict
    title_heads: frozenset
    modifiers: frozenset
    particles: frozenset
    not_names: frozenset
    list_words: frozenset
    ties: frozenset
    facility_heads: frozenset = frozenset()
    facility_modifiers: frozenset = frozenset()


@lru_cache(maxsize=4)
def load_site_lexicon(path: Path = LEXICON) -> SiteLexicon:
    """Read the camp-name lexicon, checking every field a rule reads."""
    data = read_lexicon(path, LEXICON_FIELDS, SiteError)
    low = lambda xs: frozenset(x.lower() for x in xs)
    return SiteLexicon(
        heads={k.lower(): v for k, v in data["heads"].items()},
        weak_heads={k.lower(): v for k, v in data["weak_heads"].items()},
        title_heads=low(data["title_heads"]), modifiers=low(data["modifiers"]), particles=low(data["particles"]),
        not_names=low(data["not_names"]), list_words=low(data["list_words"]), ties=low(data["ties"]),
        facility_heads=low(data["facility_heads"]), facility_modifiers=low(data["facility_modifiers"]),
    )


@dataclass
class Site:
    """One camp found in a report: its names as written, its token spans, how it was found and where it lies."""

    names: list                                      # tuples of the words of the name, without the head
    head: str                                        # the label word: "camp", "settlement", "site"
    how: str
    spans: list = field(default_factory=list)        # (start token, end token)
    region: str | None = None                        # ISO 3166-2 code of the region the text ties it to
    country: str | None = None                       # ISO alpha-2 of the country the text ties it to

    @property
    def confidence(self) -> float:
        return CONFIDENCE[self.how]

    @property
    def label(self) -> str:
        longest = max(self.names, key=lambda n: (len(" ".join(n)), n))
        return " ".join((*longest, self.head))


@dataclass(frozen=True)
class _Place:
    """A place the record already names at some tokens: what it is and where it lies."""

    key: str
    kind: str
    region: str | None
    country: str | None


class _Scan:
    """The doc's tokens with what the record already names there."""

    def __init__(self, doc, record, lex: SiteLexicon, demonyms: frozenset):
        self.doc, self.lex, self.demonyms = doc, lex, demonyms
        self.named: dict[int, _Place] = {}
        self.mention_at: dict[int, int] = {}
        for n, m in enumerate(record.mentions):
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            info = record.entities.get(m.key)
            if span is None or info is None:
                continue
            region = m.key.partition("/")[2] if info.kind == "region" else info.region
            place = _Place(m.key, info.kind, region, info.country)
            for i in range(span.start, span.end):
                self.named[i] = place
                self.mention_at[i] = n
        self.lower_words = {t.text for t in doc if t.is_alpha and t.text.islower()}

    def is_name_word(self, i: int, town_ok: bool = False) -> bool:
        """Whether token `i` may stand in a camp's name: a capitalised word the report never writes as a common
        noun, a particle, or a number after a name word ("X 5 camp"); not a word another entity covers."""
        tok = self.doc[i]
        if i in self.named and not self.yields(i, town_ok):
            return False
        low = tok.lower_
        if low in self.lex.particles:
            return True
        if tok.like_num and tok.text.isdigit():
            return i > 0 and self.is_name_word(i - 1, town_ok) and self.doc[i - 1].lower_ not in self.lex.particles
        word = tok.text.strip("’'‘-")
        if not word[:1].isupper() or not any(c.islower() for c in word) or low in self.lex.not_names:
            return False                  # a common word, or an acronym or heading in capitals
        return not tok.is_stop and tok.text not in self.demonyms and tok.ent_type_ != "NORP" \
            and low not in self.lower_words

    def yields(self, i: int, town_ok: bool = False) -> bool:
        """Whether the entity named at token `i` gives way to a camp's name there: a person the NER read in
        a camp's name ("the camps of A B"), or, before a singular head, a town the camp is named for."""
        kind = self.named[i].kind
        return kind == "person" or (town_ok and kind == "place_local")

    def breaks(self, i: int) -> bool:
        """Whether a line break follows token `i`: a name never runs across lines."""
        return "\n" in self.doc[i].whitespace_ or "\n" in self.doc[i].text


def _name_before(scan: _Scan, end: int, town_ok: bool) -> tuple[int, int] | None:
    """The camp name ending at token `end - 1`: up to MAX_NAME name words, not particles only."""
    start = end
    while start > 0 and end - start < MAX_NAME and scan.is_name_word(start - 1, town_ok) \
            and not scan.breaks(start - 1):
        start -= 1
    return _trimmed(scan, start, end)


def _name_after(scan: _Scan, start: int) -> tuple[int, int] | None:
    end = start
    while end < len(scan.doc) and end - start < MAX_NAME and scan.is_name_word(end) \
            and (end == start or not scan.breaks(end - 1)):
        end += 1
    return _trimmed(scan, start, end)


def _trimmed(scan: _Scan, start: int, end: int) -> tuple[int, int] | None:
    """A name without particles at its end ("X al" is no name) or lower-case ones at its start, or None when
    only particles are left."""
    particles = scan.lex.particles
    while end > start and scan.doc[end - 1].lower_ in particles:
        end -= 1
    while start < end and (scan.doc[start].like_num or scan.doc[start].text.islower()):
        start += 1                        # "known as X camp": a lower-case particle opens no name
    words = [t for t in scan.doc[start:end] if t.lower_ not in particles and not t.like_num]
    return (start, end) if words else None


def _place_before(scan: _Scan, start: int) -> _Place | None:
    """A region, country or town named right before a head ("the <Region> camps"): where the camps lie."""
    place = scan.named.get(start - 1) if start > 0 else None
    return place if place is not None and place.kind in ("region", "country", "place_local") else None


def _place_after(scan: _Scan, head) -> _Place | None:
    """The place a tie preposition after the head names ("X camp in <Region>", "camps in the north of Y")."""
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in scan.lex.ties:
            for t in child.subtree:
                place = scan.named.get(t.i)
                if place is not None and place.kind in ("region", "country", "place_local"):
                    return place
    return None


@dataclass(frozen=True)
class _Found:
    """One naming of a camp: the name's tokens, the mention's tokens, the head, how, the place it lies in."""

    name: tuple[int, int]
    span: tuple[int, int]
    head: str
    how: str
    tie: _Place | None
    weak: bool           # a weak head with no modifier: it only names a camp the report names otherwise


def _variant_keys(words: tuple, particles: frozenset) -> set[str]:
    """Keys two spellings of one name share: its letters with and without particles ("Al X", "X", "AlX")."""
    folded = [fold(w).replace("'", "").replace("‘", "").replace("’", "") for w in words]
    keep = [w for w in folded if w not in particles]
    return {"".join(folded), "".join(keep)} - {""}


def _names_after_of(scan: _Scan, k: int) -> list[tuple[int, int]]:
    """The names listed after a head and "of" ("the camps of A, B and C"); none after "of <Region>"."""
    doc = scan.doc
    if k + 1 >= len(doc) or doc[k].lower_ != "of":
        return []
    k += 1
    out = []
    while (name := _name_after(scan, k)) is not None:
        out.append(name)
        k = name[1]
        while k < len(doc) and doc[k].lower_ in scan.lex.list_words:
            k += 1
        if k == name[1]:
            break
    return out


def discover_sites(doc, record, demonyms: frozenset = frozenset(), lex: SiteLexicon | None = None) -> list[Site]:
    """The camps and settlements named in `doc` that no mention of `record` covers, merged one per camp."""
    return _discover(_Scan(doc, record, lex or load_site_lexicon(), demonyms))


def _discover(scan: _Scan) -> list[Site]:
    doc, lex = scan.doc, scan.lex
    heads = {**lex.heads, **lex.weak_heads}
    found: list[_Found] = []
    for tok in doc:
        facility = _facility(scan, tok)
        if facility is not None:
            found.append(facility)
            continue
        head = heads.get(tok.lower_)
        if head is None or tok.i in scan.named:
            continue                      # not a head, or a word of another entity's name ("X Camp Management")
        weak = tok.lower_ in lex.weak_heads
        plural = tok.lower_ != head
        tie = _place_after(scan, tok)
        j = tok.i
        while j > 0 and doc[j - 1].lower_ in lex.modifiers and not scan.breaks(j - 1):
            j -= 1
        before = _place_before(scan, j)
        # after the head: "the camp(s) of A and B"; the words before it then only say where ("the <Region> camps
        # of A", "the X camp of A": not a camp named X)
        listed = _names_after_of(scan, tok.i + 1) if not weak else []
        if listed:
            tie = tie or (before if before is not None and before.kind != "place_local" else None)
            found += [_Found(name, name, head, "site-list", tie, False) for name in listed]
            continue
        if tok.lower_ in lex.title_heads and tok.text[:1].isupper() and tok.i + 1 < len(doc) \
                and not scan.breaks(tok.i):
            name = _name_after(scan, tok.i + 1)          # "Camp X"
            if name is not None:
                found.append(_Found(name, (tok.i, name[1]), head, "site-title", tie, False))
                continue
        # before the head: "[the] A [and B] [refugee] camp(s)"
        if before is not None and (plural or before.kind != "place_local"):
            continue                      # "the <Region> camps": where camps are, no camp's name
        name = _name_before(scan, j, town_ok=not plural)
        if name is None:
            continue
        town = next((scan.named[i] for i in range(*name) if i in scan.named and scan.named[i].kind == "place_local"), None)
        # the mention holds the head: "the X refugee camp" is one mention of the camp
        weak = weak and j == tok.i
        found.append(_Found(name, (name[0], tok.i + 1), head, "site-name", town or tie, weak))
        while plural and name[0] >= 2 and doc[name[0] - 1].lower_ in lex.list_words:
            name = _name_before(scan, name[0] - 1, town_ok=False)        # "A and B camps": A is one too
            if name is None:
                break
            found.append(_Found(name, name, head, "site-list", tie, weak))
    return _merge(scan, found)


def _facility(scan: _Scan, tok) -> _Found | None:
    """A named site people are sheltered or held in: "the X Reception Centre", "the X transit centre" (a name,
    a facility modifier, a facility head), also where the name was read as an organisation's, whose whole
    mention it then is; not "the Centre for X", "cholera treatment centres" (no modifier) or "the transit centre"
    (no name)."""
    doc, lex = scan.doc, scan.lex
    if tok.lower_ not in lex.facility_heads or tok.i < 2 or doc[tok.i - 1].lower_ not in lex.facility_modifiers \
            or scan.breaks(tok.i - 1):
        return None
    end = tok.i - 1                       # the modifier is part of the label: "X Rehabilitation Centre"
    org = scan.mention_at.get(tok.i) if tok.i in scan.named and scan.named[tok.i].kind not in _PLACE_KINDS else None
    if tok.i in scan.named and org is None:
        return None                       # a word of a place's name
    start = end
    while start > 0 and end - start < MAX_NAME and not scan.breaks(start - 1) and _facility_name_word(scan, start - 1, org):
        start -= 1
    name = _trimmed(scan, start, end) if start < end else None
    if name is None:
        return None
    if org is not None:
        m = scan.mention_at
        inside = [i for i in range(name[0], tok.i + 1)]
        before = name[0] - 1
        if any(m.get(i) != org for i in inside) or (before >= 0 and m.get(before) == org and doc[before].lower_ != "the"):
            return None                   # the organisation's name is longer than the site's
    return _Found((name[0], tok.i), (name[0], tok.i + 1), tok.text.rstrip("s") if tok.lower_.endswith("s") else tok.text,
                  "site-name", _place_after(scan, tok), False)


_PLACE_KINDS = frozenset({"region", "country", "place_local"})


def _facility_name_word(scan: _Scan, i: int, org) -> bool:
    """A word of a facility's name: a camp-name word, or a capitalised word of the organisation mention read there."""
    if org is not None and scan.mention_at.get(i) == org:
        tok = scan.doc[i]
        return tok.text[:1].isupper() and tok.lower_ not in scan.lex.not_names and not tok.is_stop
    return scan.is_name_word(i)


def _merge(scan: _Scan, found: list[_Found]) -> list[Site]:
    """One Site per camp: names sharing a variant key merge; a weak head ("the X site") only joins a camp the
    report names with a strong head, or stands when a modifier makes it one ("X IDP site")."""
    doc, lex = scan.doc, scan.lex
    sites: list[Site] = []
    by_key: dict[str, Site] = {}
    for f in sorted(found, key=lambda f: f.weak):
        words = tuple(t.text for t in doc[f.name[0]:f.name[1]])
        keys = _variant_keys(words, lex.particles)
        site = next((by_key[k] for k in keys if k in by_key), None)
        if site is None:
            if f.weak:
                continue
            site = Site([], f.head, f.how)
            sites.append(site)
        elif CONFIDENCE[f.how] > site.confidence:
            site.how = f.how
        for k in keys:
            by_key.setdefault(k, site)
        if words not in site.names:
            site.names.append(words)
        if not any(a < f.span[1] and f.span[0] < b for a, b in site.spans):
            site.spans.append(f.span)
        if f.tie is not None and site.country is None:
            site.country, site.region = f.tie.country, f.tie.region if f.tie.kind != "country" else None
    _bare_mentions(scan, sites)
    return sites


def _bare_mentions(scan: _Scan, sites: list[Site]) -> None:
    """A found camp's name written alone elsewhere ("in X" after "the X camp") is that camp too."""
    doc = scan.doc
    taken = {i for s in sites for a, b in s.spans for i in range(a, b)}
    names, lengths = {}, {}
    for site in sites:
        for words in site.names:
            names.setdefault(words, site)
            lengths.setdefault(words[0], set()).add(len(words))
    for tok in doc:
        for n in sorted(lengths.get(tok.text, ()), reverse=True):
            words = tuple(t.text for t in doc[tok.i:tok.i + n])
            site = names.get(words)
            if site is None or any(i in taken or (i in scan.named and not scan.yields(i))
                                   for i in range(tok.i, tok.i + n)):
                continue
            after = tok.i + n
            if after < len(doc) and scan.is_name_word(after) and not scan.breaks(after - 1):
                continue                  # part of a longer name
            site.spans.append((tok.i, tok.i + n))
            taken.update(range(tok.i, tok.i + n))
            break


def add_sites(record, doc, demonyms: frozenset = frozenset()) -> None:
    """Add the camps of `doc` to `record`: a place_local entity each, and their mentions (a town's or a person's
    mention a camp's name takes over is dropped: "the X camp" is the camp, not the town X)."""
    scan = _Scan(doc, record, load_site_lexicon(), demonyms)
    sites = _discover(scan)
    if not sites:
        return
    scan_mentions = scan.mention_at
    starts = [s.start for s in record.sentences]
    dropped: set[int] = set()
    added: list[Mention] = []
    for site in sites:
        country = site.country or _nearest_focus(record, doc, site)
        if country is None:
            continue                      # a camp in no known country cannot be placed
        info = site_entity(site, country)
        if info.key in record.entities and record.entities[info.key].found_by is None:
            continue                      # the gazetteer lists it
        record.entities.setdefault(info.key, info)
        for s, e in sorted(site.spans):
            span = doc[s:e]
            i = bisect.bisect_right(starts, span.start_char) - 1
            if i < 0 or span.start_char >= record.sentences[i].end:
                continue
            dropped.update(scan_mentions[t] for t in range(s, e) if t in scan_mentions)
            added.append(Mention(info.key, span.start_char, span.end_char, span.text, i))
    gone = {record.mentions[n].key for n in dropped}
    record.mentions = sorted([m for n, m in enumerate(record.mentions) if n not in dropped] + added,
                             key=lambda m: m.start)
    for key in gone - {m.key for m in record.mentions}:
        del record.entities[key]          # a town named only as a camp's namesake, a person who was a camp


def _nearest_focus(record, doc, site: Site) -> str | None:
    """The focus country a camp the text ties to no place lies in: the only one, or of several, the one whose
    name (or a region's) comes last before the camp's first mention."""
    focus = record.focus_countries
    if len(focus) <= 1:
        return focus[0] if focus else None
    first = doc[min(site.spans)[0]].idx
    best = None
    for m in record.mentions:
        info = record.entities.get(m.key)
        if m.start >= first:
            break
        if info is not None and info.kind in ("country", "region") and info.country in focus:
            best = info.country
    return best or focus[0]


def site_entity(site: Site, country: str) -> EntityInfo:
    """The entity of a camp: keyed by its country and its name without particles, so spellings meet."""
    lex = load_site_lexicon()
    longest = max(site.names, key=lambda n: (len(" ".join(n)), n))
    core = [w for w in longest if w.lower() not in lex.particles] or list(longest)
    key = f"place/{country.lower()}-{key_slug(' '.join((*core, site.head)))}"
    label = site.label
    aliases = tuple(sorted({" ".join(n) for n in site.names} - {label}))
    region = site.region if site.region and site.region.startswith(country + "-") else None
    return EntityInfo(key=key, kind="place_local", label=label, aliases=aliases, country=country, region=region,
                      found_by=f"discover:{site.how}", confidence=site.confidence)


__all__ = ["SiteError", "Site", "add_sites", "discover_sites", "load_site_lexicon", "site_entity"]
