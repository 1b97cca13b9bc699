"""`kg ask` and `kg query` on the Oxigraph store: the same answers as on rdflib, every cut stated, hostile text inert."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kg.ask.answer import COUNTERPARTS, answer
from kg.ask.reading import read_question
from kg.ask.render import render_answer
from kg.ask.words import lemma
from kg.dataset.load import load_dataset
from kg.query.formats import format_results
from kg.query.run import open_store, run_query
from tests.conftest import ROOT
from tests.ask.test_ask import QUESTIONS, REPHRASED


@pytest.fixture(scope="module")
def store(out_dir):
    return open_store(out_dir)


@pytest.fixture(scope="module")
def rdflib_graph(out_dir):
    return load_dataset(out_dir)


def kg(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin)


ALL_QUESTIONS = [q["q"] for q in QUESTIONS] + [q for qs in REPHRASED.values() for q in qs] + [
    "Who funds WFP in Haiti?", "Who partners with WFP?", "Which outcomes contribute to SDG 4?",
    "Where does UNICEF work?", "How many children were vaccinated against polio?", "What is the capital of France?"]


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_kg_ask_answers_the_same_on_the_store_and_on_rdflib(question, store, rdflib_graph, out_dir):
    on_store = answer(question, store, folder=out_dir).to_json()
    on_rdflib = answer(question, rdflib_graph).to_json()
    assert on_store == on_rdflib


def _answer_set(query: str, param: str, value: str, column: str, store) -> set[str]:
    result = run_query(query, store, {param: value})
    i = result.variables.index(column)
    return {str(row[i]) for row in result.rows}


@pytest.mark.parametrize("question,query,param,value,column", [
    ("Who partners with WFP?", "partners", "org", "WFP", "partner"),
    ("Who funds UNICEF?", "donors", "recipient", "UNICEF", "donor"),
    ("Which outcomes contribute to SDG 4?", "outcomes-for-sdg", "sdg", "SDG 4", "outcome"),
])
def test_kg_ask_never_drops_what_kg_query_lists_without_saying_how_many(question, query, param, value, column, store):
    expected = _answer_set(query, param, value, column, store)
    a = answer(question, store)
    s = a.selection
    assert s["strategy"] == "relation" and COUNTERPARTS[a.strategy][0] == query
    assert s["query"] == f"kg query {query} --param {param}={value.replace(' ', '') if ' ' not in value else repr(value)}" \
        or s["query"].startswith(f"kg query {query} --param {param}=")
    assert s["total"] == len(expected) and s["shown"] == len(a.answers)
    text = render_answer(a, "text")
    if s["shown"] < s["total"]:
        assert s["kept"] and f"{s['shown']} of the {s['total']}" in text and "--all" in text
    else:
        assert f"every one that `{s['query']}` lists" in text
    assert {x.iri for x in a.answers} <= expected
    every = answer(question, store, every=True)
    assert {x.iri for x in every.answers} == expected


def test_sdg_4_outcomes_are_cut_and_the_cut_is_said(store):
    a = answer("Which outcomes contribute to SDG 4?", store)
    assert a.selection["shown"] < a.selection["total"] == 5
    assert any("weight" in k or "states" in k for k in a.selection["kept"])


def test_understood_names_the_kind_relation_and_roles(store):
    a = answer("Who funds UNICEF for school feeding?", store)
    u = a.understood
    assert u["relation"] == "funding" and u["recipient"] == "UNICEF" and "organisations" in u["asked"]
    assert "school feeding" in u["about"]
    assert render_answer(a).splitlines()[1].startswith("understood: asked: organisations")
    u = answer("What does Germany fund?", store).understood
    assert u.get("funder") == "Germany"


def test_gazetteer_aliases_name_entities_in_questions_and_parameters(store):
    assert read_question("Who funds the World Food Programme?", store).entities == \
        read_question("Who funds WFP?", store).entities
    result = run_query("partners", store, {"org": "World Food Programme"})
    assert result.bindings["org"] == read_question("Who funds WFP?", store).entities[0]


def test_lexicon_words_match_as_lemmas(store):
    assert lemma("funded") == lemma("funds") == lemma("funding") == "fund"
    assert "sponsoring" not in (ROOT / "queries" / "ask" / "words.json").read_text()
    assert read_question("Who is sponsoring WFP?", store).relation == "funds"
    assert read_question("Which agencies have partnered with UNICEF?", store).kinds == ["rk:Organization"]


def test_kinds_follow_kg_build_rule():
    """kg ask names an entity's kind by the build's one rule (kg.ontology.entity_kind): a donor country is a donor government."""
    import kg.ask.index
    from kg.ontology import entity_kind

    assert kg.ask.index.entity_kind is entity_kind
    assert entity_kind({"country", "donor_government"}) == "donor_government"
    assert entity_kind({"ngo", "global_fund"}) == "global_fund"


HOSTILE = ['"} DROP ALL; SELECT * {', "Who funds WFP\x00\x07\x1b[31m?", "Who funds {{WFP}}\\u0022 ?",
           "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } LOAD <http://x>", "Who " * 2500 + "funds WFP?",
           "x" * 10240, "Which regions\r\n\t received\x0b GBV\x0c campaigns?", "ORDER BY LIMIT 1 OFFSET 'a' #"]


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_questions_answer_or_say_no_answer_without_changing_anything(question, store):
    before = len(store)
    a = answer(question, store)
    assert len(store) == before
    text = render_answer(a, "text")
    assert a.answers or "No answer" in text
    body = "\n".join(l for l in a.sparql.splitlines() if not l.startswith("# bound $"))
    files = {p.read_text(encoding="utf-8").rstrip() for p in (ROOT / "queries" / "ask").glob("*.rq")}
    assert not a.sparql or body.rstrip() in files
    json.loads(render_answer(a, "json"))


def test_cli_hostile_and_long_questions_exit_0_without_traceback(out_dir):
    for q in ("Who funds WFP\x07\x1b[31m?", HOSTILE[5], "Who funds WFP?}}} DROP ALL"):  # argv holds no NUL
        run = kg("ask", q, "--out", str(out_dir))
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
        assert run.stdout.startswith("Q: ")


def test_cli_ask_reads_questions_line_by_line(out_dir):
    run = kg("ask", "--out", str(out_dir), "--format", "json",
             stdin="Who funds WFP in Haiti?\n\nWhich outcomes contribute to SDG 5?\n")
    assert run.returncode == 0, run.stderr
    docs = [json.loads(d) for d in run.stdout.replace("}\n{", "}\x00{").split("\x00")]
    assert [d["question"] for d in docs] == ["Who funds WFP in Haiti?", "Which outcomes contribute to SDG 5?"]
    assert "Canada" in {a["label"] for a in docs[0]["answers"]}


def test_cli_query_tsv_is_sparql_tsv(out_dir):
    import pyoxigraph

    run = kg("query", "donors", "--param", "recipient=WFP", "--format", "tsv", "--out", str(out_dir))
    assert run.returncode == 0, run.stderr
    parsed = pyoxigraph.parse_query_results(run.stdout.encode(), format=pyoxigraph.QueryResultsFormat.TSV)
    rows = list(parsed)
    assert [v.value for v in parsed.variables][:2] == ["donor", "donorLabel"] and len(rows) >= 15
    assert all(isinstance(r["donor"], pyoxigraph.NamedNode) for r in rows)


def test_cli_query_alias_parameter_and_errors_are_one_line(out_dir):
    run = kg("query", "partners", "--param", "org=World Food Programme", "--format", "csv", "--out", str(out_dir))
    assert run.returncode == 0, run.stderr
    assert "https://w3id.org/reportkg/id/org/wfp" in run.stdout
    run = kg("query", "partners", "--param", "org=Nobody At All", "--out", str(out_dir))
    assert run.returncode == 1 and run.stderr.count("\n") == 1 and run.stderr.startswith("error:"), run.stderr


def test_cli_query_without_parameter_answers_from_the_store(out_dir):
    run = kg("query", "evidence", "--format", "csv", "--out", str(out_dir))
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") > 100


EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"


def test_cli_query_time_limit_stops_with_one_line(out_dir):
    run = kg("query", EXPLOSIVE, "--timeout", "1", "--out", str(out_dir))
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.startswith("error: the query ran longer than 1 s") and run.stderr.count("\n") == 1


@pytest.mark.parametrize("text", ["SELECT * WHERE { SeRvIcE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
                                  "ASK { service silent ?x { ?s ?p ?o } }",
                                  "# a comment\nSELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }"])
def test_remote_clauses_are_refused_before_anything_runs(text, out_dir):
    run = kg("query", text, "--out", str(out_dir))
    assert run.returncode == 1 and ("SERVICE" in run.stderr or "FROM" in run.stderr), run.stderr


def test_keywords_inside_strings_iris_and_names_are_not_clauses(store):
    text = ('SELECT ?x WHERE { VALUES ?x { "SERVICE" "from" <http://example.org/service> } '
            'BIND(?x AS ?service) } ORDER BY ?x')
    assert len(run_query(text, store).rows) == 3


def test_every_library_query_gives_the_same_csv_on_the_store_and_on_rdflib(store, rdflib_graph):
    from kg.query.library import example_parameters, list_queries

    for q in list_queries():
        params = example_parameters(q)
        assert format_results(run_query(q, store, params), "csv") == \
            format_results(run_query(q, rdflib_graph, params), "csv"), q.name


def test_serve_ask_returns_the_json_of_kg_ask(out_dir):
    import httpx

    script = ("import sys; from kg.serve.app import make_server\n"
              "s = make_server(sys.argv[1], port=0, timeout_s=10, workers=1)\n"
              "print(s.url, flush=True)\ns.serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(out_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip().rstrip("/")
        assert url.startswith("http://127.0.0.1:")
        q = "Who funds WFP in Haiti?"
        got = httpx.get(url + "/ask", params={"q": q}, timeout=60)
        assert got.status_code == 200 and got.headers["content-type"].startswith("application/json")
        cli = kg("ask", q, "--format", "json", "--out", str(out_dir))
        assert got.json() == json.loads(cli.stdout)
        assert httpx.get(url + "/ask", timeout=30).status_code == 400
        hostile = httpx.get(url + "/ask", params={"q": '"} DROP ALL; SELECT * {' + "x" * 20000}, timeout=60)
        assert hostile.status_code == 200 and hostile.json()["answers"] == []
    finally:
        proc.terminate()
        proc.wait(10)


def test_query_page_ask_box_in_a_real_browser(out_dir):
    """The ask box of /query.html in headless Chromium: answers with evidence and what was understood, markup as text."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium"
    assert Path(chromium).exists(), f"{chromium} is missing: run `make test` (it installs Debian's chromium)"
    script = ("import sys; from kg.serve.app import make_server\n"
              "s = make_server(sys.argv[1], port=0, timeout_s=10, workers=1)\n"
              "print(s.url, flush=True)\ns.serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(out_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip().rstrip("/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--headless=new", "--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page()
                errors, requests, dialogs = [], [], []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("request", lambda r: requests.append(r.url))
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(url + "/query.html")
                page.fill("#ask", "Who funds WFP in Haiti?")
                page.press("#ask", "Enter")
                page.wait_for_selector("#answers li", timeout=60000)
                labels = page.locator("#answers li > a").all_inner_texts()
                assert any(x.startswith("Canada") for x in labels) and len(labels) >= 15
                assert "recipient: WFP" in page.inner_text("#understood")
                assert page.locator("#answers .evidence").count() >= 15
                page.fill("#ask", '<img src=x onerror=alert(1)> Who funds <script>alert(2)</script>?')
                page.click("#ask-run")
                page.wait_for_function("() => document.querySelector('#ask-status').textContent.startsWith('No answer')",
                                       timeout=60000)
            finally:
                browser.close()
        assert not errors and not dialogs
        assert requests and all(u.startswith(url + "/") for u in requests)
    finally:
        proc.terminate()
        proc.wait(10)
