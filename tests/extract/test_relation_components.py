"""Relation components that read the dependency parse, one cue per test sentence (written for the test),
with the real spaCy model; each fact says its component, cue and confidence."""
from __future__ import annotations

import pytest

from extract.relations.parse import CueError, load_cues
from extract.report import extract_report


def _relations(tmp_path, extractor, text):
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    record = extract_report(path, extractor)
    label = lambda k: record.entities[k].label if k in record.entities else k
    return {(r.kind, label(r.subject) if r.subject else None, tuple(sorted(label(o) for o in r.objects)),
             r.component, r.cue) for r in record.relations}, record


def _acts(record):
    """(actor label, place label) of every place of action the record holds."""
    return {(record.entities[a].label, record.entities[p].label)
            for r in record.relations if r.kind == "activity" for a in (r.subject, *r.objects) if a
            for p in r.places}


def _pairs(rels, kind):
    out = set()
    for k, s, objs, _, _ in rels:
        if k == kind:
            parties = ([s] if s else []) + list(objs)
            out |= {frozenset((a, b)) for a in parties for b in parties if a != b}
    return out


def test_collaboration_lists_distribute_over_every_member(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Mali, UNICEF repaired 30 wells in collaboration with IOM, the Ministry of Water and the "
                         "Civil Protection Directorate.\n")
    pairs = _pairs(rels, "partnership")
    for partner in ("IOM", "Ministry of Water", "Civil Protection Directorate"):
        assert frozenset(("UNICEF", partner)) in pairs


def test_a_list_as_subject_of_an_action_acts_together(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor, "In Niger, WHO and UNICEF continue joint supply operations.\n")
    assert frozenset(("WHO", "UNICEF")) in _pairs(rels, "partnership")
    assert any(c == "partnership" and cue == "continue" for _, _, _, c, cue in rels)


def test_led_by_a_list(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Niger, the vaccination drive runs through committees led by WHO, UNICEF and the "
                         "National Ministry of Water.\n")
    pairs = _pairs(rels, "partnership")
    assert frozenset(("WHO", "National Ministry of Water")) in pairs and frozenset(("WHO", "UNICEF")) in pairs


def test_a_stative_or_adversarial_subject_list_is_no_partnership(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor, "In Mali, ECOWAS and the African Union suspended the country.\n")
    assert not _pairs(rels, "partnership")


def test_funding_verbs_passives_and_from(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Haiti, the Global Resilience Fund allocated US$2 million to FAO. In Mali, FAO and WFP "
                         "have plans for drought, including funding from ECHO.\n")
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    assert ("Global Resilience Fund", ("FAO",)) in funding
    assert ("ECHO", ("FAO",)) in funding and ("ECHO", ("WFP",)) in funding


def test_provenance_of_every_relation(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor, "In Mali, UNICEF worked in partnership with WFP.\n")
    assert record.relations
    for r in record.relations:
        assert r.component in ("surface", "partnership", "funding", "place") and 0 < r.confidence <= 1


def test_places_of_action_distribute_and_situations_are_not_actions(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "In Pakistan, the flood affected 4,000 people in Sindh. The Pakistan Red Crescent "
                           "Society assisted 2,500 families in Punjab, Sindh and Balochistan.\n")
    acts = {(record.entities[r.subject].label, record.entities[p].label, r.sentence)
            for r in record.relations if r.kind == "activity" for p in r.places}
    society = "Pakistan Red Crescent Society"
    assert {(society, "Punjab", 1), (society, "Sindh", 1), (society, "Balochistan", 1)} <= acts
    assert not any(s == 0 for _, _, s in acts)          # a situation names no actor and no action


def test_a_broken_cue_file_is_one_clear_error(tmp_path):
    (tmp_path / "partnership.jsonl").write_text('{"lemma": "work", "slot": "with"}\n', encoding="utf-8")
    with pytest.raises(CueError, match=r"partnership.jsonl:1: a cue needs"):
        load_cues("partnership", tmp_path)
    (tmp_path / "partnership.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(CueError, match=r"partnership.jsonl:1: not valid JSON"):
        load_cues("partnership", tmp_path)


def test_names_in_parentheses_are_a_member_s_other_names_not_members(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, the warning tool was designed in partnership with FAO (Food and Agriculture "
                         "Organization), UNICEF (UNICEF/WFP office) and the Andean Water Institute.\n")
    pairs = _pairs({r for r in rels if r[3] == "partnership"}, "partnership")   # the parse component's
    assert frozenset(("FAO", "UNICEF")) in pairs and frozenset(("UNICEF", "Andean Water Institute")) in pairs
    assert not any("WFP" in p for p in pairs)


def test_a_subject_list_split_by_a_phrase_acts_together_when_the_adverb_says_so(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, the Andean Water Institute in Lima and the Ministry of Water are jointly "
                         "reviewing the gaps.\n")
    assert frozenset(("Andean Water Institute", "Ministry of Water")) in _pairs(rels, "partnership")
    assert any(c == "partnership" and cue == "jointly" for _, _, _, c, cue in rels)


def test_work_done_through_an_organisation_makes_it_a_partner(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF provides electoral training through the National Electoral Commission.\n")
    assert frozenset(("UNICEF", "National Electoral Commission")) in _pairs(rels, "partnership")
    assert any(c == "partnership" and cue == "through" for _, _, _, c, cue in rels)


def test_a_handover_to_an_organisation_far_from_its_verb(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF began the process of transferring its tasks, where possible, to the "
                         "Andean Water Institute.\n")
    assert frozenset(("UNICEF", "Andean Water Institute")) in _pairs(rels, "partnership")


def test_only_the_clause_in_the_future_is_an_intention(tmp_path, extractor):
    # a retrospective note: the relative clause's "will" does not make the handover an intention...
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF handed over the warehouses to the Andean Water Institute, which will "
                         "run them from January.\n")
    assert frozenset(("UNICEF", "Andean Water Institute")) in _pairs(rels, "partnership")
    # ...while a main clause in the future is one
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF will work with the Andean Water Institute next year.\n")
    assert not _pairs({r for r in rels if r[3] != "surface"}, "partnership")


def test_allocation_lines_follow_the_funder_named_before_them(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, the Global Resilience Fund has allocated up to US$9 million for the drought "
                         "response.\n\nThe sectors are: 1) Food: $3.8 million (WFP) 2) Health: $1.15 million "
                         "(WHO / UNICEF)\n")
    funding = {(s, objs) for k, s, objs, c, _ in rels if k == "funding" and c == "funding"}
    assert {("Global Resilience Fund", ("WFP",)), ("Global Resilience Fund", ("WHO",)),
            ("Global Resilience Fund", ("UNICEF",))} <= funding
    # without a funder named before them, an amount in brackets is no funding
    rels, _ = _relations(tmp_path, extractor, "In Peru, the sectors are: 1) Food: $3.8 million (WFP)\n")
    assert not [r for r in rels if r[0] == "funding"]


def test_an_allocation_for_the_funder_s_own_act_has_no_default_recipient(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "UNICEF Peru note.\n\nIn Peru, the Ministry of Water allocated US$3 million to reopen "
                         "the old camp.\n")
    assert not [r for r in rels if r[0] == "funding"]


def test_having_a_plan_somewhere_is_a_place_of_action(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "In Peru, FAO and WFP have early warning plans for floods in Bolivia and "
                           "Ecuador.\n")
    acts = _acts(record)
    assert {("FAO", "Bolivia"), ("WFP", "Ecuador")} <= acts


def test_a_label_line_names_the_funder_of_the_publisher(tmp_path, extractor):
    rels, record = _relations(tmp_path, extractor,
                              "Andean Water Institute note\n\nGlobal Resilience Fund Allocated: CHF 195,420\n\nThe Andean "
                              "Water Institute repaired 30 wells in Peru with its volunteers and the Ministry of "
                              "Water. The Andean Water Institute trained 40 teachers in Peru.\n")
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    assert ("Global Resilience Fund", ("Andean Water Institute",)) in funding, record.publisher


def test_a_unit_after_its_parent_s_name_is_the_member_not_the_parent(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, the model was developed in partnership with UNICEF, WFP and the Andean Water "
                         "Institute (AWI) Centre for Rain Data (CRD).\n")
    pairs = _pairs({r for r in rels if r[3] == "partnership"}, "partnership")
    assert frozenset(("UNICEF", "Centre for Rain Data")) in pairs
    assert not any("Andean Water Institute" in p for p in pairs)


def test_an_organisation_owning_an_operation_is_no_actor(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "In Peru, the objective of this Rain Relief Fund operation is to support families in "
                           "Cusco and Puno.\n")
    actors = {a for r in record.relations if r.kind == "activity" for a in (r.subject, *r.objects) if a}
    assert not {record.entities[a].label for a in actors} & {"Rain Relief Fund"}


def test_a_name_cut_before_its_complement_is_the_same_organisation(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "In Peru, the Executive Council of the Andean Water Alliance met in Lima. The Executive "
                           "Council affirmed its commitment to the plan.\n")
    labels = [e.label for e in record.entities.values()]
    assert "Executive Council of the Andean Water Alliance" in labels and "Executive Council" not in labels


def test_a_place_named_as_owner_of_the_area_is_a_place_of_action(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "In March, the Andean Water Institute repaired wells in Bolivia's northern provinces.\n")
    acts = _acts(record)
    assert ("Andean Water Institute", "Bolivia") in acts


def test_a_role_the_report_ties_to_an_organisation_acts_for_it(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "The Council was briefed by the Special Envoy of the Secretary-General for Peru and Head "
                           "of the Andean Water Mission on 6 May. During the period, the Special Envoy conducted "
                           "visits to Cusco and Puno, where he met local leaders.\n")
    acts = _acts(record)
    assert {("Andean Water Mission", "Cusco"), ("Andean Water Mission", "Puno")} <= acts
    # the role stands for the organisation only in relations: it is no mention of it
    assert all(record.clean.text[m.start:m.end] != "Special Envoy" for m in record.mentions)


def test_providing_an_organisation_with_support_is_a_partnership_but_not_with_a_tool(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF provided the National Electoral Commission with technical support.\n")
    assert frozenset(("UNICEF", "National Electoral Commission")) in _pairs(rels, "partnership")
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF provided the National Electoral Commission with a digital tool.\n")
    assert not _pairs({r for r in rels if r[3] == "partnership"}, "partnership")


def test_the_subject_of_a_stance_passive_acts(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF is committed to providing training through the National Electoral "
                         "Commission.\n")
    assert frozenset(("UNICEF", "National Electoral Commission")) in _pairs(rels, "partnership")


def test_handovers_listed_after_one_verb_each_find_their_cue(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "As agreed, UNICEF has transferred its role as head of the Theme Group on Water to "
                         "WFP; its role as convener of the working group on the end of "
                         "child labour to UNFPA; and its role as co-chair of the task force on schools to the Andean "
                         "Water Institute.\n")
    pairs = _pairs(rels, "partnership")
    assert {frozenset(("UNICEF", "WFP")), frozenset(("UNICEF", "UNFPA")),
            frozenset(("UNICEF", "Andean Water Institute"))} <= pairs


def test_a_question_states_no_relation(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "Did the Andean Water Institute request funding from the Global Resilience Fund for that "
                         "event?\n")
    assert not [r for r in rels if r[0] == "funding" and r[3] != "surface"]


def test_money_allocated_to_an_act_of_the_funder_names_no_recipient(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "UNICEF Peru note.\n\nIn Peru, the Ministry of Water allocated 5 billion soles "
                         "(approximately $1.3 million) to reopen the old camp near Cusco.\n")
    assert not [r for r in rels if r[0] == "funding"]


def test_a_place_outside_a_locative_phrase_is_no_place_of_action(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "In Peru, the Ministry of Water commended the efforts of Bolivia, Chile and Ecuador to "
                           "establish the water treaty, and trained 40 engineers in Cusco.\n")
    places = {record.entities[p].label for r in record.relations if r.kind == "activity" for p in r.places}
    assert "Cusco" in places and not places & {"Bolivia", "Chile", "Ecuador"}


def test_complementing_an_organisation_s_efforts_spelt_with_a_ligature(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, UNICEF complemented the e\ufb00orts of the Andean Water Institute.\n")
    assert frozenset(("UNICEF", "Andean Water Institute")) in _pairs(rels, "partnership")


def test_money_without_a_recipient_pays_the_plan_the_report_is(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "Andean Flood Anticipatory Action Framework\n\nIn Peru, the Global Resilience Fund has "
                         "allocated US$4 million for the implementation of anticipatory actions. The "
                         "framework will be reviewed each year.\n")
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    assert ("Global Resilience Fund", ("Andean Flood Anticipatory Action Framework",)) in funding


def test_without_a_publisher_money_pays_the_one_plan_the_report_names(tmp_path, extractor):
    text = ("HIGHLIGHTS\n\nIn Peru, the flood response is growing.\n\nFlood preparedness and response plan\n\n"
            "The response plan is funded at 20 per cent, including $2 million from the Global Resilience Fund.\n")
    rels, _ = _relations(tmp_path, extractor, text)
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    assert ("Global Resilience Fund", ("Flood preparedness and response plan",)) in funding
    # a report that names its publisher credits the publisher, not a plan it mentions
    rels, _ = _relations(tmp_path, extractor, "UNICEF Peru note\n\n" + text.replace("HIGHLIGHTS\n\n", "")
                         + "UNICEF repaired 30 wells in Peru.\n")
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    assert ("Global Resilience Fund", ("Flood preparedness and response plan",)) not in funding


def test_work_done_through_a_fund_is_paid_by_it(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, through the Global Resilience Fund, the Andean Water Institute provided "
                         "blankets to 8,000 people.\n")
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    assert ("Global Resilience Fund", ("Andean Water Institute",)) in funding
    assert not _pairs(rels, "partnership")


def test_a_negated_or_possible_payment_states_no_funding(tmp_path, extractor):
    for sentence in ("In Peru, the Global Resilience Fund cannot fund the Andean Water Institute.",
                     "In Peru, the Andean Water Institute could be funded by the Global Resilience Fund."):
        rels, _ = _relations(tmp_path, extractor, sentence + "\n")
        assert not [r for r in rels if r[0] == "funding" and r[3] != "surface"], sentence


def test_with_that_registers_files_or_lets_someone_speak_is_no_partnership(tmp_path, extractor):
    for sentence in ("In Peru, most refugees registered with UNHCR live in Lima.",
                     "In Peru, several cases were filed with the Constitutional Court of Peru in May.",
                     "In Peru, the statement was welcomed, with the Ministry of Water noting that it was a step."):
        rels, record = _relations(tmp_path, extractor, "UNICEF Peru note\n\nUNICEF repaired 30 wells in Peru. "
                                  + sentence + "\n")
        assert record.publisher == "org/unicef"        # the implicit actor the clause would otherwise credit
        assert not _pairs(rels, "partnership"), sentence


def test_a_unit_named_with_its_parent_s_possessive_and_a_body_composed_of_a_list(tmp_path, extractor):
    rels, _ = _relations(tmp_path, extractor,
                         "In Peru, the triggers are monitored by the Andean Water Institute's Centre for Climate "
                         "Data. The Water Steering Committee, composed of UNICEF, WFP and the Ministry of Water, "
                         "met twice in Lima.\n")
    members = {(s, objs, c) for k, s, objs, c, _ in rels if k == "membership"}
    assert ("Centre for Climate Data", ("Andean Water Institute",), "membership") in members
    for member in ("UNICEF", "WFP", "Ministry of Water"):
        assert (member, ("Water Steering Committee",), "membership") in members
    # a country's body is no unit of the country in this sense, and no possessive, no membership
    rels, _ = _relations(tmp_path, extractor, "In Peru, the Centre for Climate Data met UNICEF in Lima.\n")
    assert not [r for r in rels if r[0] == "membership"]


def test_places_after_an_area_noun_and_of_are_places_of_action_but_not_after_any_noun(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "In Peru, the Andean Water Institute sheltered 400 families in the affected areas of Cusco and "
                           "Puno.\n")
    assert {("Andean Water Institute", "Cusco"), ("Andean Water Institute", "Puno")} <= _acts(record)
    _, record = _relations(tmp_path, extractor,
                           "The Andean Water Institute reaffirmed its support for the territorial integrity of "
                           "Bolivia.\n")
    assert ("Andean Water Institute", "Bolivia") not in _acts(record)


def test_the_office_of_an_organisation_somewhere_is_its_place_of_action(tmp_path, extractor):
    _, record = _relations(tmp_path, extractor,
                           "Peru: 3,000 refugees are registered with the Office of UNHCR in Cusco.\n")
    assert ("UNHCR", "Cusco") in _acts(record)


def test_money_for_the_work_a_report_is_about_and_a_funder_named_in_apposition(tmp_path, extractor):
    """"X contributed EUR 10 million to the emergency response": the response is the publisher's work, which
    the money pays (a 'work' cue); a funder may be a department named by its acronym in brackets, whose
    possessor ("the Union's department") is not the funder."""
    rels, _ = _relations(tmp_path, extractor,
                         "UNICEF Peru note\n\nIn Peru, the Andean Union's Humanitarian Aid department (AUHA) "
                         "contributed EUR 10 million to the emergency response. UNICEF repaired 30 wells in Peru.\n")
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    assert funding == {("AUHA", ("UNICEF",))}
    # money for something else than the report's work still pays no one
    rels, _ = _relations(tmp_path, extractor,
                         "UNICEF Peru note\n\nIn Peru, the Andean Water Institute allocated 3 per cent of its "
                         "budget to education. UNICEF repaired 30 wells in Peru.\n")
    assert not [r for r in rels if r[0] == "funding"]


def test_headed_partner_lists_thanks_for_contributions_and_a_donor_lead_in(tmp_path, extractor):
    """A "Partners:" line lists the publisher's partners; "X thanks A and B for their contributions" says A and B
    funded X (thanks for anything else do not); a sentence ending "... the donors who have contributed in 2024:"
    leads into the list of funders after it."""
    text = ("UNICEF Peru note\n\nUNICEF repaired 30 wells in Peru.\n\n"
            "Partners: the Andean Water Institute, WFP and the Puno Farmers Association.\n\n"
            "UNICEF thanks the Global Resilience Fund and Norway for their contributions. UNICEF thanks the Lima "
            "Teachers Union for its hard work.\n\n"
            "UNICEF is grateful to the donors who have contributed to the operation in 2024:\n\n"
            "Japan, Denmark and the Andean Development Bank.\n")
    rels, _ = _relations(tmp_path, extractor, text)
    partners = _pairs(rels, "partnership")
    assert {frozenset(("UNICEF", p)) for p in ("Andean Water Institute", "WFP", "Puno Farmers Association")} <= partners
    funding = {(s, objs) for k, s, objs, _, _ in rels if k == "funding"}
    for funder in ("Global Resilience Fund", "Norway", "Japan", "Denmark", "Andean Development Bank"):
        assert (funder, ("UNICEF",)) in funding, funder
    assert not [f for f in funding if f[0] == "Lima Teachers Union"]
