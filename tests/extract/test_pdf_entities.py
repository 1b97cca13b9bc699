"""A PDF builds as well as its text: the published PDF of a development report and the text extracted from it
give the same organisations and places (copies in tests/data, named generically)."""
from __future__ import annotations

from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"


def _entities(record):
    return {k for k, e in record.entities.items() if e.kind not in ("theme", "outcome", "person")}


def test_a_development_report_pdf_gives_the_entities_of_its_text(extractor):
    from extract.report import extract_report

    pdf = extract_report(DATA / "dev-report.pdf", extractor)
    txt = extract_report(DATA / "dev-report.txt", extractor)
    assert len(_entities(txt)) > 50                        # organisations beyond the gazetteer among them
    assert sum(1 for e in txt.entities.values() if e.found_by) > 20
    assert _entities(pdf) == _entities(txt), (sorted(_entities(pdf) - _entities(txt)), sorted(_entities(txt) - _entities(pdf)))
    assert all(s.page for s in pdf.sentences)             # PDF sentences know their page
