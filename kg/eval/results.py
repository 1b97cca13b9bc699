"""Score quantitative results (from a built graph or from records) against a gold results file: recall, misses."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset

from extract.records import ReportRecord
from kg.build.iris import report_iri
from kg.eval.scoring import EvalError, normalize_evidence, read_gold_tsv
from kg.namespace import PREFIXES

RESULT_COLUMNS = ("value", "unit", "evidence")

_RESULTS_QUERY = """
SELECT ?value ?unit ?text WHERE {
  ?r a rk:Result ; sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure ?unit ; rk:evidence ?s .
  ?s oa:exact ?text .
}"""


class ResultEvalError(EvalError):
    """A gold results file or a graph cannot be scored."""


@dataclass
class ResultEval:
    """Recall of gold results: a gold row is found when value and unit are equal and the evidence agrees."""

    gold: int
    found: int
    predicted: int
    misses: list[dict] = field(default_factory=list)       # gold rows not found
    hits: list[tuple[dict, dict]] = field(default_factory=list)   # (gold row, predicted row)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0


def load_gold_results(path: Path) -> list[dict]:
    rows = [row for row in read_gold_tsv(path, RESULT_COLUMNS, "results") if row.get("value")]
    for n, row in enumerate(rows, 2):
        try:
            row["value"] = float(row["value"])
        except ValueError as err:
            raise ResultEvalError(f"{path}:{n}: value {row['value']!r} is not a plain number") from err
    return rows


def record_result_rows(record: ReportRecord) -> list[dict]:
    """Rows to score from a report record: value, unit, evidence sentence, and the span as written."""
    return [{"value": r.value, "unit": r.unit, "evidence": record.sentences[r.sentence].text,
             "text": record.clean.text[r.start:r.end], "what": r.what, "comparison": r.comparison}
            for r in record.results]


def graph_result_rows(ds: Dataset, slug: str) -> list[dict]:
    """Rows to score from one report's named graph in a built dataset."""
    g = ds.graph(report_iri(slug))
    if len(g) == 0:
        raise ResultEvalError(f"report {slug!r} is not in the graph; build it first")
    return [{"value": float(v), "unit": str(u), "evidence": str(t)}
            for v, u, t in g.query(_RESULTS_QUERY, initNs=PREFIXES)]


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def score_results(predicted: list[dict], gold: list[dict]) -> ResultEval:
    """Match each gold row to a predicted row with equal value and unit whose evidence holds the gold evidence."""
    result = ResultEval(gold=len(gold), found=0, predicted=len(predicted))
    normalized = [normalize_evidence(p["evidence"]) for p in predicted]
    for g in gold:
        want = normalize_evidence(g["evidence"])
        hit = next((p for p, text in zip(predicted, normalized)
                    if _same_value(p["value"], g["value"]) and p["unit"].casefold() == g["unit"].casefold()
                    and want in text), None)
        if hit is None:
            result.misses.append(g)
        else:
            result.found += 1
            result.hits.append((g, hit))
    return result


def evaluate_results(ds: Dataset, gold_path: Path, slug: str) -> ResultEval:
    """Score the results of report `slug` in a built dataset against a gold results TSV."""
    return score_results(graph_result_rows(ds, slug), load_gold_results(gold_path))
