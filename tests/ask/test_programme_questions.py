"""`kg ask` on programmes: a programme named in a question is bound like an organisation ("Who funds the X
programme?"), on a report written for the test, built and asked through the real command."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

REPORT = ("Kenya water brief 2025\n\n"
          "In Kenya, Japan funds the Blue Water Programme, which repaired 40 boreholes in Turkana.\n\n"
          "The Blue Water Programme is implemented by the Kenya Red Cross Society.\n\n"
          "Norway allocated US$2 million to the Blue Water Programme in March.\n")


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("programme-ask")
    (folder / "kenya-water-brief.txt").write_text(REPORT, encoding="utf-8")
    run = kg("build", str(folder / "kenya-water-brief.txt"), "--out", str(folder / "out"))
    assert run.returncode == 0, run.stderr
    return folder / "out"


def test_who_funds_a_programme_answers_its_funders_from_the_funding_relations(out):
    run = kg("ask", "Who funds the Blue Water Programme?", "--out", str(out), "--format", "json")
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert [a["label"] for a in got["answers"]] == ["Japan", "Norway"]
    assert "# bound $entity = <https://w3id.org/reportkg/id/programme/blue-water-programme>" in got["sparql"]
    assert "Who funds an organisation" in got["sparql"]        # the funding relation's query, not a text search


def test_the_programmes_query_lists_funders_implementer_place_and_sdg(out):
    run = kg("query", "programmes", "--param", "programme=Blue Water Programme", "--out", str(out), "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = {tuple(line.split(",")[i] for i in (4, 6)) for line in run.stdout.splitlines()[1:]}
    assert {("funded by", "Japan"), ("funded by", "Norway"), ("implemented by", "Kenya Red Cross Society"),
            ("serves", "SDG 6: Clean water and sanitation")} <= rows, rows
