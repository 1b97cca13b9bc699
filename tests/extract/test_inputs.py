"""Inputs users actually have: PDFs (with page numbers), Windows-1252 text, scanned PDFs."""
from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from extract.report import ReportEncodingWarning, ReportError, extract_report
from tests.conftest import ROOT

PAGE_1 = ("UNICEF Annual Report\n\nUNICEF worked in Mali with WFP and FAO. In cooperation with WFP, UNICEF "
          "reached 12,000 children in Mopti and Gao regions.")
PAGE_2 = ("Partnerships\n\nCanada and Sweden funded the programme. The Government of Mali and UNICEF "
          "reopened 40 schools in Kidal region.")


def _entity_keys(record) -> set[str]:
    return {m.key.replace(record.slug, "REPORT") for m in record.mentions}


def _make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        for para in text.split("\n\n"):
            pdf.multi_cell(0, 6, para)
            pdf.ln(4)
    pdf.output(str(path))
    return path


def test_a_pdf_builds_to_the_same_entities_as_its_text_with_page_numbers(tmp_path, extractor):
    txt = tmp_path / "note.txt"
    txt.write_text(PAGE_1 + "\n\n" + PAGE_2, encoding="utf-8")
    pdf = _make_pdf(tmp_path / "note-pdf.pdf", [PAGE_1, PAGE_2])
    from_text, from_pdf = extract_report(txt, extractor), extract_report(pdf, extractor)
    assert _entity_keys(from_pdf) == _entity_keys(from_text)
    assert {"org/unicef", "org/wfp", "place/ML-5", "place/ML-8", "place/CA", "place/SE"} <= _entity_keys(from_pdf)
    page_of = {m.key: from_pdf.sentences[m.sentence].page for m in from_pdf.mentions}
    assert page_of["place/ML-5"] == 1 and page_of["place/ML-8"] == 2 and page_of["place/SE"] == 2


def test_the_real_haiti_pdf_builds_to_the_same_entities_as_its_text_version(extractor):
    pdf = extract_report(ROOT / "tests" / "data" / "wfp-haiti-2025-10-country-brief.pdf", extractor)
    txt = extract_report(ROOT / "reports" / "wfp-haiti-2025-10-country-brief.txt", extractor)
    assert _entity_keys(pdf) == _entity_keys(txt)
    assert {s.page for s in pdf.sentences} == {1, 2}


def test_a_scanned_pdf_without_text_says_it_needs_ocr(tmp_path, extractor):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 100, style="F")   # a page with a picture and no text layer
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(ReportError, match="no text layer.*OCR"):
        extract_report(path, extractor)
    run = subprocess.run([sys.executable, "-m", "kg.cli", "build", str(path), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1 and "OCR" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_windows_1252_text_is_read_with_a_warning(tmp_path, extractor):
    path = tmp_path / "latin.txt"
    path.write_bytes("UNICEF worked in Mali, in Ségou and Ménaka, with WFP – and the Gouvernement’s partners.".encode("cp1252"))
    with pytest.warns(ReportEncodingWarning, match="Windows-1252"):
        record = extract_report(path, extractor)
    assert {"org/unicef", "org/wfp", "place/ML-4", "place/ML-9", "place/ML"} <= {m.key for m in record.mentions}


def test_utf8_with_bom_reads_without_warning(tmp_path, extractor):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffUNICEF worked in Mopti, Mali.".encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportEncodingWarning)
        record = extract_report(path, extractor)
    assert record.clean.text.startswith("UNICEF")
    assert {"org/unicef", "place/ML-5", "place/ML"} <= {m.key for m in record.mentions}
