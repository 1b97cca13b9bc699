"""The reportkg ontology as an rdflib namespace: a misspelt term raises instead of minting a new IRI."""
from rdflib.namespace import DefinedNamespace, Namespace
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
    partnersWith: URIRef
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
