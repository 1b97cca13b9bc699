"""`kg.push` against a real Oxigraph server (`oxigraph serve` from PyPI) on loopback, read back with SPARQLWrapper."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.push import PushError, PushHttpError, push

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def oxigraph(tmp_path):
    """A fresh, empty Oxigraph server (union default graph, as `kg serve` answers) for one test."""
    if not OXIGRAPH.exists():
        pytest.fail(f"{OXIGRAPH} missing: install the test extras (pip install -e '.[test]')")
    port = free_port()
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(tmp_path / "db"),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("oxigraph serve did not start")
    yield url
    proc.terminate()
    proc.wait(10)


def remote_select(url: str, query: str) -> list[dict]:
    sw = SPARQLWrapper(url + "/query")
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    return [{k: v["value"] for k, v in b.items()} for b in sw.queryAndConvert()["results"]["bindings"]]


def remote_counts(url: str) -> dict[str, int]:
    return {r["g"]: int(r["n"]) for r in remote_select(url, COUNTS)}


@pytest.fixture(scope="module")
def local(out_dir):
    """The dataset `kg query` reads (reports with entailments, ontology, candidates): what push sends."""
    from kg.query import load_graph

    return load_graph(out_dir)


def local_counts(ds) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in ds.graphs() if len(g)}


def library_query(name: str) -> str:
    from extract.resources import data_path

    return (data_path("queries") / f"{name}.rq").read_text(encoding="utf-8")


def as_rows(result) -> list[tuple]:
    return sorted(tuple((str(v) if v is not None else "") for v in row) for row in result)


def test_push_round_trips_with_identical_answers(oxigraph, out_dir, local, records):
    pushed = push(out_dir, oxigraph + "/store")
    assert {p.method for p in pushed} == {"graph-store"}
    expected = local_counts(local)
    assert {p.graph: p.triples for p in pushed} == expected
    assert {f"https://w3id.org/reportkg/report/{slug}" for slug in records} <= set(expected)
    assert remote_counts(oxigraph) == expected
    # a library query answers the same from the store as from the local graph with rdflib
    query = library_query("donors")
    answers = local.query(query)
    names = [str(v) for v in answers.vars]
    remote = remote_select(oxigraph, query)
    assert len(remote) == len(answers) > 0
    assert sorted(tuple(r.get(n, "") for n in names) for r in remote) == as_rows(answers)


def test_push_again_replaces_rather_than_adds(oxigraph, out_dir, local):
    stray = "https://w3id.org/reportkg/report/unicef-mali-2021-country-office-annual-report"
    httpx.post(oxigraph + "/update", content=f"INSERT DATA {{ GRAPH <{stray}> {{ <urn:x:a> <urn:x:b> 1 }} }}",
               headers={"Content-Type": "application/sparql-update"}).raise_for_status()
    push(out_dir, oxigraph + "/store")
    push(out_dir, oxigraph + "/store")
    assert remote_counts(oxigraph) == local_counts(local)


def test_falls_back_to_sparql_update_without_graph_store(oxigraph, out_dir, local):
    pushed = push(out_dir, oxigraph + "/update")  # PUT is refused there, so DROP + INSERT DATA is posted
    assert {p.method for p in pushed} == {"update"}
    assert remote_counts(oxigraph) == local_counts(local)
    pushed = push(out_dir, oxigraph + "/store", update_endpoint=oxigraph + "/update", method="update")
    assert {p.method for p in pushed} == {"update"}
    assert remote_counts(oxigraph) == local_counts(local)


def test_unreachable_store_is_one_clear_line(out_dir):
    with pytest.raises(PushError) as exc:
        push(out_dir, f"http://127.0.0.1:{free_port()}/store")
    message = str(exc.value)
    assert "unreachable" in message and "\n" not in message


def test_http_error_names_the_url_and_status(oxigraph, out_dir):
    with pytest.raises(PushHttpError) as exc:
        push(out_dir, oxigraph + "/no-such-service")
    assert exc.value.status == 404 and "/no-such-service" in str(exc.value) and "\n" not in str(exc.value)


def test_bad_url_is_refused(out_dir):
    with pytest.raises(PushError, match="not an http"):
        push(out_dir, "localhost:7878")
