"""Organisations beyond the gazetteer: discovered from acronym definitions, name shapes and list slots, on
sentences written for the tests, with the real spaCy model and the real gazetteer."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from extract.discover import DiscoveryError, load_org_lexicon
from extract.report import extract_report


def _record(tmp_path, extractor, text, name="note"):
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return extract_report(path, extractor)


def _discovered(record):
    return {e.label: e for e in record.entities.values() if e.found_by and e.found_by.startswith("discover:")}


def test_acronym_definitions_in_both_orders_merge_with_their_uses(tmp_path, extractor):
    text = ("The Centre for Water Research (CWR) tested 40 wells in Mali. Later the CWR shared its data.\n\n"
            "NDMA (National Disaster Management Authority) staff joined the survey. NDMA led the training.\n")
    found = _discovered(_record(tmp_path, extractor, text))
    assert "Centre for Water Research" in found and "CWR" in found["Centre for Water Research"].aliases
    assert found["Centre for Water Research"].found_by == "discover:acronym-definition"
    assert "National Disaster Management Authority" in found
    assert "NDMA" in found["National Disaster Management Authority"].aliases


def test_name_shapes_give_kinds_and_variants_merge(tmp_path, extractor):
    text = ("In Niger, the National Ministry of Health reported new cases. The Ministry of Health (MoH) and the "
            "Niger Red Cross Society distributed kits. The Civil Protection Directorate repaired two bridges.\n")
    record = _record(tmp_path, extractor, text)
    found = _discovered(record)
    assert found["National Ministry of Health"].kind == "government_body"
    assert {"Ministry of Health", "MoH"} <= set(found["National Ministry of Health"].aliases)
    assert found["Niger Red Cross Society"].kind == "red_cross"
    assert "Civil Protection Directorate" in found
    # a national body is keyed by its country, so two countries' ministries are two nodes
    assert found["National Ministry of Health"].key == "org/ne-national-ministry-of-health"
    assert all(0 < e.confidence <= 1 for e in found.values())


def test_concepts_kinds_of_body_and_documents_are_not_organisations(tmp_path, extractor):
    text = ("Water, sanitation and hygiene (WASH) kits and PPE were sent. The Country Programme Document (CPD) "
            "and UNICEF guide the work. Each village has one Water Committee. The National Society and the "
            "Regional Offices met in March. The Humanitarian Response Plan was published.\n")
    found = _discovered(_record(tmp_path, extractor, text))
    assert not {"WASH", "PPE", "CPD", "Water Committee", "National Society", "Regional Offices"} & set(found)
    assert "Humanitarian Response Plan" not in found


def test_a_bare_acronym_beside_an_organisation_is_one(tmp_path, extractor):
    text = "Teams coordinate with UNICEF and XYZA in the north. The XYZA volunteers cleared roads.\n"
    found = _discovered(_record(tmp_path, extractor, text))
    assert "XYZA" in found and found["XYZA"].found_by in ("discover:list-slot", "discover:cue-slot")


def test_people_need_support_from_the_text(tmp_path, extractor):
    text = ("Minister Amina Diallo opened the school. Families in Kara Banda camp received food. "
            "The Source Trigger Model was reviewed. Peruvian Highland Corridor farmers were reached.\n")
    people = {e.label for e in _record(tmp_path, extractor, text).entities.values() if e.kind == "person"}
    assert "Amina Diallo" in people
    assert not {"Kara Banda", "Peruvian Highland Corridor"} & people


def test_a_broken_lexicon_is_one_clear_error(tmp_path):
    bad = tmp_path / "organisations.json"
    bad.write_text('{"heads": {"ministry": "government_body"},', encoding="utf-8")
    with pytest.raises(DiscoveryError, match=r"organisations.json:\d+: not valid JSON"):
        load_org_lexicon(bad)
    bad.write_text(json.dumps({"heads": []}), encoding="utf-8")
    with pytest.raises(DiscoveryError, match="field 'heads'"):
        load_org_lexicon(bad)


def test_no_junk_person_on_the_bundled_reports(records):
    """What is kept as a person on the bundled reports: names, never places, diseases or phrases."""
    people = sorted(e.label for r in records.values() for e in r.entities.values() if e.kind == "person")
    assert people == ["Assimi Goïta", "Bah Ndaw", "Choguel Kaballa Maïga", "Jean Carlo Roc", "Wanja Kaaria"]


def test_names_with_hyphens_plural_possessives_and_foreign_acronyms(tmp_path, extractor):
    text = ("In Peru, the Andean Centre for Medium-Range Rain Forecasts shared data. The Farmers’ Union of Puno "
            "(CAP) and the Ministry of Agriculture (MIDAGRI) met. The Speaker of the Provincial Water "
            "Assembly spoke. KPLA has launched an appeal for Peru.\n")
    found = _discovered(_record(tmp_path, extractor, text))
    assert "Andean Centre for Medium-Range Rain Forecasts" in found
    assert "Farmers’ Union of Puno" in found and "CAP" in found["Farmers’ Union of Puno"].aliases
    assert "MIDAGRI" in found["Ministry of Agriculture"].aliases     # an acronym of the name in another language
    assert "Provincial Water Assembly" in found                    # the body, not the role
    assert "KPLA" in found                                              # the subject of an organisation's act


def test_people_with_name_particles(tmp_path, extractor):
    text = "In Yemen, the Minister of Planning, Ahmed al-Rashidi, met Sheikh Hamad bin Khalid Al Rashed in Muscat.\n"
    people = {e.label for e in _record(tmp_path, extractor, text).entities.values() if e.kind == "person"}
    assert "Ahmed al-Rashidi" in people


def test_a_name_after_a_role_is_a_person_and_a_town_a_list_names_is_not(tmp_path, extractor):
    """A name in apposition to a role ("the Director of X, Name,") is a person, with the ayn or hamza of a
    transliterated name; a name among the towns a place word lists is a place, whatever the NER says."""
    text = ("In Yemen, the Prime Minister, Khalid Shia‘ Al Hakimi, opened the conference in Aden. On 2 May, the "
            "Director of the National Water Service of Yemen, Samir al-Qadri, visited Mukalla. Officials issued 40 "
            "title deeds to residents in the collective towns of Kafr Sumay and Tall Hadid.\n")
    people = {e.label for e in _record(tmp_path, extractor, text).entities.values() if e.kind == "person"}
    assert people == {"Khalid Shia‘ Al Hakimi", "Samir al-Qadri"}


def test_a_definite_head_names_the_organisation_found_with_that_head(tmp_path, extractor):
    text = ("In Peru, the Independent Electoral Commission met the Supreme Court. Later the Commission "
            "published its plan, and the Court reviewed it.\n")
    record = _record(tmp_path, extractor, text)
    keys = {m.text: m.key for m in record.mentions}
    assert keys["Commission"] == keys["Independent Electoral Commission"]
    assert keys["Court"] == keys["Supreme Court"]


def test_names_in_french_spanish_and_portuguese_start_with_their_head(tmp_path, extractor):
    """A national body named in its own language, head first ("Direction Régionale de la Santé"), with an elided
    article ("d'Accueil") or a one-letter connector ("y"), is an organisation of its head's kind; a Red Cross or a
    "Sans Frontières" NGO by its phrase; a plan or a system named the same way is none."""
    text = ("In Chad, the Commission Nationale d'Accueil des Réfugiés (CNAR) and Docteurs Sans Frontières (DSF) opened a "
            "clinic with the Direction Régionale de la Santé (DRS). The Croix-Rouge Tchadienne helped. In Peru, the "
            "Secretaría de Seguridad Alimentaria y Nutricional (SESAN) updated the Plan de Réponse Humanitaire (PRH) "
            "and the Système d'Alerte Précoce (SAP).\n")
    found = _discovered(_record(tmp_path, extractor, text))
    assert found["Commission Nationale d'Accueil des Réfugiés"].aliases == ("CNAR",)
    assert found["Docteurs Sans Frontières"].kind == "ngo"
    assert found["Direction Régionale de la Santé"].kind == "government_body"
    assert found["Secretaría de Seguridad Alimentaria y Nutricional"].kind == "government_body"
    assert found["Croix-Rouge Tchadienne"].kind == "red_cross"
    assert not {"Plan de Réponse Humanitaire", "Système d'Alerte Précoce", "PRH", "SAP"} & set(found)


def test_the_reports_own_country_after_a_name_and_behind_a_bare_head(tmp_path, extractor):
    """In a report on Peru, "the Ministry of Agriculture of Peru" is the "Ministry of Agriculture" it also
    names (labelled without the country, so one IRI across reports), and "the Government" is the Government of
    Peru even just after a regional government was named."""
    text = ("In Peru, the Government of Peru and the Ministry of Agriculture of Peru met farmers. The Ministry of "
            "Agriculture trained 300 of them in Cusco. The Regional Government of Cusco opened two stores. Later "
            "the Government said the stores would stay open.\n")
    record = _record(tmp_path, extractor, text)
    keys = {}
    for m in record.mentions:
        keys.setdefault(m.text, set()).add(m.key)
    assert keys["Ministry of Agriculture of Peru"] == keys["Ministry of Agriculture"]
    assert record.entities[next(iter(keys["Ministry of Agriculture"]))].label == "Ministry of Agriculture"
    assert keys["Government"] == keys["Government of Peru"] != keys["Regional Government of Cusco"]


def test_a_later_short_form_of_a_persons_name_is_that_person(tmp_path, extractor):
    text = ("In Yemen, the Minister of Foreign Affairs, Ahmed Salim Bahr Karim, visited Oman. "
            "On 3 May, Bahr Karim met the Prime Minister.\n")
    record = _record(tmp_path, extractor, text)
    people = {e.label for e in record.entities.values() if e.kind == "person"}
    assert "Ahmed Salim Bahr Karim" in people and "Bahr Karim" not in people


def test_a_un_programme_is_an_agency_though_a_programme_is_no_organisation(tmp_path, extractor):
    text = ("In Peru, UNICEF met the United Nations Coastal Resilience Programme. The Water Programme of "
            "the city was reviewed.\n")
    found = _discovered(_record(tmp_path, extractor, text))
    assert found["United Nations Coastal Resilience Programme"].kind == "un_agency"
    assert "Water Programme" not in found
