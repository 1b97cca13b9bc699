"""The one loader: every reader (query, ask, pages, eval, serve, push) gets the same dataset from a build."""
from __future__ import annotations

import shutil

from rdflib import Dataset

from kg.dataset.load import CANDIDATES, ONTOLOGY_GRAPH, complete_dataset, dataset_additions, load_dataset
from kg.ontology import entity_kind


def test_the_build_completes_its_dataset_as_the_loader_does(built, out_dir):
    """What kg build hands the pages and the store (its own graphs and `dataset_additions`) is what load_dataset
    reads back from graph.trig; the build's own dataset is left as it was made."""
    from rdflib.compare import graph_diff, isomorphic, to_isomorphic

    build, _ = built
    before = len(build.dataset)
    made = Dataset()
    for g in build.dataset.graphs():
        made.graph(g.identifier).addN((s, p, o, made.graph(g.identifier)) for s, p, o in g)
    for name, triples in dataset_additions(build.dataset, out_dir / "candidates.tsv"):
        made.graph(name).addN((s, p, o, made.graph(name)) for s, p, o in triples)
    read = load_dataset(out_dir)
    assert {g.identifier for g in made.graphs() if len(g)} == {g.identifier for g in read.graphs() if len(g)}
    for g in read.graphs():
        if len(g):
            ours = made.graph(g.identifier)
            if not isomorphic(ours, g):
                _, only_made, only_read = graph_diff(to_isomorphic(ours), to_isomorphic(g))
                raise AssertionError(f"{g.identifier}: {sorted(map(str, only_made))[:3]} / {sorted(map(str, only_read))[:3]}")
    assert len(build.dataset) == before and len(build.dataset.graph(ONTOLOGY_GRAPH)) == 0, \
        "the build's own dataset is left as it was made"


def test_complete_dataset_adds_the_additions_in_place(out_dir):
    ds = Dataset(default_union=True)
    ds.parse(out_dir / "graph.trig", format="trig")
    additions = dataset_additions(ds, out_dir / "candidates.tsv")
    assert {name for name, _ in additions} >= {ONTOLOGY_GRAPH, CANDIDATES}
    n = len(set().union(*(set(ctx) for ctx in ds.graphs())))
    complete_dataset(ds, out_dir / "candidates.tsv")
    for name, triples in additions:
        assert triples <= set(ds.graph(name)), name
    assert len(ds) > n


def test_kg_pages_writes_the_pages_the_build_wrote(built, out_dir, tmp_path):
    """`kg pages` (load_dataset) and `kg build` (its completed dataset) draw the same site (given the build's
    SHACL result, which `kg pages` does not run)."""
    from kg.pages.write import write_pages

    for name in ("graph.trig", "candidates.tsv"):
        shutil.copy2(out_dir / name, tmp_path / name)
    written = write_pages(load_dataset(tmp_path), tmp_path, built[0].conformance)
    pages = sorted(p.relative_to(tmp_path) for p in written if p.suffix == ".html")
    assert len(pages) > 20
    for rel in pages:
        # rows of equal rank may come in another order in another process; their set is the page's content
        assert sorted((tmp_path / rel).read_text(encoding="utf-8").split("<")) == \
            sorted((out_dir / rel).read_text(encoding="utf-8").split("<")), rel


def test_eval_scores_the_one_dataset_as_it_scored_the_graph_as_written(out_dir):
    """Entailed superclass types (an agency is also an rk:Organization) do not change an entity's kind."""
    from kg.eval import evaluate

    written = Dataset()
    written.parse(out_dir / "graph.trig", format="trig")
    plain = evaluate(out_dir, dataset=written, questions=False)
    loaded = evaluate(out_dir, questions=False)
    for part in ("entities", "relations", "sdgs", "results"):
        assert repr(getattr(loaded, part)) == repr(getattr(plain, part)), part


def test_an_entity_kind_is_its_most_specific_code():
    assert entity_kind({"organization", "un_agency"}) == "un_agency"
    assert entity_kind({"place", "country", "organization", "donor_government"}) == "donor_government"
    assert entity_kind({"programme", "initiative"}) == "initiative"
    assert entity_kind({"place"}) == "place"


def test_the_store_is_stamped_with_the_pipeline_and_the_loader(out_dir):
    import json

    from kg.dataset.store import STAMP_FILE, STORE_DIR, loader_digest

    stamp = json.loads((out_dir / STORE_DIR / STAMP_FILE).read_text(encoding="utf-8"))
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert stamp["pipeline"] == summary["pipeline"] and len(summary["pipeline"]) == 16
    assert stamp["loader"] == loader_digest()
