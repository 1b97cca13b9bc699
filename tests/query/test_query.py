"""The query library, `kg query`, parameter binding and reasoning, on the graph the real pipeline built."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, Dataset, URIRef

from kg.build.iris import entity_iri
from kg.namespace import RK
from kg.dataset.load import load_dataset
from kg.query.formats import format_results
from kg.query.library import QueryError, example_parameters, list_queries, load_query
from kg.query.run import resolve, run_query
from kg.dataset.reasoning import entailments, load_rules
from tests.conftest import GOLDEN, MALI, ROOT

HOSTILE = ['"} DROP ALL; SELECT * {', "UNICEF\" } ; DELETE WHERE { ?s ?p ?o } #", "\\\" ) } UNION { ?s ?p ?o }",
           "<http://example.org/x> } DROP ALL", "'; INSERT DATA { <a:b> <a:c> <a:d> } ; '"]


@pytest.fixture(scope="module")
def graph(out_dir):
    return load_dataset(out_dir)


@pytest.fixture(scope="module")
def mali(out_dir):
    return load_dataset(out_dir, reports=[MALI])


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=ROOT)


# --- the library of named queries ------------------------------------------------------------------

def test_every_query_parses_states_its_question_and_orders_its_rows():
    queries = list_queries()
    assert len(queries) >= 12
    for q in queries:
        assert q.text.startswith("# ") and q.question.endswith("?"), q.name
        if q.form == "SELECT":
            assert "ORDER BY" in q.text, f"{q.name}: rows must be sorted for golden files"
    for path in sorted((ROOT / "queries" / "ask").glob("*.rq")):
        assert load_query(path).question, path


@pytest.mark.parametrize("query", [q.name for q in list_queries()])
def test_golden_results_on_the_mali_report(query, mali, update_golden):
    """Compared exactly; regenerate on purpose with `pytest tests/query/test_query.py --update-golden` and read the diff."""
    q = load_query(query)
    path = GOLDEN / f"{query}.csv"
    got = format_results(run_query(q, mali, example_parameters(q)), "csv")
    if update_golden:
        path.write_text(got, encoding="utf-8")
        pytest.skip(f"wrote {path}: read the diff (git diff tests/golden)")
    assert path.is_file(), f"{path} is missing: write it with `pytest tests/query/test_query.py --update-golden`"
    assert got == path.read_text(encoding="utf-8")


def test_a_syntax_error_fails_at_load_naming_the_file(tmp_path):
    bad = tmp_path / "broken.rq"
    bad.write_text("# What breaks?\nSELECT ?x WHERE { ?x a }\n", encoding="utf-8")
    with pytest.raises(QueryError, match="broken.rq"):
        load_query(bad)
    with pytest.raises(QueryError, match="no query named"):
        load_query("no-such-query")


@pytest.mark.parametrize("text", ["DROP ALL", "INSERT DATA { <a:b> <a:c> <a:d> }", "DELETE WHERE { ?s ?p ?o }",
                                  "LOAD <http://example.org/data.ttl>", "CLEAR DEFAULT"])
def test_updates_are_refused(text, graph):
    before = len(graph)
    with pytest.raises(QueryError, match="read-only"):
        run_query(text, graph)
    assert len(graph) == before


@pytest.mark.parametrize("text", ["SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                                  "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"])
def test_queries_that_would_go_online_are_refused(text, graph):
    with pytest.raises(QueryError, match="offline|built graph"):
        run_query(text, graph)


# --- parameters ------------------------------------------------------------------------------------

def test_a_parameter_may_be_a_label_a_key_or_an_iri(graph):
    unicef = entity_iri("org/unicef")
    rows = {}
    for value in ("UNICEF", "unicef", "org/unicef", str(unicef), f"<{unicef}>", "id:org/unicef"):
        result = run_query("partners", graph, {"org": value})
        assert result.bindings["org"] == unicef, value
        rows[value] = result.rows
    assert len({tuple(r) for r in rows.values()}) == 1
    partners = {str(r[3]) for r in rows["UNICEF"]}
    assert {"WFP", "UNDP", "UNFPA"} <= partners


def test_sdg_and_outcome_parameters_resolve_by_number_and_short_name(graph):
    assert resolve("SDG 5", graph, "rk:SDG") == [URIRef("http://metadata.un.org/sdg/5")]
    assert resolve("5", graph, "rk:SDG") == [URIRef("http://metadata.un.org/sdg/5")]
    outcome = resolve("Outcome 4", graph, "rk:Outcome")
    assert outcome == [entity_iri(f"outcome/{MALI}/4")]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_values_cannot_change_the_query(value, graph):
    before = len(graph)
    with pytest.raises(QueryError, match="names nothing"):
        run_query("partners", graph, {"org": value})
    assert resolve(value, graph, "rk:Organization") == []
    assert len(graph) == before


def test_unknown_parameter_is_an_error_naming_the_query(graph):
    with pytest.raises(QueryError, match="partners.*no parameter 'place'"):
        run_query("partners", graph, {"place": "Mali"})


# --- reasoning -------------------------------------------------------------------------------------

def test_organisation_class_finds_un_agencies_donors_and_ngos(graph):
    orgs = {r[0] for r in run_query("SELECT ?x WHERE { ?x a rk:Organization } ORDER BY ?x", graph).rows}
    for key in ("org/unicef", "org/wfp", "place/DE", "org/ml-amss", "org/ecowas", "org/cerf"):
        assert entity_iri(key) in orgs, key
    assert entity_iri("place/ML-7") not in orgs


def test_regions_roll_up_into_their_country(graph):
    result = run_query("organisations-in-region", graph, {"place": "Mali"})
    where = {str(r[5]) for r in result.rows}
    assert {"Gao", "Mopti", "Kayes"} <= where
    assert {str(r[3]) for r in result.rows} >= {"UNICEF"}


def test_symmetric_and_inverse_properties_hold_both_ways(graph):
    rules = load_rules()
    assert RK.partnersWith in rules.symmetric and RK.fundedBy in rules.inverses[RK.funds]
    ask = "ASK { ?a rk:partnersWith ?b . FILTER NOT EXISTS { ?b rk:partnersWith ?a } }"
    assert run_query(ask, graph).boolean is False
    ask = "ASK { ?a rk:funds ?b . FILTER NOT EXISTS { ?b rk:fundedBy ?a } }"
    assert run_query(ask, graph).boolean is False


def test_rules_come_from_the_ontology_not_from_code():
    from rdflib import OWL, BNode, Graph, Namespace
    from rdflib.collection import Collection
    ex = Namespace("http://example.org/")
    onto = Graph()
    onto.add((ex.near, RDF.type, OWL.SymmetricProperty))
    onto.add((ex.parentOf, OWL.inverseOf, ex.childOf))
    onto.add((ex.within, RDF.type, OWL.TransitiveProperty))
    chain = BNode()
    Collection(onto, chain, [ex.actsIn, ex.within])
    onto.add((ex.actsIn, OWL.propertyChainAxiom, chain))
    data = Graph()
    data.add((ex.a, ex.near, ex.b))
    data.add((ex.p, ex.parentOf, ex.c))
    data.add((ex.x, ex.within, ex.y))
    data.add((ex.y, ex.within, ex.z))
    data.add((ex.org, ex.actsIn, ex.x))
    new = entailments(data, load_rules(onto))
    assert {(ex.b, ex.near, ex.a), (ex.c, ex.childOf, ex.p), (ex.x, ex.within, ex.z)} <= new
    assert {(ex.org, ex.actsIn, ex.y), (ex.org, ex.actsIn, ex.z)} <= new      # the chain, through the transitive closure


def test_materialising_is_idempotent_and_fast(out_dir):
    import time
    from kg.dataset.reasoning import materialise
    ds = load_dataset(out_dir, reason=False)
    t = time.perf_counter()
    added = materialise(ds)
    seconds = time.perf_counter() - t
    assert added > 0 and materialise(ds) == 0
    print(f"\nreasoning: {added} triples materialised in {seconds * 1000:.0f} ms")


# --- formats and the command line ------------------------------------------------------------------

def test_json_is_sparql_results_json(graph):
    result = run_query("partners", graph, {"org": "UNICEF"})
    doc = json.loads(format_results(result, "json"))
    assert doc["head"]["vars"] == result.variables
    first = doc["results"]["bindings"][0]
    assert first["org"] == {"type": "uri", "value": str(entity_iri("org/unicef"))}
    assert first["orgLabel"]["type"] == "literal"


def test_csv_tsv_and_table_have_a_header_and_one_line_per_row(graph):
    result = run_query("section-entities", graph, {"section": "Outcome 4: Enabling Environment"})
    lines = format_results(result, "csv").splitlines()
    assert lines[0].split(",") == result.variables
    lines = format_results(result, "tsv").splitlines()
    assert lines[0].split("\t") == [f"?{v}" for v in result.variables] and len(lines) == len(result.rows) + 1
    table = format_results(result, "table")
    assert table.splitlines()[0].split() == result.variables
    assert f"({len(result.rows)} rows)" in table


def test_cli_query_list_and_formats(out_dir):
    listed = kg("query", "--list", "--out", str(out_dir))
    assert listed.returncode == 0
    for q in list_queries():
        assert q.name in listed.stdout
    run = kg("query", "partners", "--param", "org=UNICEF", "--format", "json", "--out", str(out_dir))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["results"]["bindings"]
    rq = ROOT / "queries" / "donors.rq"
    run = kg("query", str(rq), "--format", "csv", "--out", str(out_dir))
    assert run.returncode == 0 and run.stdout.startswith("donor,donorLabel")
    run = kg("query", "SELECT ?x WHERE { ?x a rk:UnAgency } ORDER BY ?x", "-f", "tsv", "-o", str(out_dir))
    assert run.returncode == 0 and str(entity_iri("org/unicef")) in run.stdout


def test_cli_errors_are_one_line_and_exit_1(out_dir, tmp_path):
    for args in (["query", "nonexistent"], ["query", "partners", "-p", f"org={HOSTILE[0]}"], ["query", "DROP ALL"],
                 ["query", "partners", "-p", "org"]):
        run = kg(*args, "--out", str(out_dir))
        assert run.returncode == 1, args
        assert run.stderr.startswith("error:") and "Traceback" not in run.stderr, run.stderr
    run = kg("query", "partners", "--out", str(tmp_path / "nothing"))
    assert run.returncode == 1 and "kg build" in run.stderr
