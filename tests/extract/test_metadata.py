"""A report's .meta.json file: what the text does not say (title, publisher, year, date, address, language)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS

from extract.metadata import MetaError, ReportMeta, read_meta
from extract.relations import find_reporting_org
from extract.report import ReportError, extract_report
from kg.build.iris import entity_iri, report_iri
from tests.conftest import HAITI, MALI

XSD_NS = "http://www.w3.org/2001/XMLSchema#"


def _report(folder: Path, text: str, meta: dict | str | None, name: str = "note") -> Path:
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    if meta is not None:
        (folder / f"{name}.meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta), encoding="utf-8")
    return path


def test_bundled_reports_carry_their_metadata(dataset):
    mali, haiti = report_iri(MALI), report_iri(HAITI)
    g = dataset.graph(mali)
    assert g.value(mali, DCTERMS.title) == Literal("UNICEF Mali Country Office Annual Report 2021")
    assert g.value(mali, RDFS.label) == g.value(mali, DCTERMS.title)
    assert g.value(mali, DCTERMS.publisher) == entity_iri("org/unicef")
    assert g.value(mali, DCTERMS.temporal) == Literal("2021", datatype=URIRef(XSD_NS + "gYear"))
    h = dataset.graph(haiti)
    assert h.value(haiti, DCTERMS.publisher) == entity_iri("org/wfp")
    assert h.value(haiti, DCTERMS.issued) == Literal("2025-10", datatype=URIRef(XSD_NS + "gYearMonth"))


def test_without_a_metadata_file_the_file_name_gives_the_title(tmp_path, extractor):
    record = extract_report(_report(tmp_path, "UNICEF works with WFP in Mali.", None, "mali-note-2020"), extractor)
    assert record.title == "mali note 2020" and record.meta == ReportMeta() and record.publisher is None


def test_every_field_reaches_the_record(tmp_path, extractor):
    meta = {"title": "  A   note\non Mali ", "publisher": "World Food Programme", "year": 2019,
            "issued": "2020-02-29", "url": "https://example.org/notes/mali.pdf", "language": "fr-ML"}
    record = extract_report(_report(tmp_path, "UNICEF works with WFP in Mali. WFP reached 300 schools.", meta), extractor)
    assert record.title == "A note on Mali"
    assert record.publisher == "org/wfp"          # linked by its full name, an alias in the gazetteer
    assert record.meta.issued == "2020-02-29" and record.meta.url.endswith("mali.pdf") and record.meta.language == "fr-ML"
    assert {r.year for r in record.results} == {2019}   # the year the report covers, not one from the text


def test_the_publisher_is_the_implicit_actor_even_when_another_is_named_more(tmp_path, extractor):
    text = "FAO, FAO and again FAO worked in Mali. UNICEF published this note."
    without = extract_report(_report(tmp_path, text, None, "a"), extractor)
    with_meta = extract_report(_report(tmp_path, text, {"publisher": "UNICEF"}, "b"), extractor)
    assert find_reporting_org(without) is None     # the most-named organisation is not the actor of every sentence
    assert find_reporting_org(with_meta) == "org/unicef"


def test_without_metadata_the_title_and_header_give_title_and_publisher(tmp_path, extractor):
    text = "HIGHLIGHTS\n\nWFP Emergency Update on Flood Response\n\nWFP reached 300 schools in Mali. FAO and FAO again.\n"
    record = extract_report(_report(tmp_path, text, None, "flood-update"), extractor)
    assert record.title == "WFP Emergency Update on Flood Response"   # a generic heading is not the title
    assert record.publisher == "org/wfp" and find_reporting_org(record) == "org/wfp"


def test_a_publisher_the_gazetteer_does_not_know_stays_a_name(tmp_path, extractor):
    record = extract_report(_report(tmp_path, "UNICEF works in Mali.", {"publisher": "Friends of Tombouctou"}), extractor)
    assert record.publisher is None and record.meta.publisher == "Friends of Tombouctou"
    from kg.build.graph import build_dataset

    ds = build_dataset([record])
    rep = report_iri(record.slug)
    assert ds.graph(rep).value(rep, DCTERMS.publisher) == Literal("Friends of Tombouctou")


@pytest.mark.parametrize("meta, message", [
    ('{"title": "x",}', "not valid JSON"),
    ('["title"]', "one JSON object"),
    ({"titel": "x"}, "unknown field 'titel'"),
    ({"title": ""}, "'title' must be a non-empty string"),
    ({"title": 7}, "'title' must be a non-empty string"),
    ({"year": "2021"}, "'year' must be a whole number"),
    ({"year": True}, "'year' must be a whole number"),
    ({"year": 21}, "'year' must be a whole number"),
    ({"issued": "March 2022"}, "'issued' must be a date"),
    ({"issued": "2021-02-30"}, "not a real date"),
    ({"url": "javascript:alert(1)"}, "'url' must be an http(s) address"),
    ({"url": "https://example.org/a b"}, "'url' must be an http(s) address"),
    ({"url": "https://example.org/>x"}, "'url' must be an http(s) address"),
    ({"language": "English"}, "'language' must be a language tag"),
])
def test_a_bad_metadata_file_is_refused_naming_file_and_field(tmp_path, extractor, meta, message):
    path = _report(tmp_path, "UNICEF works in Mali.", meta)
    with pytest.raises(MetaError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        read_meta(path)
    assert "note.meta.json" in str(info.value)
    with pytest.raises(ReportError, match="note.meta.json"):
        extract_report(path, extractor)


def test_editing_the_metadata_file_rebuilds_that_report(tmp_path):
    from kg.build.cache import pipeline_version, cache_key

    path = _report(tmp_path, "UNICEF works in Mali.", {"title": "One"})
    version = pipeline_version()
    first = cache_key(path, version)
    (tmp_path / "note.meta.json").write_text(json.dumps({"title": "Two"}), encoding="utf-8")
    assert cache_key(path, version) != first
    (tmp_path / "note.meta.json").unlink()
    assert cache_key(path, version) != first


def test_metadata_files_are_not_taken_for_reports(tmp_path):
    from kg.build.reports import expand_inputs

    _report(tmp_path, "UNICEF works in Mali.", {"title": "One"})
    assert [p.name for p in expand_inputs([tmp_path])] == ["note.txt"]


def test_kg_build_picks_up_an_edited_metadata_file(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    report = _report(tmp_path, "UNICEF works with WFP in Mopti, Mali.", {"title": "First title"})
    out = tmp_path / "out"
    kg = [sys.executable, "-m", "kg.cli", "build", str(report), "--out", str(out)]
    assert subprocess.run(kg, capture_output=True, text=True, cwd=ROOT).returncode == 0
    (tmp_path / "note.meta.json").write_text(json.dumps({"title": "Second title"}), encoding="utf-8")
    again = subprocess.run(kg, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0 and "up to date" not in again.stdout, again.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "Second title" in (out / "graph.ttl").read_text(encoding="utf-8")
    assert "First title" not in (out / "graph.ttl").read_text(encoding="utf-8")
    assert summary["reports"][0]["slug"] == "note"
