"""The Oxigraph store under out/store/: loaded once from graph.trig, reused, reloaded when the graph changes."""
from __future__ import annotations

import os
import shutil

import pytest

from kg.dataset.store import STAMP_FILE, STORE_DIR, StoreError, load_store, store_is_fresh

# kg.dataset.load.load_dataset reads graph.trig with rdflib's TriG parser, which uses rdflib's own deprecated API
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:rdflib\.")


@pytest.fixture()
def folder(out_dir, tmp_path):
    for name in ("graph.trig", "candidates.tsv"):
        shutil.copy(out_dir / name, tmp_path / name)
    return tmp_path


def test_store_holds_what_kg_query_reads_and_its_union(folder, records):
    import pyoxigraph as ox

    from kg.dataset.load import load_dataset

    store = load_store(folder)
    reference = load_dataset(folder)
    graphs = [g for g in reference.graphs() if len(g)]
    for g in graphs:
        assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(g.identifier))))) == len(g)
    assert {g.value for g in store.named_graphs()} == {str(g.identifier) for g in graphs}
    assert {f"https://w3id.org/reportkg/report/{slug}" for slug in records} <= {g.value for g in store.named_graphs()}
    # the default graph is the union, each triple once
    union = {t for g in graphs for t in g}
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == len(union)


def test_the_build_writes_the_store_load_graph_defines(out_dir, tmp_path):
    """`kg build` makes out/store/ from its own quads; it holds what one made by reading graph.trig back holds."""
    import pyoxigraph as ox

    from kg.dataset.store import store_path, write_store

    assert store_is_fresh(out_dir), "the build did not leave a store stamped with its own files"
    stamp = out_dir / STORE_DIR / STAMP_FILE
    made = stamp.stat().st_mtime_ns
    load_store(out_dir)
    assert stamp.stat().st_mtime_ns == made, "a store the build wrote was made again"

    for name in ("graph.trig", "candidates.tsv"):
        shutil.copy2(out_dir / name, tmp_path / name)
    write_store(tmp_path)  # no dataset given: kg.dataset.load.load_dataset reads graph.trig
    built, reread = (ox.Dataset(ox.Store.read_only(str(store_path(f)))) for f in (out_dir, tmp_path))
    for d in (built, reread):  # the ontology's lists are blank nodes, named afresh by each load
        d.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    built, reread = set(built), set(reread)
    assert built == reread, (sorted(map(str, built - reread))[:5], sorted(map(str, reread - built))[:5])
    assert len(built) > 2 * len(list(ox.parse(path=str(out_dir / "graph.trig")))), "the entailments and the union are missing"


def test_store_is_reused_then_reloaded_when_the_graph_changes(folder):
    load_store(folder)
    stamp = folder / STORE_DIR / STAMP_FILE
    made = stamp.stat().st_mtime_ns
    load_store(folder)
    assert stamp.stat().st_mtime_ns == made, "an unchanged graph must not reload the store"
    trig = folder / "graph.trig"
    trig.write_text(trig.read_text(encoding="utf-8") + "\n<urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> . }\n", encoding="utf-8")
    assert not store_is_fresh(folder)
    store = load_store(folder)
    assert any(g.value == "urn:x:g" for g in store.named_graphs())


def test_two_readers_at_once(folder):
    a, b = load_store(folder), load_store(folder)
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    n = lambda s: int(next(iter(s.query(q)))["n"].value)  # noqa: E731
    assert n(a) == n(b) > 0


def test_missing_graph_names_the_file(tmp_path):
    with pytest.raises(StoreError, match="graph.trig"):
        load_store(tmp_path)
    assert not os.listdir(tmp_path) or all(p.startswith(".") for p in os.listdir(tmp_path))
