"""International organisations every report of this family may name, and a sentence the parser would cut after a lone name."""
from __future__ import annotations

import pytest

from extract.report import extract_report


def _record(tmp_path, extractor, text: str):
    path = tmp_path / "note.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return extract_report(path, extractor)


def test_a_sentence_goes_on_after_a_lone_name_when_the_next_word_is_in_lower_case(tmp_path, extractor):
    record = _record(tmp_path, extractor, "Coordination\n\nAWI co-chairs the Shelter Cluster with the Ministry of "
                                          "Water of Peru.")
    texts = [s.text for s in record.sentences]
    assert texts == ["Coordination", "AWI co-chairs the Shelter Cluster with the Ministry of Water of Peru."], texts


@pytest.mark.parametrize("text, key, kind", [
    ("Peru: The International Federation of Red Cross and Red Crescent Societies (IFRC) supports the Peruvian Red "
     "Cross in Cusco.", "org/ifrc", "red_cross"),
    ("Peru: The ICRC visited detainees in Cusco.", "org/icrc", "red_cross"),
    ("Peru: Save the Children and the Norwegian Refugee Council (NRC) repaired schools in Cusco.",
     "org/save-the-children", "ngo"),
    ("Peru: Save the Children and the Norwegian Refugee Council (NRC) repaired schools in Cusco.",
     "org/norwegian-refugee-council", "ngo"),
    ("Peru: Médecins Sans Frontières (MSF) opened a clinic in Cusco.", "org/msf", "ngo"),
    # the European Union's humanitarian office by its public name, not the Union itself
    ("Peru: The response is funded by the European Union Humanitarian Aid (ECHO).", "org/echo", "intergovernmental"),
])
def test_international_organisations_are_listed_with_their_kind(tmp_path, extractor, text, key, kind):
    record = _record(tmp_path, extractor, text)
    assert key in record.entities and record.entities[key].kind == kind, sorted(record.entities)
    orgs = {k for k, e in record.entities.items() if k.startswith("org/")}
    assert not orgs & {"org/red-crescent-societies", "org/european-union"}, orgs   # one long name, one body


def _partners(record) -> set[frozenset]:
    return {frozenset(record.entities[k].label for k in pair)
            for r in record.relations if r.kind == "partnership"
            for pair in [(a, b) for a in (r.subject, *r.objects) for b in r.objects if a and a != b]}


def test_a_name_the_ner_calls_an_organisation_in_a_partner_list_and_a_name_its_kind_noun_announces(tmp_path,
                                                                                                  extractor):
    record = _record(tmp_path, extractor, "Peru: In partnership with Pachamanka and the local NGO Asociación Tierra "
                                          "Viva, the Ministry of Water trained 120 volunteers in Cusco.")
    kinds = {e.label: e.kind for e in record.entities.values()}
    assert kinds.get("Pachamanka") == "organization" and kinds.get("Asociación Tierra Viva") == "ngo", kinds
    assert {frozenset({"Ministry of Water", "Pachamanka"}),
            frozenset({"Ministry of Water", "Asociación Tierra Viva"})} <= _partners(record), _partners(record)


@pytest.mark.parametrize("text", [
    "Peru: Challenges remain for the Government and the Global Alliances in Cusco.",   # head nouns, no names
    "Peru: The Special Representative met the Andean Water Institute in Cusco.",        # a role
])
def test_no_name_from_head_nouns_or_roles(tmp_path, extractor, text):
    record = _record(tmp_path, extractor, text)
    labels = {e.label for e in record.entities.values()}
    assert not labels & {"Government", "Global Alliances", "Special Representative", "Challenges"}, labels


def test_who_leads_a_coordination_body_with_another_works_with_that_other(tmp_path, extractor):
    record = _record(tmp_path, extractor, "Peru: The Andean Water Institute co-leads the Water Cluster with the "
                                          "Ministry of Water and chairs the working group in Cusco.")
    partners = _partners(record)
    assert frozenset({"Andean Water Institute", "Ministry of Water"}) in partners, partners
    assert not any("Water Cluster" in p for p in partners), partners


def test_every_bullet_under_a_donor_lead_in_funds_the_publisher(tmp_path, extractor):
    record = _record(tmp_path, extractor, "Andean Water Institute Annual Report 2024\n\nPeru: the Andean Water "
                     "Institute (AWI) repaired 30 wells in Cusco.\n\nWe thank our donors:\n"
                     "• Norwegian Ministry of Water\n"
                     "• U.S. Department of State Bureau of Population, Refugees, and Migration of the United States of "
                     "America, for its steady support over many years\n"
                     "• European Union Humanitarian Aid\n\nFinance\n\nThe Ministry of Water of Peru audited the "
                     "accounts.")
    funders = {record.entities[r.subject].label for r in record.relations if r.kind == "funding"}
    assert {"Norwegian Ministry of Water", "ECHO"} <= funders, funders
    assert any(f.startswith("U.S. Department of State") for f in funders), funders
    assert "Ministry of Water of Peru" not in funders and "Ministry of Water" not in funders, funders


@pytest.mark.parametrize("text, key", [
    ("Peru: The Norwegian Ministry of Water funded the Andean Water Institute.",
     "org/no-norwegian-ministry-of-water"),
    ("Peru: The Swedish Ministry of Health met the Andean Water Institute in Cusco.", "org/se-swedish-ministry-of-health"),
])
def test_a_government_body_named_with_a_nationality_is_that_countrys(tmp_path, extractor, text, key):
    record = _record(tmp_path, extractor, text)
    assert key in record.entities and record.entities[key].country == key[4:6].upper(), sorted(record.entities)


REPORT = "Andean Water Institute: Peru Situation Report No. 3\n\nPeru: The Andean Water Institute repaired wells in Cusco. "


def _fundings(record) -> set[tuple[str, str]]:
    return {(record.entities[r.subject].label, record.entities[o].label)
            for r in record.relations if r.kind == "funding" and r.subject for o in r.objects}


@pytest.mark.parametrize("text, funded, not_funded", [
    ("The Peru Water Fund allocated US$4 million to 12 partners, including the Andean Water Institute and the "
     "Centre for Rain Research.", {("Peru Water Fund", "Andean Water Institute"),
                                   ("Peru Water Fund", "Centre for Rain Research")}, set()),
    ("The Andean Water Institute thanks the Governments of Germany and Switzerland for their generous contributions.",
     {("Germany", "Andean Water Institute"), ("Switzerland", "Andean Water Institute")}, set()),
    ("Canada's contribution of US$1.5 million enabled the Centre for Rain Research to reach 20,000 people.",
     {("Canada", "Centre for Rain Research")}, set()),
    ("The Centre for Rain Research's contribution to the water strategy was technical advice.",
     set(), {("Centre for Rain Research", "Andean Water Institute")}),
])
def test_funders_in_lists_of_examples_thanks_to_governments_and_possessives(tmp_path, extractor, text, funded,
                                                                            not_funded):
    found = _fundings(_record(tmp_path, extractor, REPORT + text))
    assert funded <= found and not found & not_funded, found


def test_a_sentence_that_lists_the_implementing_partners_names_the_publishers_partners(tmp_path, extractor):
    record = _record(tmp_path, extractor, REPORT + "Implementing partners include CARE International, World Vision "
                                                   "and the Centre for Rain Research.")
    assert {frozenset({"Andean Water Institute", p}) for p in ("CARE International", "World Vision",
                                                               "Centre for Rain Research")} <= _partners(record)


@pytest.mark.parametrize("text, pair", [
    ("With the support of the Centre for Rain Research, the Ministry of Water installed 200 latrines in Cusco.",
     frozenset({"Centre for Rain Research", "Ministry of Water"})),
    ("The Ministry of Water works through local partners such as the Centre for Rain Research.",
     frozenset({"Centre for Rain Research", "Ministry of Water"})),
])
def test_support_of_a_named_body_and_partners_named_as_examples(tmp_path, extractor, text, pair):
    assert pair in _partners(_record(tmp_path, extractor, REPORT + text))


def test_a_bare_definite_head_is_the_body_of_that_head_named_last_in_its_sentence(tmp_path, extractor):
    record = _record(tmp_path, extractor, "Peru: The National Water Council of Peru met in May. The plan was "
                     "adopted under Basin Council decision 14, in which the Council asked for a review. "
                     "The Government of Peru and the regional Government of Cusco met. The Government later approved it.")
    labels = {m.start: record.entities[m.key].label for m in record.mentions if m.key.startswith("org/")}
    text = record.clean.text
    council, government = text.index("the Council") + 4, text.rindex("The Government") + 4
    assert labels.get(council) == "Basin Council" and labels.get(government) == "Government of Peru", labels
