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
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
QB = Namespace("http://purl.org/linked-data/cube#")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
SDMX_DIM = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
PREFIXES = {"rk": Namespace(str(RK)), "oa": OA, "schema": SCHEMA, "org": ORG, "sdgo": SDGO, "qb": QB, "frapo": FRAPO,
            "skos": SKOS, "prov": PROV, "dct": DCTERMS, "owl": OWL, "sdg": Namespace(SDG_BASE),
            "wd": Namespace(WIKIDATA), "sdmx-dimension": SDMX_DIM, "sdmx-measure": SDMX_MEASURE,
            "sdmx-attribute": SDMX_ATTR, "id": Namespace(BASE + "id/"), "report": Namespace(BASE + "report/")}
