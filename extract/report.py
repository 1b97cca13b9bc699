"""Turn one report file into a ReportRecord: clean text, sections, outcomes, sentences, linked entities."""
from __future__ import annotations

import bisect
from collections import Counter
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from extract.entities import Linker, extract_entities, load_nlp
from extract.errors import KGError
from extract.gazetteer import Gazetteer, load_gazetteer, strip_accents
from extract.metadata import MetaError, read_meta
from extract.records import EntityInfo, Mention, ReportRecord
from extract.kinds import organisation_kinds
from extract.relations import extract_relations, load_demonyms
from extract.results import extract_results
from extract.themes import extract_theme_links
from extract.sections import extract_outcomes, extract_sections
from extract.sites import add_sites
from extract.text import clean

# Reports larger than this are refused: a development report is well under a megabyte of text.
MAX_BYTES = 20 * 1024 * 1024


class ReportError(KGError, ValueError):
    """A report file cannot be read or holds no text."""


class ReportEncodingWarning(UserWarning):
    """A text report was not UTF-8 and was decoded as Windows-1252."""


@dataclass
class Extractor:
    """The loaded NLP pipeline and gazetteer, reused across reports."""

    linker: Linker
    statistical: bool

    @property
    def model_name(self) -> str:
        meta = self.linker.nlp.meta
        return f"{meta.get('lang', 'en')}_{meta.get('name', 'blank')}-{meta.get('version', '0')}"


def load_extractor(gazetteer: Gazetteer | None = None) -> Extractor:
    """The pipeline, its data files read first: a broken one fails in a moment, before the model loads."""
    gazetteer = gazetteer or load_gazetteer()
    load_language_data()
    nlp, statistical = load_nlp()
    return Extractor(Linker(nlp, gazetteer), statistical)


def load_language_data() -> None:
    """Read and check every data file extraction reads besides the gazetteer (each loader keeps what it read)."""
    from extract.discover import load_org_lexicon
    from extract.programmes import load_programme_lexicon
    from extract.relations import load_components, load_demonyms
    from extract.relations.parse import load_cues
    from extract.sites import load_site_lexicon
    from extract.themes import load_themes

    load_themes()
    load_demonyms()
    load_org_lexicon()
    load_programme_lexicon()
    load_site_lexicon()
    for component in load_components():
        load_cues(component.name)


def report_slug(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "report"


def read_report_text(path: Path) -> tuple[str, tuple[int, ...]]:
    """Read a text or PDF report: its text and the offsets where pages start (one page for text files)."""
    if not path.exists():
        raise ReportError(f"{path}: no such file")
    if path.is_dir():
        raise ReportError(f"{path}: is a directory; give report files (.txt)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ReportError(f"{path}: {size} bytes is over the {MAX_BYTES} byte limit for one report")
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        from extract.pdf import PdfError, read_pdf

        try:
            pdf = read_pdf(path)
        except PdfError as exc:
            raise ReportError(str(exc)) from None
        return pdf.text, pdf.page_starts
    if b"\x00" in data[:4096]:
        raise ReportError(f"{path}: looks binary, not a text or PDF report")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        warnings.warn(f"{path}: not UTF-8; read as Windows-1252 (Latin-1)", ReportEncodingWarning, stacklevel=2)
    if not text.strip():
        raise ReportError(f"{path}: is empty; nothing to build")
    return text, (0,)


def extract_report(path: Path, extractor: Extractor) -> ReportRecord:
    """Read and analyse one report file."""
    path = Path(path)
    original, page_starts = read_report_text(path)
    try:
        meta = read_meta(path)
    except MetaError as exc:
        raise ReportError(str(exc)) from None
    slug = report_slug(path)
    ct = clean(original)
    text = ct.text
    sections = extract_sections(text)
    starts = [s.start for s in sections]

    def section_of(offset: int) -> int | None:
        i = bisect.bisect_right(starts, offset) - 1
        return i if i >= 0 and offset < sections[i].end else None

    ex = extract_entities(text, extractor.linker, section_of)
    if len(page_starts) > 1:
        pages = [bisect.bisect_right(page_starts, ct.to_original(s.start, s.end)[0]) for s in ex.sentences]
        ex.sentences = [replace(s, page=p) for s, p in zip(ex.sentences, pages)]
    record = ReportRecord(
        slug=slug, path=str(path), title=meta.title or _title_from_text(text) or _title(path), clean=ct, sections=sections,
        sentences=ex.sentences, entities=ex.entities, mentions=ex.mentions, candidates=ex.candidates,
        focus_countries=ex.focus_countries, model=extractor.model_name, meta=meta,
        publisher=_publisher_key(meta.publisher, extractor.linker.gazetteer),
    )
    add_sites(record, ex.doc, frozenset(load_demonyms()))
    if record.publisher is None and not meta.publisher:
        record.publisher = _publisher_from_text(record)
    _add_outcomes(record, extract_outcomes(text))
    extract_theme_links(record)
    _add_linked_sdgs(record, extractor.linker.gazetteer)
    record.relations = extract_relations(record, extractor.linker.gazetteer, ex.doc)
    record.results = extract_results(record)
    return record


def _add_linked_sdgs(record: ReportRecord, gazetteer: Gazetteer) -> None:
    """SDGs reached only through themes still need their gazetteer description in the record."""
    for key in {t.sdg for t in record.theme_ties} | {l.sdg for l in record.sdg_links}:
        if key not in record.entities and key in gazetteer.entities:
            record.entities[key] = gazetteer.entities[key]


# The lines a report opens with: its title and header. Generic headings there are not its title.
HEADER_LINES = 5
HEADER_WORDS = 12
PUBLISHER_RANK = 2
_GENERIC_HEADINGS = frozenset({"highlights", "summary", "executive summary", "contents", "table of contents",
                               "introduction", "overview", "situation overview", "key messages", "key figures", "in numbers",
                               "background"})


def _opening_lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line), line.strip()))
            if len(out) == HEADER_LINES:
                break
        pos += len(line) + 1
    return out


def _title_from_text(text: str) -> str | None:
    """The report's title when no metadata gives one: its first line that reads as a title."""
    for _, _, line in _opening_lines(text):
        words = line.split()
        if 2 <= len(words) <= 15 and not line.endswith(".") and line.casefold() not in _GENERIC_HEADINGS \
                and sum(ch.isalpha() for ch in line) >= 6:
            return " ".join(words)
    return None


def _publisher_from_text(record: ReportRecord) -> str | None:
    """The organisation a report's title or header names (short opening lines); of several, the one the
    report names most (a header may name the fund an application is made to as well as the applicant)."""
    named = []
    for start, end, line in _opening_lines(record.clean.text):
        if len(line.split()) > HEADER_WORDS or line.endswith("."):
            continue                     # a sentence, not a title or header line
        named += [m.key for m in record.mentions if start <= m.start < end and record.entities[m.key].kind in organisation_kinds()]
    if not named:
        return None
    counts = Counter(m.key for m in record.mentions if record.entities[m.key].kind in organisation_kinds())
    best = max(dict.fromkeys(named), key=lambda k: (counts[k], -named.index(k)))
    # A header also names document series and the fund applied to ("United Nations S/2025/1"): the header's
    # organisation is the publisher only when the report is mostly about it (among the two it names most).
    top = {k for k, _ in counts.most_common(PUBLISHER_RANK)}
    return best if best in top else None


def _title(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").strip()


def _publisher_key(name: str | None, gazetteer: Gazetteer) -> str | None:
    """The gazetteer key of the organisation a metadata file names as publisher (by name or alias)."""
    if not name:
        return None
    wanted = strip_accents(name).casefold()
    for key, info in gazetteer.entities.items():
        if info.kind in organisation_kinds() and key not in gazetteer.scope:
            if any(strip_accents(n).casefold() == wanted for n in (info.label, *info.aliases)):
                return key
    return None


def _add_outcomes(record: ReportRecord, outcomes) -> None:
    """Outcome headings become outcome entities, mentioned in the sentence that holds the heading."""
    sent_starts = [s.start for s in record.sentences]
    for oc in outcomes:
        key = f"outcome/{record.slug}/{oc.number}"
        record.entities[key] = EntityInfo(
            key=key, kind="outcome", label=oc.label, number=oc.number, min_age=oc.min_age, max_age=oc.max_age,
            description=oc.title,
        )
        i = bisect.bisect_right(sent_starts, oc.start) - 1
        if i >= 0:
            record.mentions.append(Mention(key, oc.start, oc.end, record.clean.text[oc.start:oc.end], i))
