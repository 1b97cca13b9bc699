"""`kg ask`: plain-language questions answered from the real graph, scored as questions.json describes."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kg.ask.answer import answer
from kg.ask.reading import read_question
from kg.ask.render import render_answer
from kg.ask.words import stem
from kg.dataset.load import load_dataset
from kg.query.run import open_store
from tests.conftest import EVAL, HAITI, MALI, ROOT

QUESTIONS = json.loads((EVAL / "questions.json").read_text(encoding="utf-8"))["items"]
BY_ID = {q["id"]: q for q in QUESTIONS}

# Rephrasings written for these tests: other verbs, other word order, Which/Who/Where/What.
REPHRASED = {
    "q1": ["Who suspended Mali?", "Which regional bodies have suspended Mali from their instances?"],
    "q2": ["With which countries does Mali share the school closures of the Central Sahel?",
           "What countries, besides Mali, have closed schools in the Central Sahel?"],
    "q3": ["Where were girls and young women trained on social norms and GBV?",
           "Which regions trained girls and young women to address GBV and social norms?"],
    "q4": ["In which regions did adolescents affected by the armed conflict get psychological support?",
           "Which regions gave psychological support to conflict-affected adolescents?"],
    "q5": ["Which UN agency ran the perception assessment that reported fears of forced marriage?"],
    "q6": ["What SDG is hunger linked to?", "Hunger is tied to which SDG?"],
    "q7": ["Which goal does the report tie to gender-based violence?", "What SDG is gender-based violence linked to?"],
    "q8": ["To which SDG does the report link multidimensional poverty?"],
    "q9": ["What SDGs does Outcome 4 serve?", "Outcome 4 contributes to which SDGs?"],
    "q10": ["Which outcomes serve SDG 5?", "What outcomes contribute to Goal 5?"],
    "q11": ["Which ministries were supported by UNICEF to operationalize mental health?",
            "Which ministries did UNICEF work with on mental health?"],
    "q12": ["Where were GBV prevention campaigns run through participatory theatre and local radio?",
            "In which regions did participatory theatre and local radio reach people on GBV?"],
    "q13": ["Which organisations are part of the multi-agency resilience programmes?",
            "Who took part in the multi-agency programmes that strengthened community resilience?"],
    "q14": ["Who does UNICEF partner with on the Harmonized Approach to Cash Transfers?",
            "Which organizations work with UNICEF on HACT?"],
}

HOSTILE = ['"} DROP ALL; SELECT * {', "Who funds WFP\"} DROP ALL; SELECT * { ?s ?p ?o",
           'Who funds "WFP"}? {\\ }}',
           "Who are UNICEF's partners\\\" } ; DELETE WHERE { ?s ?p ?o } #",
           "'; INSERT DATA { <a:b> <a:c> <a:d> } ; SELECT * WHERE { ?s ?p ?o }",
           "Which regions }}}{{{ \\\\ \" ' ` $org ?answer <http://x> received GBV campaigns?"]


@pytest.fixture(scope="module")
def graph(out_dir):
    """The Oxigraph store `kg ask` reads (out/store/, made from the build)."""
    return open_store(out_dir)


@pytest.fixture(scope="module")
def rdflib_graph(out_dir):
    return load_dataset(out_dir)


def _norm(s: str) -> str:
    return " ".join(s.replace("’", "'").split()).casefold()


def passes(item: dict, labels: list[str]) -> bool:
    """questions.json's rule: >= min_recall of expected entities returned, >= half of the returned expected.

    An SDG or outcome label ("SDG 5: Gender equality") counts under its short name too ("SDG 5").
    """
    def names(label: str) -> set[str]:
        return {_norm(label), _norm(label.split(":")[0])}

    expected = [{_norm(n) for n in e} for e in item["expect"]]
    if not labels:
        return False
    found = sum(1 for e in expected if any(names(l) & e for l in labels))
    good = sum(1 for l in labels if any(names(l) & e for e in expected))
    return found / len(expected) >= item.get("min_recall", 1.0) and good >= len(labels) / 2


def test_questions_json_score(graph):
    score = 0
    lines = []
    for item in QUESTIONS:
        a = answer(item["q"], graph)
        labels = [x.label for x in a.answers]
        ok = passes(item, labels)
        score += ok
        lines.append(f"{'PASS' if ok else 'FAIL'} {item['id']:>4} {item['q']} -> {labels}")
    print("\n" + "\n".join(lines) + f"\nkg ask on questions.json: {score}/{len(QUESTIONS)}")
    assert score >= 13


@pytest.mark.parametrize("qid,question", [(k, q) for k, qs in REPHRASED.items() for q in qs])
def test_rephrasings_are_answered_the_same_way(qid, question, graph):
    labels = [x.label for x in answer(question, graph).answers]
    assert passes(BY_ID[qid], labels), labels


def test_every_answer_carries_its_evidence_sentence(graph):
    for item in QUESTIONS:
        for a in answer(item["q"], graph).answers:
            assert a.evidence, (item["id"], a.label)
            for e in a.evidence:
                assert e.report in (MALI, HAITI) and 0 <= e.start < e.end and e.text


def test_evidence_offsets_point_into_the_original_file(graph):
    from extract.text import normalize
    a = answer(BY_ID["q14"]["q"], graph)
    e = a.answers[0].evidence[0]
    original = (ROOT / "reports" / f"{e.report}.txt").read_text(encoding="utf-8")
    assert normalize(original[e.start:e.end]) == e.text


def test_who_funds_wfp_in_haiti(graph):
    a = answer("Who funds WFP in Haiti?", graph)
    labels = {x.label for x in a.answers}
    assert {"Canada", "Germany", "United States", "European Union"} <= labels
    assert "WFP" not in labels and "UNICEF" not in labels
    assert all(e.report == HAITI for x in a.answers for e in x.evidence)
    same = answer("Which donors fund WFP?", graph)
    assert {x.label for x in same.answers} >= {"Canada", "Germany", "United States"}


def test_partners_questions_read_the_relations(graph):
    for q in ("Who are UNICEF's partners?", "Which organizations does UNICEF work with?",
              "Who collaborates with UNICEF?"):
        a = answer(q, graph)
        labels = {x.label for x in a.answers}
        assert {"WFP", "UNDP", "UNFPA", "FAO"} <= labels, q
        assert "UNICEF" not in labels and "partners-of" in a.sparql + a.strategy


def test_partners_on_a_theme_include_sector_words_inside_compounds(graph):
    """The multi-sector programme sentence names health inside "health-nutrition-WASH": its partners
    (FAO, WFP) work with UNICEF on health, as do the ministries of the mental-health sentence."""
    a = answer("Who does UNICEF partner with on health?", graph)
    labels = {x.label for x in a.answers}
    assert {"FAO", "WFP", "Ministry of Health and Social Development"} <= labels, labels
    assert "ECHO" not in labels and "UNHAS" not in labels   # logistics partners, not health ones


def test_a_theme_lists_every_sentence_that_names_it(dataset):
    """A relation's theme lists the relation's evidence sentence among its mentions."""
    from kg.build.graph import union_graph
    from kg.namespace import RK

    g = union_graph(dataset)
    checked = 0
    for node, theme in g.subject_objects(RK.theme):
        for sentence in g.objects(node, RK.evidence):
            assert (theme, RK.mentionedIn, sentence) in g, (node, theme, sentence)
            checked += 1
    assert checked >= 50


def test_how_many_answers_with_a_number(graph):
    a = answer("How many children were vaccinated against polio?", graph)
    assert a.answers and a.answers[0].kind == "number"
    assert "vaccinated" in a.answers[0].evidence[0].text


def test_the_suggestions_are_questions_the_graph_answers(graph):
    suggestions = answer("What is the capital of France?", graph).suggestions
    assert len(suggestions) >= 4
    for q in suggestions:
        assert answer(q, graph).answers, q


def test_places_roll_up_and_organisations_act_in_them(graph):
    in_mali = {x.label for x in answer("Which organisations are active in Mali?", graph).answers}
    assert "UNICEF" in in_mali
    where = {x.label for x in answer("Where does UNICEF work?", graph).answers}
    assert {"Gao", "Mopti", "Kayes"} <= where
    bodies = {x.label for x in answer("Which bodies is UNICEF a member of?", graph).answers}
    assert bodies == {"Humanitarian Country Team", "Senior Leadership Forum", "UN Country Team"}


@pytest.mark.parametrize("question", ["What is the capital of France?", "Who funds the moon?",
                                      "Which NGOs fund UNICEF?", "Tell me a joke", ""])
def test_unanswerable_questions_get_no_answer_and_suggestions(question, graph):
    a = answer(question, graph)
    assert a.answers == []
    assert a.suggestions
    text = render_answer(a, "text")
    assert "No answer" in text and "?" in a.suggestions[0]


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_questions_cannot_change_the_query(question, graph):
    before = len(graph)
    a = answer(question, graph)
    assert len(graph) == before
    for bad in ("DROP", "DELETE", "INSERT", "<a:b>", "http://x", "$org ?answer"):
        assert bad not in a.sparql
    # the SPARQL that ran is a file of the library, with only graph terms bound in its comment header
    body = "\n".join(l for l in a.sparql.splitlines() if not l.startswith("# bound $"))
    files = {p.read_text(encoding="utf-8").rstrip() for p in (ROOT / "queries" / "ask").glob("*.rq")}
    assert not a.sparql or body.rstrip() in files


def test_hostile_punctuation_around_a_real_question_still_answers_it(graph):
    a = answer(HOSTILE[2], graph)
    assert {"Canada", "Germany"} <= {x.label for x in a.answers}
    assert a.sparql.startswith("# bound $entity = <https://w3id.org/reportkg/id/org/wfp>")


def test_json_output_has_exactly_the_documented_shape(graph):
    a = answer(BY_ID["q14"]["q"], graph)
    doc = json.loads(render_answer(a, "json"))
    assert set(doc) == {"question", "understood", "answers", "selection", "sparql"}
    assert doc["understood"]["relation"] == "partnership" and doc["understood"]["partner of"] == "UNICEF"
    assert doc["selection"]["strategy"] == "relation" and doc["selection"]["shown"] == len(doc["answers"])
    assert doc["question"] == BY_ID["q14"]["q"] and isinstance(doc["sparql"], str) and doc["sparql"]
    for item in doc["answers"]:
        assert set(item) == {"label", "iri", "kind", "evidence"}
        assert all(isinstance(item[k], str) for k in ("label", "iri", "kind"))
        for e in item["evidence"]:
            assert set(e) == {"text", "report", "start", "end"}
            assert isinstance(e["start"], int) and isinstance(e["end"], int)


def test_answers_are_deterministic(graph):
    q = BY_ID["q4"]["q"]
    assert render_answer(answer(q, graph), "json") == render_answer(answer(q, graph), "json")


def test_reading_finds_kind_relation_and_names(graph):
    r = read_question("Who funds WFP in Haiti?", graph)
    assert r.relation == "funds" and r.entity_after_relation
    assert [str(e).rsplit("/", 1)[-1] for e in r.entities] == ["wfp", "HT"]
    r = read_question("What does Germany fund?", graph)
    assert r.relation == "funds" and not r.entity_after_relation
    r = read_question("In which regions were girls trained?", graph)
    assert r.kinds == ["rk:Region"]
    assert stem("closure") == stem("closed") and stem("programmes") == stem("programs")


def test_cli_ask_text_json_and_no_answer(out_dir):
    def kg(*args):
        return subprocess.run([sys.executable, "-m", "kg.cli", *args, "--out", str(out_dir)],
                              capture_output=True, text=True, cwd=ROOT)
    run = kg("ask", "Who funds WFP in Haiti?")
    assert run.returncode == 0, run.stderr
    assert "Canada" in run.stdout and "SPARQL" in run.stdout and "Donors" not in run.stderr
    run = kg("ask", BY_ID["q3"]["q"], "--format", "json")
    assert run.returncode == 0
    doc = json.loads(run.stdout)
    assert {a["label"] for a in doc["answers"]} >= {"Kayes", "Sikasso"}
    run = kg("ask", "What is the capital of France?")
    assert run.returncode == 0 and "No answer" in run.stdout
