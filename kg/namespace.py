"""The vocabularies the graph is written in: the reportkg ontology as an rdflib namespace (a misspelt term raises
instead of minting a new IRI), the reused ones, the IRI bases and the prefixes files and queries use."""
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS, DefinedNamespace, Namespace
from rdflib.term import URIRef

ONTOLOGY_NS = "https://w3id.org/reportkg/ontology#"


class RK(DefinedNamespace):
    """Terms declared in ontology/reportkg.ttl (a test checks the two agree)."""

    _fail = True
    _NS = Namespace(ONTOLOGY_NS)

    Activity: URIRef
    Agreement: URIRef
    ArmedGroup: URIRef
    CoordinationBody: URIRef
    Country: URIRef
    DonorGovernment: URIRef
    Entity: URIRef
    FinancialInstitution: URIRef
    Framework: URIRef
    Funding: URIRef
    GlobalFund: URIRef
    GovernmentBody: URIRef
    Implementation: URIRef
    Initiative: URIRef
    IntergovernmentalOrganization: URIRef
    Locality: URIRef
    Membership: URIRef
    Mention: URIRef
    NGO: URIRef
    Organization: URIRef
    RedCrossSociety: URIRef
    Outcome: URIRef
    Partnership: URIRef
    Person: URIRef
    Place: URIRef
    Procurement: URIRef
    Programme: URIRef
    Region: URIRef
    Relation: URIRef
    Report: URIRef
    Result: URIRef
    SDG: URIRef
    SdgContribution: URIRef
    Section: URIRef
    Sentence: URIRef
    SupranationalRegion: URIRef
    Technology: URIRef
    Theme: URIRef
    UnAgency: URIRef
    UnBody: URIRef
    UnService: URIRef
    actsIn: URIRef
    comparison: URIRef
    contributesTo: URIRef
    denotes: URIRef
    description: URIRef
    evidence: URIRef
    fundedBy: URIRef
    funds: URIRef
    goalNumber: URIRef
    hasTheme: URIRef
    implementedBy: URIRef
    implements: URIRef
    inReport: URIRef
    inSection: URIRef
    inSentence: URIRef
    kindCode: URIRef
    # the annotations that declare a relation kind on its class (extract.kinds.load_relation_kinds)
    relationCode: URIRef
    subjectRole: URIRef
    objectRole: URIRef
    shortcut: URIRef
    subjectPlace: URIRef
    objectPlace: URIRef
    forwardLabel: URIRef
    backwardLabel: URIRef
    subjectNoun: URIRef
    objectNoun: URIRef
    maxAge: URIRef
    mentionCount: URIRef
    mentionedIn: URIRef
    minAge: URIRef
    outcome: URIRef
    outcomeNumber: URIRef
    page: URIRef
    participant: URIRef
    foundBy: URIRef
    confidence: URIRef
    operatesIn: URIRef
    partnersWith: URIRef
    programme: URIRef
    place: URIRef
    procuresThrough: URIRef
    recipient: URIRef
    sdg: URIRef
    section: URIRef
    sectionIndex: URIRef
    servesSdg: URIRef
    servesTarget: URIRef
    signedAgreementWith: URIRef
    stated: URIRef
    theme: URIRef
    weight: URIRef
    what: URIRef
    who: URIRef


BASE = "https://w3id.org/reportkg/"
SDG_BASE = "http://metadata.un.org/sdg/"
WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/"

# The reused vocabularies, closed like RK: the terms the code and the ontology's Turtle use, and no others, so a
# misspelt term raises (tests/test_namespaces.py checks the Turtle uses none that is not listed here).
class OA(DefinedNamespace):
    """Web Annotation: text spans."""

    _fail = True
    _NS = Namespace("http://www.w3.org/ns/oa#")

    TextPositionSelector: URIRef
    TextQuoteSelector: URIRef
    end: URIRef
    exact: URIRef
    start: URIRef


class SCHEMA(DefinedNamespace):
    """schema.org: places, funding, report descriptions."""

    _fail = True
    _NS = Namespace("http://schema.org/")

    AdministrativeArea: URIRef
    Country: URIRef
    CreativeWork: URIRef
    MonetaryAmount: URIRef
    MonetaryGrant: URIRef
    Person: URIRef
    Place: URIRef
    Project: URIRef
    Report: URIRef
    SoftwareApplication: URIRef
    agent: URIRef
    amount: URIRef
    containedInPlace: URIRef
    currency: URIRef
    funder: URIRef
    latitude: URIRef
    longitude: URIRef
    url: URIRef
    value: URIRef


class ORG(DefinedNamespace):
    """The W3C Organization Ontology: organisations and memberships."""

    _fail = True
    _NS = Namespace("http://www.w3.org/ns/org#")

    FormalOrganization: URIRef
    Membership: URIRef
    Organization: URIRef
    member: URIRef
    memberOf: URIRef
    organization: URIRef


class SDGO(DefinedNamespace):
    """The UN's SDG ontology."""

    _fail = True
    _NS = Namespace("http://metadata.un.org/sdg/ontology#")

    Goal: URIRef


class QB(DefinedNamespace):
    """RDF Data Cube: quantitative results."""

    _fail = True
    _NS = Namespace("http://purl.org/linked-data/cube#")

    DataSet: URIRef
    Observation: URIRef
    dataSet: URIRef


class FRAPO(DefinedNamespace):
    """The Funding, Research Administration and Projects Ontology."""

    _fail = True
    _NS = Namespace("http://purl.org/cerif/frapo/")

    funds: URIRef
    isFundedBy: URIRef


class SDMX_DIM(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")

    refArea: URIRef
    refPeriod: URIRef


class SDMX_MEASURE(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")

    obsValue: URIRef


class SDMX_ATTR(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")

    unitMeasure: URIRef


# Each reused vocabulary by the prefix files and queries write it with.
REUSED = {"oa": OA, "schema": SCHEMA, "org": ORG, "sdgo": SDGO, "qb": QB, "frapo": FRAPO, "prov": PROV,
          "sdmx-dimension": SDMX_DIM, "sdmx-measure": SDMX_MEASURE, "sdmx-attribute": SDMX_ATTR}
PREFIXES = {"rk": Namespace(str(RK)), **{p: Namespace(str(REUSED[p])) for p in ("oa", "schema", "org", "sdgo", "qb", "frapo")},
            "skos": SKOS, "prov": PROV, "dct": DCTERMS, "owl": OWL, "sdg": Namespace(SDG_BASE),
            "wd": Namespace(WIKIDATA), **{p: Namespace(str(REUSED[p])) for p in ("sdmx-dimension", "sdmx-measure",
                                                                                  "sdmx-attribute")},
            "id": Namespace(BASE + "id/"), "report": Namespace(BASE + "report/")}
