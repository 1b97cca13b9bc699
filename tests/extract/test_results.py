"""Quantitative results: the amount parser, and recall against the Mali gold results."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.records import Result
from extract.results import AmountError, parse_amount, read_numbers, report_year
from kg.eval.results import evaluate_results, load_gold_results, record_result_rows, score_results
from kg.eval.scoring import normalize_evidence
from tests.conftest import EVAL, HAITI, MALI


# --- parse_amount --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("857,190", (857190.0, None)),
    ("US$ 48 million", (48e6, "USD")),
    ("US$ 1,8 million", (1.8e6, "USD")),          # decimal comma
    ("US$99.6 million", (99.6e6, "USD")),
    ("US $99.6 million", (99.6e6, "USD")),        # the clean text joins "US\n$"
    ("5.9 million", (5.9e6, None)),
    ("2,360,000", (2360000.0, None)),
    ("USD 5.5 M", (5.5e6, "USD")),
    ("USD 949,300", (949300.0, "USD")),
    ("7,2", (7.2, None)),
    ("1.5 billion", (1.5e9, None)),
])
def test_parse_amount(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["96%", "abc", "", "5 M", "12 apples"])
def test_parse_amount_refuses(text):
    with pytest.raises(AmountError):
        parse_amount(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_round_trip(n):
    assert parse_amount(f"{n:,}") == (float(n), None)


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["", "US$ ", "US$", "USD ", "US $"]),
       st.sampled_from([("million", 1e6), ("billion", 1e9), ("", 1)]))
def test_currency_and_scale_round_trip(tenths, prefix, scale):
    word, factor = scale
    value = tenths / 10
    text = f"{prefix}{value:g} {word}".strip()
    got, currency = parse_amount(text)
    assert got == pytest.approx(value * factor)
    assert currency == ("USD" if prefix else None)


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=9))
def test_decimal_comma_round_trip(whole, decimal):
    got, currency = parse_amount(f"US$ {whole},{decimal} million")
    assert got == pytest.approx((whole + decimal / 10) * 1e6) and currency == "USD"


# --- reading a sentence ----------------------------------------------------------------------------

def _read(text):
    return [(n["value"], n["unit"], n["comparison"]) for n in read_numbers(text, 2021)]


def test_comparison_values():
    got = _read("857,190 U1 children were vaccinated with pentavalent vaccines or 96% (92% in 2020).")
    assert got == [(857190, "children", False), (96, "percent", False), (92, "percent", True)]
    got = _read("Birth registration rate improved from 83% in 2020 to 93.3% in 2021.")
    assert (83, "percent", True) in got and (93.3, "percent", False) in got
    assert (248376, "children", True) in _read("342,265 U5 children treated (compared to 248,376 in 2020).")


def test_no_junk():
    assert _read("1,894 children aged 6–12 victims of violence in 2021 during COVID-19 (SDG-3).") == [
        (1894, "children", False)]
    assert _read("145,853 (78,761 girls, 67,092 boys) severely malnourished children were treated.") == [
        (145853, "children", False)]
    assert _read("Colonel Assimi Goïta took power on 24 May 2021.") == []
    assert _read("prioritizing IPC Phase 4 households") == []


def test_units():
    assert _read("resulted in preventing 755 child marriages and 445 FGM cases") == [
        (755, "cases", False), (445, "cases", False)]
    assert _read("WFP maintained 669 MT of food") == [(669, "metric tons", False)]
    assert _read("over 183 active partners") == [(183, "partners", False)]


def test_report_year(records):
    assert report_year(records[MALI]) == 2021
    assert report_year(records[HAITI]) == 2025


# --- against the gold ----------------------------------------------------------------------------

def test_mali_results_recall(records):
    r = records[MALI]
    ev = score_results(record_result_rows(r), load_gold_results(EVAL / "results.tsv"))
    print(f"\nresults recall {ev.recall:.2f} ({ev.found}/{ev.gold}), {ev.predicted} results extracted")
    for m in ev.misses:
        print(f"  missed {m['value']:g} {m['unit']}: {m['evidence']}")
    assert ev.recall >= 0.9


def test_results_are_well_formed(records):
    for r in records.values():
        assert r.results
        for res in r.results:
            assert isinstance(res, Result)
            text = r.clean.text[res.start:res.end]
            s = r.sentences[res.sentence]
            assert s.start <= res.start < res.end <= s.end, text
            assert any(c.isdigit() for c in text)
            assert res.year and all(p.startswith("place/") for p in res.places)
            assert all(g.startswith("sdg/") for g in res.sdgs)


def test_mali_result_details(records):
    r = records[MALI]
    by_text = {(x.value, x.unit): x for x in r.results if not x.comparison}
    vacc = by_text[(857190, "children")]
    assert vacc.outcome == f"outcome/{MALI}/1" and "sdg/3" in vacc.sdgs and vacc.year == 2021
    water = by_text[(25249, "people")]
    assert {"place/ML-5", "place/ML-6", "place/ML-8"} <= set(water.places) and "sdg/6" in water.sdgs
    assert any(x.value == 92 and x.comparison and x.year == 2020 for x in r.results)


def test_mali_results_in_graph(dataset):
    ev = evaluate_results(dataset, EVAL / "results.tsv", MALI)
    print(f"\ngraph results recall {ev.recall:.2f}")
    assert ev.recall >= 0.9


def test_evidence_normalisation():
    assert normalize_evidence("US $99.6\nmillion") == normalize_evidence("US$99.6 million")
