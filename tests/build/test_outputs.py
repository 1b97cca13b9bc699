"""The built files for the wider toolset: graph.trig, graph.ttl and graph.jsonld hold the same quads for independent
parsers (rdflib, pyoxigraph, rapper, pyld), and the output folder is readable by others."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld

from tests.conftest import HAITI, MALI

REPORT = "https://w3id.org/reportkg/report/"
# rdflib's own parsers and N-Quads writer use its deprecated ConjunctiveGraph API: its warnings, not ours
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:rdflib\.")


def canonical(nquads: str | bytes) -> set[str]:
    """N-Quads text as a set of quads in one spelling (pyoxigraph's), so parsers are compared on what they read.
    The bundled graph has no blank nodes (checked below), so no isomorphism is needed."""
    data = nquads.encode("utf-8") if isinstance(nquads, str) else nquads
    return {str(q) for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)}


def refuse_remote(url, options=None):
    """pyld's document loader: the output must be read offline, so any context to fetch is an error."""
    raise jsonld.JsonLdError(f"refused to fetch {url}: graph.jsonld must need nothing from the network",
                             "jsonld.LoadDocumentError", {"url": url}, code="loading document failed")


@pytest.fixture(scope="module")
def quads(out_dir) -> set[str]:
    """graph.trig as rdflib reads it: the reference the other readings are compared with."""
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(out_dir / "graph.trig", format="trig")
    found = canonical(ds.serialize(format="nquads", encoding="utf-8"))
    assert found and not any("_:" in q for q in found)
    return found


def triples_of(nquads: set[str] | str | bytes) -> set[str]:
    """The triples of N-Quads (a set of quads as `canonical` gives them, or text), graph names dropped."""
    if isinstance(nquads, set):
        nquads = "".join(q + " .\n" for q in nquads)
    data = nquads.encode("utf-8") if isinstance(nquads, str) else nquads
    return {str(q.triple) for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)}


def test_jsonld_is_compact_json_ld_with_one_graph_per_report(out_dir):
    doc = json.loads((out_dir / "graph.jsonld").read_text(encoding="utf-8"))
    context = doc["@context"]
    assert context["@version"] == 1.1
    assert context["rk"] == "https://w3id.org/reportkg/ontology#" and context["sdg"] == "http://metadata.un.org/sdg/"
    assert all(isinstance(v, str) for k, v in context.items() if k != "@version")   # prefixes only, inline
    expanded = jsonld.expand(doc, {"documentLoader": refuse_remote})
    graphs = {g["@id"] for g in expanded if "@graph" in g}
    assert graphs == {REPORT + MALI, REPORT + HAITI}
    assert all("@graph" in g for g in expanded), "every node sits in its report's named graph"
    text = (out_dir / "graph.jsonld").read_text(encoding="utf-8")
    assert '"rk:' in text, "terms are written as compact IRIs"


def test_trig_and_jsonld_hold_the_same_quads_for_every_parser(out_dir, quads):
    from rdflib import Dataset

    readings = {}
    ds = Dataset()
    ds.parse(out_dir / "graph.jsonld", format="json-ld")
    readings["rdflib json-ld"] = canonical(ds.serialize(format="nquads", encoding="utf-8"))
    for name in ("graph.trig", "graph.jsonld"):
        fmt = ox.RdfFormat.TRIG if name.endswith(".trig") else ox.RdfFormat.JSON_LD
        readings[f"pyoxigraph {name}"] = {str(q) for q in ox.parse(path=str(out_dir / name), format=fmt)}
    rapper = subprocess.run(["rapper", "-q", "-i", "trig", "-o", "nquads", str(out_dir / "graph.trig")],
                            capture_output=True, check=True)
    readings["rapper trig"] = canonical(rapper.stdout)
    doc = json.loads((out_dir / "graph.jsonld").read_text(encoding="utf-8"))
    readings["pyld json-ld"] = canonical(jsonld.to_rdf(doc, {"format": "application/n-quads",
                                                             "documentLoader": refuse_remote}))
    for name, got in readings.items():
        assert got == quads, (f"{name}: {len(got - quads)} quads not in graph.trig, e.g. {sorted(got - quads)[:2]}; "
                              f"{len(quads - got)} missing, e.g. {sorted(quads - got)[:2]}")


def test_turtle_holds_the_union_for_every_parser(out_dir, quads):
    from rdflib import Graph

    union = triples_of(quads)
    g = Graph()
    g.parse(out_dir / "graph.ttl", format="turtle")
    readings = {"rdflib": triples_of(g.serialize(format="nt", encoding="utf-8")),
                "pyoxigraph": {str(q.triple) for q in ox.parse(path=str(out_dir / "graph.ttl"), format=ox.RdfFormat.TURTLE)}}
    rapper = subprocess.run(["rapper", "-q", "-i", "turtle", "-o", "ntriples", str(out_dir / "graph.ttl")],
                            capture_output=True, check=True)
    readings["rapper"] = triples_of(rapper.stdout)
    for name, got in readings.items():
        assert got == union, f"{name}: {len(got ^ union)} triples differ from the union of graph.trig"


def test_pyld_refuses_a_remote_context():
    """The loader used above does refuse: a document naming a remote context fails instead of fetching it."""
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:x:a", "urn:x:p": "v"},
                      {"documentLoader": refuse_remote})


def modes(folder: Path) -> dict[str, set[str]]:
    found = {"folders": set(), "files": set()}
    for root, dirs, files in os.walk(folder):
        found["folders"].add(oct(stat.S_IMODE(os.stat(root).st_mode)))
        for f in files:
            found["files"].add(oct(stat.S_IMODE(os.stat(os.path.join(root, f)).st_mode)))
    return found


def test_output_folder_is_readable_by_others(built, tmp_path):
    """Like any build tool: 0755 folders and 0644 files under the usual umask, the store too."""
    from kg.build.write import write_build
    from kg.dataset.store import load_store

    old = os.umask(0o022)
    try:
        out = tmp_path / "out"
        write_build(built[0], out)
        write_build(built[0], out)      # a rebuild carries the cache over: its copies too
        load_store(out)
    finally:
        os.umask(old)
    assert (out / "graph.jsonld").is_file() and (out / "store").is_dir() and (out / "cache").is_dir()
    assert modes(out) == {"folders": {"0o755"}, "files": {"0o644"}}
