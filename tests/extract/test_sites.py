"""Camps and settlements no gazetteer lists, found by the shape of their names, on sentences written for the
tests (invented camp names), with the real spaCy model, the real gazetteer and the real graph builder."""
from __future__ import annotations

import json

import pytest
from rdflib import OWL, RDF, URIRef

from extract.report import extract_report
from extract.sites import LEXICON, SiteError, load_site_lexicon
from kg.build.iris import entity_iri
from kg.build.reports import build
from kg.namespace import RK

SCHEMA = "http://schema.org/"


def _record(tmp_path, extractor, text, name="note"):
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return extract_report(path, extractor)


def _camps(record):
    return {e.label: e for e in record.entities.values() if (e.found_by or "").startswith("discover:site")}


def test_a_camp_is_a_place_of_action(tmp_path, extractor):
    record = _record(tmp_path, extractor,
                     "In Peru, the Andean Water Institute distributed kits in the Nueva Esperanza camp.\n")
    camp = _camps(record)["Nueva Esperanza camp"]
    assert (camp.kind, camp.key, camp.country, camp.region) == ("place_local", "place/pe-nueva-esperanza-camp", "PE", None)
    assert camp.found_by == "discover:site-name" and 0 < camp.confidence <= 1
    assert camp.geonames is None and camp.wikidata is None
    assert [m.text for m in record.mentions if m.key == camp.key] == ["Nueva Esperanza camp"]
    acts = [(r.subject, r.places) for r in record.relations if r.kind == "activity"]
    assert ("org/andean-water-institute", (camp.key,)) in acts


def test_listed_camps_tie_to_the_region_named_with_them(tmp_path, extractor):
    text = ("In Kenya, the society supplied water to the Garissa camps of Al Qamar and Bayt Nour and to the "
            "Turkana camp of Wadi Zeitoun. The Tala and Miro camps in Marsabit received tents. "
            "Kits reached Ras Harun Camp in Turkana.\n")
    camps = _camps(_record(tmp_path, extractor, text))
    assert {label: e.region for label, e in camps.items()} == {
        "Al Qamar camp": "KE-07", "Bayt Nour camp": "KE-07", "Wadi Zeitoun camp": "KE-43",
        "Tala camp": "KE-25", "Miro camp": "KE-25", "Ras Harun camp": "KE-43"}
    assert camps["Bayt Nour camp"].found_by == "discover:site-list"


def test_a_camp_in_another_country_lies_there(tmp_path, extractor):
    text = ("In Chad, 3,000 households returned to Chad from the Tala camp in the north-eastern part of "
            "Cameroon. In Chad, the Ministry prepared the Sabah Nour camp.\n")
    camps = _camps(_record(tmp_path, extractor, text))
    assert (camps["Tala camp"].country, camps["Tala camp"].key) == ("CM", "place/cm-tala-camp")
    assert camps["Sabah Nour camp"].country == "TD"


def test_spellings_of_one_camp_merge(tmp_path, extractor):
    text = ("In Uganda, the Al Qamar camp was flooded. Tents were erected in the Qamar camp. Volunteers cleaned "
            "Alqamar camp. Later the Qamar site reopened and schools in Al Qamar reopened.\n")
    record = _record(tmp_path, extractor, text)
    camps = _camps(record)
    assert list(camps) == ["Al Qamar camp"]
    camp = camps["Al Qamar camp"]
    assert camp.key == "place/ug-qamar-camp" and {"Qamar", "Alqamar"} <= set(camp.aliases)
    said = [m.text for m in record.mentions if m.key == camp.key]
    assert said == ["Al Qamar camp", "Qamar camp", "Alqamar camp", "Qamar site", "Al Qamar"]


def test_other_shapes_of_camp_names(tmp_path, extractor):
    text = ("In Ethiopia, WFP delivered food to Camp Nakhla, the Umm Salam informal settlement and the Wadi Sitt IDP "
            "site. The Kalbas refugee camp grew. Families moved to what is known as Sabil camp.\n")
    camps = _camps(_record(tmp_path, extractor, text))
    assert set(camps) == {"Nakhla camp", "Umm Salam settlement", "Wadi Sitt site", "Kalbas camp", "Sabil camp"}
    assert camps["Nakhla camp"].found_by == "discover:site-title"


def test_generic_phrases_are_no_camps(tmp_path, extractor):
    text = ("In Kenya, the camps were flooded. Refugee camps and IDP camps need water. A camp and two transit camps "
            "opened. Three refugee camps were affected. The Camp Coordination and Camp Management "
            "cluster met. The vaccination camp and the site were closed. Teams visited the Garissa camps. The Tala and "
            "Miro sites were closed.\n")
    assert _camps(_record(tmp_path, extractor, text)) == {}


def test_a_camp_named_for_a_town_is_the_camp(tmp_path, extractor):
    record = _record(tmp_path, extractor, "In Kenya, the agency supports the Kakuma refugee camp.\n")
    camp = _camps(record)["Kakuma camp"]
    assert camp.region == "KE-43"                 # the town's region
    assert not [m for m in record.mentions if m.text == "Kakuma"]   # no separate mention of the town
    assert not [e for e in record.entities.values() if e.geonames and e.label == "Kakuma"]


def test_camps_in_the_graph_conform_and_say_how_they_were_found(tmp_path, extractor):
    path = tmp_path / "camps-note.txt"
    path.write_text("In Kenya, the society distributed kits in the Garissa camps of Al Qamar and Bayt Nour.\n",
                    encoding="utf-8")
    b = build([path], extractor)
    assert b.conformance.conforms, b.conformance.report
    node = entity_iri("place/ke-qamar-camp")
    triples = {t for g in b.dataset.graphs() for t in g.triples((node, None, None))}
    assert (node, RDF.type, RK.Locality) in triples
    assert (node, URIRef(SCHEMA + "containedInPlace"), entity_iri("place/KE-07")) in triples
    assert {str(o) for _, p, o in triples if p == RK.foundBy} == {"discover:site-list"}
    assert {p for _, p, _ in triples} & {OWL.sameAs} == set()


def test_the_bundled_reports_name_no_camp(records):
    assert {slug: _camps(r) for slug, r in records.items() if _camps(r)} == {}


def test_a_malformed_lexicon_is_one_clear_error(tmp_path):
    data = json.loads(LEXICON.read_text(encoding="utf-8"))
    data["heads"] = ["camp"]
    path = tmp_path / "sites.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    with pytest.raises(SiteError, match=r"sites\.json:\d+: field 'heads' is missing or not a dict"):
        load_site_lexicon(path)


def test_a_named_reception_centre_is_a_site_not_an_organisation(tmp_path, extractor):
    record = _record(tmp_path, extractor,
                     "In Peru, the Andean Water Institute supports returnees at the Lago Rehabilitation Centre. The "
                     "Lago Rehabilitation Centre houses 900 people.\n")
    camps = _camps(record)
    assert "Lago Rehabilitation Centre" in camps and camps["Lago Rehabilitation Centre"].kind == "place_local"
    assert not [e for e in record.entities.values() if e.label == "Lago Rehabilitation Centre" and e.kind != "place_local"]


def test_a_centre_without_a_facility_word_or_a_name_is_no_site(tmp_path, extractor):
    record = _record(tmp_path, extractor,
                     "In Peru, the Centre for Rain Research and the Andean Water Centre opened cholera treatment "
                     "centres. The reception centre closed.\n")
    assert _camps(record) == {}
    assert {"Centre for Rain Research", "Andean Water Centre"} <= {e.label for e in record.entities.values()}
