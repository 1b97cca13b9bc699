"""Partnership wordings of any report (events, requests, nominal partnerships, pairs, handover lists, plans'
aims, exhortations), one invented sentence per cue and a near miss that must give none; the real spaCy model."""
from __future__ import annotations

import json

from extract.relations import find_reporting_org
from extract.report import extract_report


def _partnerships(tmp_path, extractor, text, publisher=None):
    """(pair of labels, component, cue) of every partnership the text gives, and the record."""
    path = tmp_path / "note.txt"
    # the publisher acts for the text only where the report names it
    path.write_text(f"{publisher} country note\n\n{text}" if publisher else text, encoding="utf-8")
    meta = tmp_path / "note.meta.json"
    if publisher:
        meta.write_text(json.dumps({"title": "Country note", "publisher": publisher}), encoding="utf-8")
    elif meta.exists():
        meta.unlink()
    record = extract_report(path, extractor)
    if publisher:
        assert record.entities[find_reporting_org(record)].label == publisher
    label = lambda k: record.entities[k].label
    out = set()
    for r in record.relations:
        if r.kind == "partnership":
            parties = [label(k) for k in (r.subject, *r.objects) if k]
            out |= {(frozenset((a, b)), r.component, r.cue) for a in parties for b in parties if a != b}
    return out, record


def _pairs(found):
    return {pair for pair, _, _ in found}


def test_an_event_s_organiser_partners_who_it_was_for_not_who_spoke_there(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "On 3 May, the Andean Water Institute facilitated a round-table discussion for journalists, "
                             "civil society, representatives of regulatory bodies and the National Electoral Commission.\n")
    assert (frozenset(("Andean Water Institute", "National Electoral Commission")), "partnership", "facilitate") in found
    found, _ = _partnerships(tmp_path, extractor,
                             "On 3 May, the Andean Water Institute organized a workshop, where the National Electoral "
                             "Commission presented its report.\n")
    assert not found


def test_an_event_that_brought_together_partners_its_organiser_with_each_but_not_each_other(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "The Coastal Relief Society organized a workshop on 4 June.\n"
                             "The meeting brought together staff of the Ministry of Water, civil society, the "
                             "National Electoral Commission and partners of the United Nations, including ILO and "
                             "UNEP, to plan the season.\n")
    pairs = _pairs(found)
    for member in ("Ministry of Water", "National Electoral Commission", "ILO", "UNEP"):
        assert (frozenset(("Coastal Relief Society", member)), "partnership", "bring together") in found
    assert frozenset(("Coastal Relief Society", "United Nations")) not in pairs      # the whole, then its members
    assert frozenset(("Ministry of Water", "National Electoral Commission")) not in pairs
    found, _ = _partnerships(tmp_path, extractor,
                             "The Coastal Relief Society organized a workshop on 4 June.\n"
                             "The event brought representatives of the Ministry of Water to tears.\n")
    assert not found


def test_answering_an_organisation_s_request_is_a_partnership_refusing_it_is_not(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "The Ministry of Water responded favourably to the Coastal Relief Society's request that it "
                             "be allowed to use the compounds.\n")
    assert (frozenset(("Ministry of Water", "Coastal Relief Society")), "partnership", "respond") in found
    found, _ = _partnerships(tmp_path, extractor,
                             "At the request of the Ministry of Water, the Coastal Relief Society deployed two teams.\n")
    assert (frozenset(("Ministry of Water", "Coastal Relief Society")), "partnership", "at") in found
    found, _ = _partnerships(tmp_path, extractor,
                             "The Ministry of Water rejected the Coastal Relief Society's request.\n")
    assert not found


def test_a_partnership_named_as_a_thing_joins_the_organisations_it_names(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "The cooperation of the Ministry of Water and the Coastal Relief Society has been essential "
                             "during the drought.\n")
    assert (frozenset(("Ministry of Water", "Coastal Relief Society")), "partnership", "cooperation") in found
    # "in cooperation with A and B" makes each a partner of the actor, not of each other
    found, _ = _partnerships(tmp_path, extractor,
                             "UNDP built 30 wells in cooperation with the Ministry of Water and the National "
                             "Electoral Commission.\n")
    assert frozenset(("UNDP", "Ministry of Water")) in _pairs(found)
    assert frozenset(("Ministry of Water", "National Electoral Commission")) not in _pairs(found)


def test_two_names_joined_by_an_ampersand_are_a_pair(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "Protecting livelihoods through cash and seeds [Food security - Andean Water Institute & "
                             "Coastal Relief Society]\n")
    assert (frozenset(("Andean Water Institute", "Coastal Relief Society")), "partnership", "&") in found
    found, _ = _partnerships(tmp_path, extractor,
                             "Rainfall data of the Andean Water Institute & maps of the Coastal Relief Society are "
                             "compared.\n")
    assert not {f for f in found if f[2] == "&"}


def test_each_handover_of_a_list_is_the_subject_s_even_after_a_long_role_name(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "In May, the Andean Water Institute transferred its role as head of the Water Theme Group "
                             "to ILO; its role as convener of the panel on drought reviews in the highlands to UNEP; and "
                             "its roles as head of the Advisory Group and deputy head of the joint task force on water "
                             "quality in rural schools and clinics to the National Electoral Commission.\n", publisher="UNDP")
    pairs = _pairs(found)
    for member in ("ILO", "UNEP", "National Electoral Commission"):
        assert frozenset(("Andean Water Institute", member)) in pairs
        assert frozenset(("UNDP", member)) not in pairs            # the subject hands over, not the publisher
    found, _ = _partnerships(tmp_path, extractor,
                             "The Andean Water Institute explained its role as head of the water quality group to the "
                             "Coastal Relief Society.\n")
    assert not found


def test_a_plan_s_aim_is_its_makers_work_not_the_publisher_s(tmp_path, extractor):
    text = ("On 30 January, the Andean Water Institute and the Ministry of Water launched a new plan, the aim of which "
            "is to support the Ministry of Water in facilitating returns.\n")
    found, _ = _partnerships(tmp_path, extractor, text, publisher="UNDP")
    assert frozenset(("Andean Water Institute", "Ministry of Water")) in _pairs(found)
    assert frozenset(("UNDP", "Ministry of Water")) not in _pairs(found)
    # a relative clause about the publisher's own project still speaks for the publisher
    found, _ = _partnerships(tmp_path, extractor,
                             "The project, which supported the Ministry of Water, ended in May.\n", publisher="UNDP")
    assert frozenset(("UNDP", "Ministry of Water")) in _pairs(found)


def test_what_the_writer_encourages_is_no_partnership_yet(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "I encourage the Ministry of Water to increase its engagement with the Coastal Relief "
                             "Society.\n", publisher="UNDP")
    assert not found
    found, _ = _partnerships(tmp_path, extractor,
                             "The Ministry of Water increased its engagement with the Coastal Relief Society.\n",
                             publisher="UNDP")
    assert frozenset(("Ministry of Water", "Coastal Relief Society")) in _pairs(found)


def test_sharing_findings_with_an_organisation_is_no_partnership(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "The recommendations made by the Andean Water Institute, which the Institute adopted and "
                             "shared with the Ministry of Water, are public.\n")
    assert not found
    found, _ = _partnerships(tmp_path, extractor,
                             "The Andean Water Institute worked with the Ministry of Water on the recommendations.\n")
    assert frozenset(("Andean Water Institute", "Ministry of Water")) in _pairs(found)


def test_who_ensures_coordination_coordinates_the_others_named_and_the_reporter(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor,
                             "This appeal is complementing the efforts of the Coastal Relief Society outlined in its plan, "
                             "and the Andean Water Institute office ensures that there is coordination of the "
                             "work.\n", publisher="UNDP")
    assert (frozenset(("Andean Water Institute", "Coastal Relief Society")), "partnership", "coordination") in found
    assert (frozenset(("Andean Water Institute", "UNDP")), "partnership", "coordination") in found
    found, _ = _partnerships(tmp_path, extractor,
                             "The Andean Water Institute says that the coordination of activities in the camps of the "
                             "Coastal Relief Society is weak.\n", publisher="UNDP")
    assert not {f for f in found if f[2] == "coordination"}


def test_a_joint_act_in_the_passive_joins_its_agents_but_suffering_one_does_not(tmp_path, extractor):
    for sentence, cue in (("A joint response plan was launched by the Ministry of Water and the Coastal Relief Society "
                           "in March.", "launch"),
                          ("The memorandum was signed by the Ministry of Water and the Coastal Relief Society.", "sign"),
                          ("The joint assessment was conducted by the Ministry of Water and the Coastal Relief Society.",
                           "conduct")):
        found, _ = _partnerships(tmp_path, extractor, sentence + "\n")
        assert (frozenset(("Ministry of Water", "Coastal Relief Society")), "partnership", cue) in found, sentence
    found, _ = _partnerships(tmp_path, extractor,
                             "Both the Ministry of Water and the Coastal Relief Society were affected by the floods.\n")
    assert not found


def test_the_a_b_partnership_names_its_two_partners(tmp_path, extractor):
    found, _ = _partnerships(tmp_path, extractor, "The UNDP-ILO partnership was renewed in 2023.\n")
    assert (frozenset(("UNDP", "ILO")), "partnership", "partnership") in found
    found, _ = _partnerships(tmp_path, extractor, "The UNDP partnership was renewed after ILO left.\n")
    assert not {f for f in found if f[2] == "partnership"}
