"""Question kinds that failed before, written for these tests and checked against what the reports say."""
from __future__ import annotations

import pytest

from kg.ask.answer import answer
from kg.query.run import open_store
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def store(out_dir):
    return open_store(out_dir)


def labels(question: str, source, folder=None) -> set[str]:
    return {a.label for a in answer(question, source, folder=folder).answers}


# The Mali report: "UNICEF has led the procurement of 2,360,000 doses of 19 vaccines through the COVAX facility".
@pytest.mark.parametrize("question, expected", [
    ("Through which facility did UNICEF procure vaccines?", {"COVAX"}),
    ("Which channel did UNICEF use to procure COVID-19 vaccines?", {"COVAX"}),
    ("Through what were the 19 vaccines procured?", {"COVAX"}),
    ("Who procured vaccines through COVAX?", {"UNICEF"}),
])
def test_the_channel_something_was_procured_through(question, expected, store, out_dir):
    a = answer(question, store, folder=out_dir)
    assert {x.label for x in a.answers} == expected
    assert a.understood["relation"] == "procurement"
    assert all(e.text.count("COVAX") for x in a.answers for e in x.evidence)


# "The supply-logistics team strengthened UNICEF collaboration with WFP in sharing warehousing facilities in Gao and
# Timbuktu, and logistics partnerships were established with the European Civil Protection-Humanitarian Aid Operations
# (ECHO flight) and the UN Humanitarian Air Service (UNHAS) for airlifting vaccines to northern Mali."
# One sentence, two partnerships: the question's activity picks the clause, not every partner of the sentence.
@pytest.mark.parametrize("question, expected", [
    ("Who shares warehousing facilities with UNICEF?", {"WFP"}),
    ("Who helped UNICEF with airlifting vaccines to northern Mali?", {"ECHO", "UNHAS"}),
    # "Supported by the German cooperation and in cooperation with WFP, UNICEF assisted 40,000 households in 34 poor
    # communes ..."
    ("Who did UNICEF cooperate with to assist 40,000 households in poor communes?", {"WFP"}),
])
def test_an_activity_keeps_the_partners_of_the_clause_doing_it(question, expected, store, out_dir):
    a = answer(question, store, folder=out_dir)
    assert {x.label for x in a.answers} == expected
    assert a.understood["relation"] == "partnership"


def test_where_partners_shared_an_activity(store, out_dir):
    assert labels("In which regions did UNICEF and WFP share warehousing facilities?", store, out_dir) == \
        {"Gao", "Tombouctou"}


# "Outcome 3: The Second Decade, 13 to 18 years"; the gold ties it to SDG 5 (GBV, child marriage, FGM) as its core.
@pytest.mark.parametrize("question, outcome, sdg", [
    ("Which SDGs does the Second Decade outcome contribute to?", "Outcome 3: The Second Decade", "SDG 5"),
    ("Which SDGs does the Formative Years outcome serve?", "Outcome 2: The Formative Years", "SDG 4"),
    ("What SDGs does the Enabling Environment outcome contribute to?", "Outcome 4: Enabling Environment", "SDG 10"),
])
def test_an_outcome_named_by_its_title(question, outcome, sdg, store, out_dir):
    a = answer(question, store, folder=out_dir)
    assert a.understood["outcome"] == outcome and "about" not in a.understood   # "outcome" is part of the name
    found = [x.label.split(":")[0] for x in a.answers]
    assert sdg in found and len(found) <= 2 * found.count(sdg)


@pytest.fixture(scope="module")
def iraq(tmp_path_factory, extractor):
    """A copy of a development report (tests/data/dev-report.txt) built as `kg build` does."""
    from kg.build.reports import build
    from kg.build.write import write_build

    out = tmp_path_factory.mktemp("dev-out")
    write_build(build([DATA / "dev-report.txt"], extractor), out)
    return open_store(out), out


def test_institutions_named_for_a_place_are_those_its_name_says(iraq):
    store, out = iraq
    a = answer("Which Kurdistan Region institutions attended the round table in Erbil?", store, folder=out)
    found = {x.label for x in a.answers}
    assert found and all("Kurdistan Region" in x for x in found), found     # no United Nations, no UNAMI
    assert a.understood.get("of")      # the place is shown as what the answers belong to
    # the same kind without the place: the other participants are answers too
    assert labels("Which institutions attended the round table in Erbil?", store, out) - found


# "Supported by the German cooperation and in cooperation with WFP, UNICEF assisted 40,000 households in 34 poor
# communes in Sikasso, Segou, Koulikoro and Commune-3 in Bamako": where the work a funder pays for took place.
@pytest.mark.parametrize("question", ["Where did the work funded by the German cooperation take place?",
                                      "Where did the German-funded programme work?"])
def test_where_a_funders_work_took_place(question, store, out_dir):
    assert labels(question, store, out_dir) == {"Sikasso", "Ségou", "Koulikoro", "Bamako"}


def test_a_list_sharing_its_last_words_names_each_place():
    """"North and South Lakeland": North Lakeland too, when the graph knows that name (invented names)."""
    from types import SimpleNamespace

    from kg.ask.reading import _shared_heads
    from kg.ask.words import _tokens

    north, west, south = "urn:x:north", "urn:x:west", "urn:x:south"
    idx = SimpleNamespace(exact={("North", "Lakeland"): {north}, ("West", "Lakeland"): {west},
                                 ("South", "Lakeland"): {south}}, folded={})
    toks = _tokens("Who works in West, North and South Lakeland?")
    spans = [(7, 9, {south})]
    assert sorted((s, e, tuple(n)) for s, e, n in _shared_heads(toks, spans, idx)) == \
        [(3, 4, (west,)), (5, 6, (north,))]
    toks = _tokens("Who works in Hill and South Lakeland?")       # no "Hill Lakeland": nothing more is read
    assert _shared_heads(toks, [(5, 7, {south})], idx) == []
