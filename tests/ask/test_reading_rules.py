"""`kg ask` reading rules, one test each: questions written for the test, answered from the bundled build."""
from __future__ import annotations

import pytest

from kg.ask.answer import answer
from kg.ask.reading import read_question
from kg.query.run import open_store, run_query


@pytest.fixture(scope="module")
def graph(out_dir):
    return open_store(out_dir)


def labels(a) -> list[str]:
    return [x.label for x in a.answers]


def funders_of(graph, name: str) -> set[str]:
    """What `kg query donors` lists for a recipient (IRIs): the answers a funding question must give."""
    rows = run_query("donors", graph, {"recipient": name})
    return {str(dict(zip(rows.variables, row))["donor"]) for row in rows.rows}


def test_apart_from_sets_an_entity_aside(graph):
    every = set(labels(answer("Who funds WFP?", graph)))
    assert "Canada" in every
    a = answer("Apart from Canada, who funds WFP?", graph)
    assert set(labels(a)) == every - {"Canada"}
    assert a.understood["except"] == "Canada" and a.understood["recipient"] == "WFP"


def test_where_the_money_comes_from_asks_for_the_funders(graph):
    a = answer("Where does the money for UNICEF come from?", graph)
    assert a.understood["relation"] == "funding" and a.understood["recipient"] == "UNICEF"
    assert set(labels(a)) == set(labels(answer("Who funds UNICEF?", graph)))
    assert not any("Mali" == x for x in labels(a))       # not places


def test_each_relation_named_is_tried_in_turn(graph):
    # "deliver" names a place of action, but no place is named: the funding ("the CERF money") answers
    a = answer("Which UN agencies deliver with the CERF money?", graph)
    assert a.understood["relation"] == "funding" and a.understood["funder"] == "CERF"
    assert labels(a) and all(x.kind == "un_agency" for x in a.answers)
    assert "recipient" not in a.understood


def test_kinds_joined_by_or_are_all_asked(graph):
    r = read_question("Which UN agencies or NGOs does UNICEF partner with?", graph)
    assert r.kinds == ["rk:UnAgency", "rk:NGO"]


def test_a_kind_word_of_two_classes_asks_for_both(graph):
    assert set(read_question("Which municipalities received water trucking?", graph).kinds) == {"rk:Region",
                                                                                              "rk:Locality"}


def test_a_country_adjective_is_where_not_who(graph):
    r = read_question("Which Malian regions did UNICEF work in?", graph)
    mali = [e for e in r.entities if str(e).endswith("/ML")]
    assert mali and mali[0] in r.where_only
    a = answer("Which Malian regions did UNICEF work in?", graph)
    assert a.understood["actor"] == "UNICEF" and "Gao" in labels(a)
    # the places asked for lie within the country the adjective names: no Malian region is Haitian
    haitian = answer("Which Haitian departments did UNICEF work in?", graph)
    assert not set(labels(haitian)) & set(labels(a))


def test_a_country_adjective_before_refugees_says_whose_refugees_not_where(graph):
    r = read_question("Where did UNICEF support Malian refugees?", graph)
    assert not [e for e in r.entities if str(e).endswith("/ML")]
    r = read_question("Where did UNICEF support Malian schools?", graph)      # the adjective alone still binds
    assert [e for e in r.entities if str(e).endswith("/ML")]


def test_a_name_by_its_initials_is_the_acronym(graph):
    # "Commission" where the gazetteer says "Commissioner": the initials still spell UNHCR
    r = read_question("Who does the United Nations High Commission for Refugees work with?", graph)
    assert [str(e).rsplit("/", 1)[-1] for e in r.entities] == ["unhcr"]
    assert answer("Who does the United Nations High Commission for Refugees work with?", graph).understood[
        "partner of"] == "UNHCR"


def test_focus_words_are_read_with_their_synonyms(graph):
    # the report says who "monitored" school closures; the question "keeps watch"
    r = read_question("Who keeps watch on school closures?", graph)
    assert r.synonyms and ("monit",) in r.synonyms[0]
    a = answer("Who keeps watch on school closures?", graph)
    assert labels(a) == ["Education Cluster"]
    assert all("monitored" in e.text.lower() for e in a.answers[0].evidence)


def test_stopwords_in_any_form(graph):
    r = read_question("Which organisations does the report describe as working in Mali?", graph)
    assert "describe" not in [w.lower() for w in r.focus_words]


def test_the_whole_relation_when_no_evidence_carries_the_rest(graph):
    a = answer("Who funds UNICEF's work on the moon?", graph)
    assert {x.iri for x in a.answers} == funders_of(graph, "UNICEF")
    assert any("no evidence carries 'moon'" in k for k in a.selection["kept"])


def test_lines_a_colon_introduces_are_read_with_it(graph):
    # "Donors:" ends its line; the donors are on the next one
    a = answer("Which countries does the report list as donors?", graph)
    assert {"Canada", "Germany", "Japan"} <= set(labels(a))
    assert any(e.text.startswith("Canada, Colombia") for x in a.answers for e in x.evidence)
    assert a.selection["strategy"] == "sentences"


def test_neighbouring_places_are_beyond_the_reports_own(graph):
    # the Mali report's own country shares the crisis too; its neighbours are the others
    assert labels(answer("Which countries share the Central Sahel school-closure crisis?", graph)) == ["Mali"]
    a = answer("Which neighbouring countries share the Central Sahel school-closure crisis?", graph)
    assert set(labels(a)) == {"Burkina Faso", "Niger"}


def test_camps_are_localities_and_a_word_of_two_kinds_asks_them_in_the_files_order(graph):
    assert read_question("Which camps did UNICEF work in?", graph).kinds == ["rk:Locality"]
    for _ in range(3):      # the same order every time, whatever the hash seed
        assert read_question("Which municipalities received water trucking?", graph).kinds == ["rk:Region",
                                                                                               "rk:Locality"]


def test_a_modal_verb_says_when_not_what(graph):
    r = read_question("Which organisations does UNICEF plan to collaborate with?", graph)
    assert r.relation == "partners" and not r.focus_words


def test_a_prefix_the_name_leaves_out_is_part_of_the_name(graph):
    r = read_question("Who works with the UN World Food Programme?", graph)
    assert [str(e).rsplit("/", 1)[-1] for e in r.entities] == ["wfp"] and not r.focus_words


# Ranking rules on sentences written for the test (invented organisations and places): a sentence index of two
# reports, the first a flood response update, the second an annual report that never speaks of floods.
FLOOD = [("Lakeland flood response update", 0), ("Floods hit the Lakeland valley in May.", 40),
         ("Aid Org delivered boats to flooded villages.", 2000), ("Aid Org trained teachers in Hill Town.", 3000),
         ("Water Org repaired boats and flood defences.", 4000), ("Schools reopened in June.", 5000)]
ANNUAL = [("Annual report", 0), ("Aid Org trained nurses in Hill Town.", 1000), ("Budgets grew.", 2000),
          ("Clinics opened.", 3000), ("Roads were repaired.", 4000), ("Markets reopened.", 5000)]


def _sentence_index(reports: dict[str, list[tuple[str, int]]]):
    from collections import defaultdict

    from kg.ask.index import _Index, _Text
    from kg.ask.words import _is_word, _tokens, stem

    text, postings = _Text(), defaultdict(set)
    for report, sentences in reports.items():
        for exact, start in sentences:
            i = len(text.sentences)
            text.sentences.append((f"s{i}", (exact, report, start, start + len(exact))))
            text.number[f"s{i}"] = i
            for t in _tokens(exact):
                if _is_word(t):
                    postings[stem(t)].add(i)
    text.postings = {k: frozenset(v) for k, v in postings.items()}
    idx = _Index({}, {}, {}, {}, {}, {})
    idx.loaded = text
    return idx


def _row(idx, i: int, answer: str, clause: str | None = None) -> dict:
    exact, report, start, end = idx.text().sentences[i][1]
    return {"answer": answer, "sentence": f"s{i}", "text": exact, "report": report, "start": start, "end": end,
            "clause": clause}


def _reading(question_words: list[str], definite: list[str]):
    from kg.ask.reading import Reading
    from kg.ask.words import stem

    return Reading([], [], [], None, False, [stem(w) for w in question_words], question_words,
                   definite=[stem(w) for w in definite])


def test_a_word_the_report_is_about_tells_none_of_its_rows_apart():
    from kg.ask.rank import _rank, _terms

    idx = _sentence_index({"flood-update": FLOOD, "annual-report": ANNUAL})
    rows = [_row(idx, 2, "boats"), _row(idx, 3, "teachers"), _row(idx, 7, "nurses")]
    # "on the flood response": the update is about floods, so each of its rows carries them; the annual report's not
    r = _reading(["flood"], definite=["flood"])
    shares = {row["answer"]: share for row, share, _ in _rank(rows, _terms(r, (), False), r, idx)}
    assert shares == {"boats": 1.0, "teachers": 1.0, "nurses": 0.0}
    # "on floods" (no "the"): only the sentences saying it
    r = _reading(["flood"], definite=[])
    shares = {row["answer"]: share for row, share, _ in _rank(rows, _terms(r, (), False), r, idx)}
    assert shares == {"boats": 1.0, "teachers": 0.0, "nurses": 0.0}
    # a word the report's opening does not hold is no subject, however often only that report says it
    r = _reading(["boats"], definite=["boats"])
    shares = {row["answer"]: share for row, share, _ in _rank(rows, _terms(r, (), False), r, idx)}
    assert shares == {"boats": 1.0, "teachers": 0.0, "nurses": 0.0}


def test_a_word_both_reports_are_about_is_no_subject_of_either():
    from kg.ask.rank import _subject
    from kg.ask.words import stem

    other = [("Lakeland flood recovery plan", 0), *[(f"Flood works {n} went on.", 100 * n) for n in range(1, 6)]]
    idx = _sentence_index({"flood-update": FLOOD, "flood-plan": other})
    assert not _subject(idx, "flood-update", stem("flood"))
    alone = _sentence_index({"flood-update": FLOOD})       # one report: its opening and its share say it
    assert _subject(alone, "flood-update", stem("flood"))


def test_the_clause_chooses_among_the_partnerships_of_one_sentence_not_between_sentences():
    from kg.ask.rank import _rank, _terms

    idx = _sentence_index({"update": [("Aid Org shared warehouses with Water Org, and Sky Org airlifted boats "
                                       "for Aid Org.", 0),
                                       ("Aid Org is positioned to share warehouses, with Road Org in particular.", 200)]})
    rows = [_row(idx, 0, "Water Org", "Aid Org shared warehouses with Water Org"),
            _row(idx, 0, "Sky Org", "Sky Org airlifted boats for Aid Org"),
            _row(idx, 1, "Road Org", "With Road Org in particular")]
    r = _reading(["warehouses"], definite=[])
    shares = {row["answer"]: share for row, share, _ in _rank(rows, _terms(r, (), False), r, idx)}
    # in the first sentence, the clause sharing warehouses; the second sentence's only clause does not say it,
    # but its sentence does, and no other clause of that sentence says it better
    assert shares == {"Water Org": 1.0, "Sky Org": 0.5, "Road Org": 1.0}


def test_places_of_an_organisation_include_the_finer_places_its_sentence_names_within_them():
    from kg.ask.answer import _finer_rows

    idx = _sentence_index({"update": [("Aid Org cleared mines in the Lake and Hill districts of North Province.", 0)]})
    idx.within = {"lake": {"north"}, "hill": {"north"}, "north": {"country"}}
    idx.labels = {"lake": "Lake", "hill": "Hill", "north": "North Province"}
    idx.text().mentions = {0: frozenset({"lake", "hill", "north"})}
    found = _finer_rows([_row(idx, 0, "north")], idx)
    assert sorted(row["label"] for row in found) == ["Hill", "Lake"]
    assert _finer_rows([_row(idx, 0, "north"), *found], idx) == []
