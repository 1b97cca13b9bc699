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
    country: str | None = None          # ISO alpha-2 of the country a region, town or national body belongs to
    region: str | None = None           # ISO 3166-2 code of the admin-1 region a town lies in, when known
    geonames: str | None = None         # GeoNames id of a town
    lat: float | None = None            # a town's position (GeoNames)
    lon: float | None = None
    number: int | None = None           # SDG goal number or outcome number
    iri: str | None = None              # an external IRI that is the node itself (SDGs)
    min_age: int | None = None
    max_age: int | None = None
    description: str | None = None
    found_by: str | None = None         # how a discovered entity (not in the gazetteer) was found, e.g. "discover:acronym-definition"
    confidence: float | None = None     # how sure that finding is, in [0, 1]; None for curated entries


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
    page: int | None = None   # 1-based page number, for PDF reports


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
    relations: list = field(default_factory=list)      # Relation
    themes: list = field(default_factory=list)         # Theme (those used by this report)
    theme_mentions: dict = field(default_factory=dict) # theme key -> indices of the sentences that name it
    themes_by_sentence: list = field(default_factory=list)  # per sentence: themes named or carried on (themes.sentence_themes)
    theme_ties: list = field(default_factory=list)     # ThemeTie
    sdg_links: list = field(default_factory=list)      # SdgLink
    programme_sdgs: list = field(default_factory=list) # SdgLink whose `outcome` is a programme's key (themes.link_programmes)
    results: list = field(default_factory=list)        # Result
    model: str = ""
    meta: object = None           # extract.metadata.ReportMeta: what the report's .meta.json says
    publisher: str | None = None  # gazetteer key of the publisher the metadata names, when known

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a clean-text span to offsets in the original file."""
        return self.clean.to_original(start, end)


@dataclass(frozen=True)
class Relation:
    """A relation read from one sentence.

    partnership: participants work together (subject may be None: all participants are peers).
    funding: subject funds each object (the recipients), optional amount and currency.
    membership: subject is a member of each object.
    activity: work (description) done by subject/objects in places (places of action).
    procurement: subject procures through each object (a facility).
    agreement: subject signed an agreement or action plan with each object.
    implementation: subject implements or leads each object (programmes), in places; no subject: the
    programmes work in the places.
    """

    kind: str                           # relation code of its class (ontology rk:relationCode; extract.kinds)
    sentence: int                       # index into ReportRecord.sentences (the evidence)
    subject: str | None = None          # entity key
    objects: tuple[str, ...] = ()       # entity keys
    theme: str | None = None            # theme key, e.g. "theme/logistics"
    places: tuple[str, ...] = ()        # place entity keys
    description: str | None = None      # short text of the activity or context
    amount: float | None = None
    currency: str | None = None
    component: str = "relations"        # the extraction component that read it
    cue: str | None = None              # the cue (lexicon entry or rule) that fired
    confidence: float = 0.8             # how sure the reading is, in [0, 1]


@dataclass(frozen=True)
class ThemeTie:
    """A theme serves an SDG: stated by the report (with its sentence) or from the default mapping."""

    theme: str                          # theme key
    sdg: str                            # SDG key, e.g. "sdg/6"
    stated: bool
    sentence: int | None = None
    target: str | None = None           # e.g. "6.1"


@dataclass(frozen=True)
class SdgLink:
    """An outcome serves an SDG, through themes found in the outcome's sentences."""

    outcome: str                        # outcome key
    sdg: str                            # SDG key
    weight: float                       # 0..1, share of the outcome's text that serves the SDG
    stated: bool                        # the theme-to-SDG tie is the report's own
    themes: tuple[str, ...]
    sentences: tuple[int, ...]          # evidence sentence indexes


@dataclass(frozen=True)
class Theme:
    key: str                            # "theme/health"
    label: str
    sdgs: tuple[int, ...] = ()
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """A number reporting what was achieved (an RDF Data Cube observation)."""

    value: float
    unit: str                           # people, children, households, schools, doses, percent, USD, ...
    what: str
    sentence: int
    start: int                          # clean-text span of the number as written
    end: int
    who: str | None = None
    year: int | None = None
    places: tuple[str, ...] = ()        # place keys
    outcome: str | None = None          # outcome key
    sdgs: tuple[str, ...] = ()          # SDG keys the result serves (via its themes)
    comparison: bool = False            # an earlier or reference value ("92% in 2020"), not the achievement
