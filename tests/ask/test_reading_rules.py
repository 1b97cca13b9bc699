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
