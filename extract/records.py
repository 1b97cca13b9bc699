"""Plain records that extraction produces and the graph builder consumes."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntityInfo:
    """A linked entity: a gazetteer entry, a place from ISO 3166, an outcome or a person."""

    key: str                      # stable key, e.g. "org/unicef", "place/ML-6", "sdg/3"; one key, one IRI
    kind: str                     # kind code of the most specific class (ontology rk:kindCode)
    label: str
    aliases: tuple[str, ...] = ()
    extra_kinds: tuple[str, ...] = ()   # further classes, e.g. donor_government for a donor country
    wikidata: str | None = None
    notations: tuple[str, ...] = ()     # ISO 3166 codes, IATI organisation ids
    country: str | None = None          # ISO alpha-2 of the country a region or national body belongs to
    number: int | None = None           # SDG goal number or outcome number
    iri: str | None = None              # an external IRI that is the node itself (SDGs)
    min_age: int | None = None
    max_age: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class Mention:
    key: str          # EntityInfo.key
    start: int        # offsets into the clean text
    end: int
    text: str
    sentence: int     # index into ReportRecord.sentences


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int        # offsets into the clean text
    end: int
    text: str
    section: int | None   # index into ReportRecord.sections


@dataclass(frozen=True)
class Candidate:
    """A name the statistical NER found that the gazetteer does not know."""

    text: str
    ner_label: str
    count: int
    example: str


@dataclass
class ReportRecord:
    """Everything extraction learned from one report, with offsets into its clean text."""

    slug: str
    path: str
    title: str
    clean: object                 # extract.text.CleanText
    sections: list = field(default_factory=list)     # extract.sections.Section
    sentences: list[Sentence] = field(default_factory=list)
    entities: dict[str, EntityInfo] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    focus_countries: tuple[str, ...] = ()
    relations: list = field(default_factory=list)
    results: list = field(default_factory=list)
    model: str = ""

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a clean-text span to offsets in the original file."""
        return self.clean.to_original(start, end)
