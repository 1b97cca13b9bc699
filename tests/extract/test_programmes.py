"""Programmes, projects, plans and frameworks beyond the gazetteer: discovered from name shapes, quoted names,
acronym definitions and titles, on sentences written for the tests, with the real spaCy model and gazetteer."""
from __future__ import annotations

import json

import pytest

from extract.programmes import ProgrammeLexiconError, load_programme_lexicon
from extract.report import extract_report


def _record(tmp_path, extractor, text, name="note"):
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return extract_report(path, extractor)


def _programmes(record):
    return {e.label: e for e in record.entities.values()
            if e.found_by and e.found_by.startswith("programmes:")}


@pytest.mark.parametrize("sentence, label, kind", [
    ("In Kenya, the Coastal Resilience Window paid for new dykes in 2024.", "Coastal Resilience Window", "programme"),
    ("In Kenya, the ministry adopted the Drought Early Action Framework last year.",
     "Drought Early Action Framework", "framework"),
    ("In Kenya, the Green Schools Project built 30 classrooms.", "Green Schools Project", "programme"),
    ("In Kenya, the Clean Hands Campaign reached 5,000 families.", "Clean Hands Campaign", "programme"),
    ("In Kenya, the Blue Water Programme repaired 12 boreholes.", "Blue Water Programme", "programme"),
    ("In Kenya, the Rural Roads Initiative opened two bridges.", "Rural Roads Initiative", "initiative"),
    ("In Kenya, the Integrated Strategy for the Lakes guides the work.", "Integrated Strategy for the Lakes",
     "framework"),
    ("In Kenya, the Urban Flood Recovery Plan was approved in May.", "Urban Flood Recovery Plan", "framework"),
    ("In Kenya, the National Water and Sanitation Policy was revised.", "National Water and Sanitation Policy",
     "framework"),
    ("In Kenya, the Livestock Early Warning System covers six counties.", "Livestock Early Warning System",
     "programme"),
])
def test_a_capitalised_name_ending_in_a_head_is_a_programme_of_its_kind(tmp_path, extractor, sentence, label, kind):
    found = _programmes(_record(tmp_path, extractor, sentence + "\n"))
    assert label in found, sorted(found)
    assert found[label].kind == kind
    assert found[label].found_by == "programmes:name-shape"
    assert found[label].confidence == 0.8


def test_a_capitalised_name_before_a_lower_case_head_is_a_programme(tmp_path, extractor):
    record = _record(tmp_path, extractor, "In Kenya, the Northern Highway project links three towns.\n")
    found = _programmes(record)
    assert found["Northern Highway project"].found_by == "programmes:named-head"
    assert found["Northern Highway project"].kind == "programme"


@pytest.mark.parametrize("sentence, label, kind", [
    ("In Kenya, the agency launched the \u201cLight the Way Home\u201d initiative for returnees.",
     "Light the Way Home", "initiative"),
    ("In Kenya, partners support the updated \u201cSafe Rivers\u201d plan of the Government.", "Safe Rivers",
     "framework"),
])
def test_a_quoted_name_before_a_head_is_a_programme_named_by_its_quoted_words(tmp_path, extractor, sentence,
                                                                              label, kind):
    record = _record(tmp_path, extractor, sentence + "\n")
    found = _programmes(record)
    assert label in found, sorted(found)
    assert found[label].kind == kind and found[label].found_by == "programmes:quoted-name"
    texts = {m.text for m in record.mentions if m.key == found[label].key}
    assert any(t.startswith("\u201c") for t in texts)      # the mention is the quoted name with its head


def test_acronym_definitions_in_both_orders_name_a_programme_and_its_uses(tmp_path, extractor):
    text = ("In Kenya, the health office expanded the Flood Alert, Warning and Response System (FAWRS) to 40 "
            "clinics. FAWRS now sends daily alerts.\n\n"
            "GSP (Green Seeds Programme) gave seeds to 900 farmers in Kenya.\n")
    record = _record(tmp_path, extractor, text)
    found = _programmes(record)
    system = found["Flood Alert, Warning and Response System"]
    assert system.found_by == "programmes:acronym-definition" and "FAWRS" in system.aliases
    uses = [m.text for m in record.mentions if m.key == system.key]
    assert sorted(uses) == ["FAWRS", "FAWRS", "Flood Alert, Warning and Response System"]
    assert "GSP" in found["Green Seeds Programme"].aliases


def test_a_title_the_report_refers_back_to_is_a_programme(tmp_path, extractor):
    text = ("Malaria prevention and control plan\n\n"
            "In Kenya, the control plan is funded at 40 per cent and more funds are needed.\n")
    record = _record(tmp_path, extractor, text)
    found = _programmes(record)
    plan = found["Malaria prevention and control plan"]
    assert plan.found_by == "programmes:title-phrase" and plan.kind == "framework"
    assert "the control plan" not in {e.label for e in record.entities.values()}
    assert {m.text for m in record.mentions if m.key == plan.key} == {"Malaria prevention and control plan",
                                                                     "control plan"}


def test_an_acronym_form_and_a_shorter_name_merge_into_one_programme(tmp_path, extractor):
    text = ("Lake Basin Flood Preparedness Framework\n\n"
            "In Kenya, the Flood Preparedness Framework sets triggers. Partners use the FP Framework to plan. "
            "The flood preparedness framework is reviewed each year.\n")
    record = _record(tmp_path, extractor, text)
    found = _programmes(record)
    assert list(found) == ["Lake Basin Flood Preparedness Framework"]
    key = found["Lake Basin Flood Preparedness Framework"].key
    texts = {m.text for m in record.mentions if m.key == key}
    assert {"Flood Preparedness Framework", "FP Framework", "flood preparedness framework"} <= texts


@pytest.mark.parametrize("text", [
    "In Kenya, the programme reached 400 schools and our response continued.",
    "In Kenya, activities under the project resumed in March.",
    "In Kenya, the agency drafted an action plan and two Action Plans for the counties.",
    "In Kenya, the Action Plan was approved.",
    "In Kenya, the agency has not created a separate \u201cEarly Relief\u201d window.",
    "In Kenya, the partners of the United Nations system met twice.",
    "4. Flood Response Plan",
    "In Kenya, the UNICEF programme and the Kenya plan were reviewed.",
    "FLOOD RESPONSE PLAN",
])
def test_generic_phrases_kinds_and_headings_are_no_programmes(tmp_path, extractor, text):
    assert _programmes(_record(tmp_path, extractor, text + "\n")) == {}


def test_organisations_and_gazetteer_programmes_stay_as_they_are(tmp_path, extractor):
    text = ("In Mali, the World Food Programme and the Central Emergency Response Fund supported the "
            "Back-to-School campaign.\n")
    record = _record(tmp_path, extractor, text)
    assert _programmes(record) == {}
    kinds = {e.label: e.kind for e in record.entities.values()}
    assert kinds.get("WFP") == "un_agency" and kinds.get("Back-to-School campaign") == "programme"
    assert "org/cerf" in record.entities


def test_the_same_programme_is_one_key_across_reports_and_a_generic_name_is_scoped_by_country(tmp_path, extractor):
    one = _programmes(_record(tmp_path, extractor, "In Kenya, the Blue Water Programme dug wells.\n", "one"))
    two = _programmes(_record(tmp_path, extractor, "In Chad, the Blue Water Programme dug wells.\n", "two"))
    assert one["Blue Water Programme"].key == two["Blue Water Programme"].key == "programme/blue-water-programme"
    hrp = _programmes(_record(tmp_path, extractor, "In Kenya, the Humanitarian Response Plan is funded.\n", "h"))
    assert hrp["Humanitarian Response Plan"].key == "framework/ke-humanitarian-response-plan"


def test_a_broken_lexicon_is_one_clear_error(tmp_path):
    bad = tmp_path / "programmes.json"
    data = json.loads(load_programme_lexicon.__wrapped__.__defaults__[0].read_text(encoding="utf-8"))
    del data["heads"]
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProgrammeLexiconError, match="heads"):
        load_programme_lexicon(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ProgrammeLexiconError, match=r"programmes.json:1"):
        load_programme_lexicon(bad)


def test_this_plan_in_a_programmes_own_document_is_that_programme(tmp_path, extractor):
    text = ("River Basin Flood Preparedness Framework\n\n"
            "In Kenya, this framework sets the triggers for early action. Donors fund this plan through the "
            "pooled fund. The present framework runs for two years.\n")
    record = _record(tmp_path, extractor, text)
    found = _programmes(record)
    key = found["River Basin Flood Preparedness Framework"].key
    texts = [m.text for m in record.mentions if m.key == key]
    assert {"this framework", "this plan", "present framework"} <= set(texts), texts


def test_this_plan_elsewhere_is_no_programme(tmp_path, extractor):
    text = "Annual brief 2025\n\nIn Kenya, this plan sets the triggers for early action.\n"
    assert _programmes(_record(tmp_path, extractor, text)) == {}
