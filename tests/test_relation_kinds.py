"""Relation kinds are declared once, in the ontology: the kinds read from it, and a toy kind added in a copy of the
project (its class, one extraction component and its cue file, nothing else) built from a tiny report, then found
in the graph, SHACL, the pages and the evaluation."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Literal, URIRef

from extract.kinds import KindError, load_relation_kinds
from kg.build.iris import entity_iri
from kg.namespace import ORG, RK, SCHEMA

ROOT = Path(__file__).resolve().parents[1]
# rdflib's TriG parser uses its deprecated ConjunctiveGraph API: its warnings, not ours
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:rdflib\.")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# What the project copy needs to build, write pages and score: code and data, not tests, reports or out/.
COPIED = ("extract", "kg", "ontology", "queries", "gazetteer")

TOY_CLASS = """
rk:Training a owl:Class ; rdfs:subClassOf rk:Relation ; rdfs:label "Training"@en ;
    rk:relationCode "training" ; rk:subjectRole rk:trainer ; rk:objectRole rk:trainee ;
    rk:shortcut rk:trains ; rk:forwardLabel "trains"@en ; rk:backwardLabel "trained by"@en .
rk:trainer a owl:ObjectProperty ; rdfs:label "trainer"@en .
rk:trainee a owl:ObjectProperty ; rdfs:label "trainee"@en .
rk:trains a owl:ObjectProperty ; rdfs:label "trains"@en ; owl:inverseOf rk:trainedBy .
rk:trainedBy a owl:ObjectProperty ; rdfs:label "trained by"@en .
"""
TOY_SHAPE = """
rk:TrainingShape a sh:NodeShape ;
    sh:targetClass rk:Training ;
    sh:property [ sh:path rk:trainer ; sh:minCount 1 ; sh:maxCount 1 ; sh:class rk:Organization ] ;
    sh:property [ sh:path rk:trainee ; sh:minCount 1 ; sh:class rk:Organization ] .
"""
TOY_COMPONENT = '''"""Training read from the dependency parse: the subject of a training verb trains the organisations in its object."""
from __future__ import annotations

from extract.relations.parse import SentenceView, lemma_of, load_cues, relation

COMPONENT = "training"


def read_training(view: SentenceView) -> list:
    verbs = {c.lemma: c for c in load_cues(COMPONENT) if c.slot == "verb"}
    out = []
    for tok in view.span:
        cue = verbs.get(lemma_of(tok)) if tok.pos_ == "VERB" else None
        if cue is None:
            continue
        side = {dep: [view.org_at[t.i].key for c in tok.children if c.dep_ == dep for t in c.subtree if t.i in view.org_at]
                for dep in ("nsubj", "dobj")}
        if side["nsubj"] and side["dobj"]:
            out.append(relation("training", view, side["nsubj"][0], dict.fromkeys(side["dobj"]), COMPONENT, cue))
    return out
'''
TOY_CUES = ('{"about": "Training cues for extract/relations/training.py. slot \'verb\': a verb of training; its subject '
            'trains the organisations of its object."}\n'
            '{"lemma": "train", "slot": "verb", "confidence": 0.9, "example": "FAO trained the staff of WFP."}\n')
TOY_REPORT = ("Toy Brief on Food Storage\n\n"
              "In March, FAO trained the staff of WFP in the storage of seeds.\n\n"
              "The work continued through the year.\n")
TOY_SENTENCE = "FAO trained the staff of WFP"


def test_the_ontology_declares_each_relation_kind_with_its_roles():
    kinds = load_relation_kinds()
    assert {"partnership", "funding", "membership", "activity", "procurement", "agreement", "implementation"} <= set(kinds)
    funding = kinds["funding"]
    assert (funding.cls, funding.subject_role, funding.object_role) == (str(RK.Funding), str(SCHEMA.funder), str(RK.recipient))
    assert (funding.shortcut, funding.inverse, funding.symmetric) == (str(RK.funds), str(RK.fundedBy), False)
    assert (funding.forward, funding.backward, funding.gold_name) == ("funds", "funded by", "funds")
    assert kinds["partnership"].symmetric and kinds["partnership"].peers and kinds["partnership"].gold_name == "partners_with"
    assert kinds["membership"].gold_name == "member_of" and kinds["membership"].shortcut == str(ORG.memberOf)
    assert kinds["activity"].shortcut is None and kinds["activity"].subject_place == str(RK.actsIn)
    assert kinds["implementation"].object_place == str(RK.operatesIn) and kinds["implementation"].subject_place is None


def test_a_relation_the_ontology_does_not_declare_is_one_clear_error():
    from extract.records import Relation, ReportRecord, Sentence
    from extract.text import clean
    from kg.build.graph import build_dataset

    text = clean("FAO gossiped about WFP.")
    record = ReportRecord("t", "t.txt", "T", text, sentences=[Sentence(0, 0, len(text.text), text.text, None)],
                          relations=[Relation("gossip", 0, "org/fao", ("org/wfp",), component="rumour")])
    with pytest.raises(KindError, match=r"reportkg\.ttl: the component 'rumour' made a relation of kind 'gossip'"):
        build_dataset([record])


def _toy_project(tmp_path: Path) -> Path:
    """A copy of the project with the toy kind: its class (and shape), its component with its line, its cue file."""
    project = tmp_path / "project"
    for name in COPIED:
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    onto = project / "ontology" / "reportkg.ttl"
    onto.write_text(onto.read_text(encoding="utf-8") + TOY_CLASS, encoding="utf-8")
    shapes = project / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + TOY_SHAPE, encoding="utf-8")
    (project / "extract" / "relations" / "training.py").write_text(TOY_COMPONENT, encoding="utf-8")
    (project / "extract" / "lang" / "en" / "relations" / "training.jsonl").write_text(TOY_CUES, encoding="utf-8")
    registry = project / "extract" / "relations" / "components.tsv"
    registry.write_text(registry.read_text(encoding="utf-8") + "training\textract.relations.training:read_training\n",
                        encoding="utf-8")
    return project


def _kg(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=project, env=env)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """The toy project built from one tiny report: (project, out folder)."""
    tmp = tmp_path_factory.mktemp("toy-kind")
    project = _toy_project(tmp)
    report = tmp / "toy-brief.txt"
    report.write_text(TOY_REPORT, encoding="utf-8")
    (tmp / "toy-brief.meta.json").write_text('{"title": "Toy Brief", "publisher": "FAO", "year": 2024, "language": "en"}',
                                             encoding="utf-8")
    out = tmp / "out"
    built = _kg(project, "build", str(report), "--out", str(out), "--no-cache")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "SHACL: conforms" in built.stdout, built.stdout
    return project, out


def test_the_toy_kind_is_in_the_graph_with_its_class_shortcut_and_evidence(toy):
    _, out = toy
    ds = Dataset()
    ds.parse(out / "graph.trig", format="trig")
    g = ds.graph(URIRef("https://w3id.org/reportkg/report/toy-brief"))
    fao, wfp = entity_iri("org/fao"), entity_iri("org/wfp")
    trains = "https://w3id.org/reportkg/ontology#"      # the toy's terms are the copy's, not kg.namespace's
    nodes = list(g.subjects(RDF.type, URIRef(trains + "Training")))
    assert len(nodes) == 1, g.serialize(format="turtle")
    node = nodes[0]
    assert g.value(node, URIRef(trains + "trainer")) == fao and g.value(node, URIRef(trains + "trainee")) == wfp
    assert (fao, URIRef(trains + "trains"), wfp) in g and (wfp, URIRef(trains + "trainedBy"), fao) in g
    assert g.value(node, RK.foundBy) == Literal("training:train")
    evidence = g.value(node, RK.evidence)
    assert TOY_SENTENCE in str(g.value(evidence, URIRef("http://www.w3.org/ns/oa#exact")))


def test_the_toy_kind_shows_on_the_pages(toy):
    from playwright.sync_api import sync_playwright

    from kg.pages.site import entity_href

    _, out = toy
    fao, wfp = str(entity_iri("org/fao")), str(entity_iri("org/wfp"))
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((out / "partnerships.html").resolve().as_uri())
            page.wait_for_function("() => window.graphReady === true", timeout=20000)
            edges = page.evaluate("() => window.graphEdges.get().map(e => [e.kind, e.from, e.to, e.arrows])")
            assert ["training", fao, wfp, "to"] in edges, edges
            assert "training" in page.locator("body").inner_text().lower()     # the legend names it
            page.goto((out / entity_href(fao)).resolve().as_uri())
            page.wait_for_function("() => window.graphReady === true", timeout=20000)
            text = page.locator("body").inner_text()
            assert "trains" in text and "WFP" in text, text
            page.goto((out / entity_href(wfp)).resolve().as_uri())
            page.wait_for_function("() => window.graphReady === true", timeout=20000)
            assert "trained by" in page.locator("body").inner_text()
            assert not errors, errors
        finally:
            browser.close()


def test_the_toy_kind_is_scored_by_eval_under_its_gold_name(toy, tmp_path):
    project, out = toy
    gold = tmp_path / "toy-brief"
    gold.mkdir()
    (gold / "entities.tsv").write_text("kind\tlabel\tsurface_forms\twikidata\tcode\tnote\n"
                                       "un_agency\tFAO\tFAO\tQ82151\t\t\nun_agency\tWFP\tWFP\tQ204344\t\t\n",
                                       encoding="utf-8")
    (gold / "relations.tsv").write_text("relation\tsubject\tobject\tstatus\tcontext\tevidence\n"
                                        f"trains\tFAO\tWFP\tcore\tseed storage\t{TOY_SENTENCE}\n", encoding="utf-8")
    scored = _kg(project, "eval", "--out", str(out), "--gold", str(gold), "--no-questions")
    assert scored.returncode == 0, scored.stdout + scored.stderr
    row = next((line for line in scored.stdout.splitlines() if "training" in line), None)
    assert row is not None, scored.stdout
    assert row.split("│")[2:5] == [" 1.000 ", " 1.000 ", " 1.000 "], row


def test_a_question_relation_names_a_declared_kind(tmp_path):
    import json

    from kg.ask.words import WordsError, _check_words
    from kg.query.library import query_dir

    text = (query_dir() / "ask" / "words.json").read_text(encoding="utf-8").replace('"kind": "funding"', '"kind": "fundraising"', 1)
    path = tmp_path / "words.json"
    path.write_text(text, encoding="utf-8")
    line = next(n for n, l in enumerate(text.split("\n"), 1) if '"fundraising"' in l)
    with pytest.raises(WordsError, match=rf"words\.json:{line}: the relation 'funds' asks about the kind 'fundraising'"):
        _check_words(path, json.loads(text))


def test_a_relation_class_without_its_roles_is_one_line_naming_its_line(tmp_path):
    project = tmp_path / "project"
    for name in COPIED:
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    onto = project / "ontology" / "reportkg.ttl"
    text = onto.read_text(encoding="utf-8")
    assert text.count("rk:subjectRole schema:funder ; ") == 1
    onto.write_text(text.replace("rk:subjectRole schema:funder ; ", ""), encoding="utf-8")
    line = next(n for n, l in enumerate(onto.read_text(encoding="utf-8").split("\n"), 1) if 'rk:relationCode "funding"' in l)
    (tmp_path / "note.txt").write_text("A short note.\n", encoding="utf-8")
    got = _kg(project, "build", str(tmp_path / "note.txt"), "--out", str(tmp_path / "out"))
    assert got.returncode == 1 and "Traceback" not in got.stderr, got.stderr
    assert got.stderr.strip().splitlines() == [
        f"error: {onto}:{line}: the relation class rk:Funding has no rk:subjectRole (the property from its node to "
        f"that side); add one, e.g. rk:subjectRole rk:participant"], got.stderr
    assert not (tmp_path / "out").exists()
