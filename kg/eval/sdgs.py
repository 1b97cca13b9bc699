"""Score outcome-to-SDG links and the report's own theme-to-SDG ties against gold relation rows.

Gold rows come from a relations TSV (`relation subject object status context evidence`):
`contributes_to` rows link an outcome ("Outcome 1: Early Years") to an SDG ("SDG 3"), `core` where
the outcome plainly serves the goal, `secondary` where it serves it in part; `theme_of_sdg` rows are
ties the report states, with the sentence that states them. Predicted rows come from a built graph
(`graph_*_rows`) or straight from report records (`record_*_rows`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset

from extract.records import ReportRecord
from kg.build.iris import report_iri
from kg.eval.scoring import EvalError, normalize_evidence, read_gold_tsv
from kg.namespace import PREFIXES

_LINKS_QUERY = """
SELECT ?number ?label ?sdg ?weight ?stated WHERE {
  ?c a rk:SdgContribution ; rk:outcome ?o ; rk:sdg ?sdg ; rk:weight ?weight ; rk:stated ?stated .
  OPTIONAL { ?o rk:outcomeNumber ?number }
  OPTIONAL { ?o rdfs:label ?label }
}"""
_TIES_QUERY = """
SELECT ?sdg ?text WHERE {
  ?c a rk:SdgContribution ; rk:theme ?t ; rk:sdg ?sdg ; rk:stated true ; rk:evidence ?s .
  ?s oa:exact ?text .
  FILTER NOT EXISTS { ?c rk:outcome ?o }
  FILTER NOT EXISTS { ?c rk:programme ?p }
}"""
_OUTCOME_NUMBER = re.compile(r"outcome\s+(\d+)", re.IGNORECASE)
_GOAL_NUMBER = re.compile(r"(\d+)\s*$")


class SdgEvalError(EvalError):
    """A gold relations file or a graph cannot be scored."""


@dataclass
class SdgEval:
    """How well outcome links and stated ties agree with the gold rows."""

    core: int = 0
    core_found: int = 0
    secondary: int = 0
    secondary_found: int = 0
    misses: list[tuple[str, int, str]] = field(default_factory=list)       # (outcome, goal, status)
    order_violations: list[tuple[str, int, float, int, float]] = field(default_factory=list)
    extra: list[tuple[str, int, float]] = field(default_factory=list)     # links the gold does not list
    matrix: dict[str, dict[int, float]] = field(default_factory=dict)     # outcome -> goal -> weight
    ties: int = 0
    ties_found: int = 0
    tie_misses: list[dict] = field(default_factory=list)
    tie_false_hits: list[tuple[int, str]] = field(default_factory=list)   # (goal, sentence)

    @property
    def core_recall(self) -> float:
        return self.core_found / self.core if self.core else 1.0

    @property
    def secondary_recall(self) -> float:
        return self.secondary_found / self.secondary if self.secondary else 1.0

    @property
    def tie_recall(self) -> float:
        return self.ties_found / self.ties if self.ties else 1.0


def load_gold_relations(path: Path, kinds: tuple[str, ...] = ("contributes_to", "theme_of_sdg")) -> list[dict]:
    rows = read_gold_tsv(path, ("relation", "subject", "object", "status"), "relations")
    return [row for row in rows if row.get("relation") in kinds]


def _goal(text: str) -> int | None:
    m = _GOAL_NUMBER.search(str(text).rstrip("/"))
    return int(m.group(1)) if m else None


def _outcome(number, label) -> str:
    if number is not None:
        return str(int(number))
    m = _OUTCOME_NUMBER.search(str(label or ""))
    return m.group(1) if m else str(label)


def record_link_rows(record: ReportRecord) -> list[dict]:
    """Outcome links of a record as rows: outcome number, outcome label, goal, weight, stated."""
    rows = []
    for link in record.sdg_links:
        info = record.entities.get(link.outcome)
        rows.append({"outcome": _outcome(info.number if info else None, info.label if info else link.outcome),
                     "label": info.label if info else link.outcome, "goal": _goal(link.sdg),
                     "weight": link.weight, "stated": link.stated})
    return rows


def record_tie_rows(record: ReportRecord) -> list[dict]:
    """Stated theme ties of a record as rows: goal and the sentence that states the tie."""
    return [{"goal": _goal(t.sdg), "evidence": record.sentences[t.sentence].text}
            for t in record.theme_ties if t.stated and t.sentence is not None]


def graph_link_rows(ds: Dataset, slug: str) -> list[dict]:
    g = _report_graph(ds, slug)
    return [{"outcome": _outcome(n, lab), "label": str(lab or ""), "goal": _goal(sdg), "weight": float(w),
             "stated": bool(st.toPython())} for n, lab, sdg, w, st in g.query(_LINKS_QUERY, initNs=PREFIXES)]


def graph_tie_rows(ds: Dataset, slug: str) -> list[dict]:
    g = _report_graph(ds, slug)
    return [{"goal": _goal(sdg), "evidence": str(text)} for sdg, text in g.query(_TIES_QUERY, initNs=PREFIXES)]


def _report_graph(ds: Dataset, slug: str):
    g = ds.graph(report_iri(slug))
    if len(g) == 0:
        raise SdgEvalError(f"report {slug!r} is not in the graph; build it first")
    return g


def score_sdgs(links: list[dict], ties: list[dict], gold: list[dict]) -> SdgEval:
    """Score outcome links (core and secondary recall, core above secondary) and stated ties (recall, false hits)."""
    ev = SdgEval()
    weight: dict[tuple[str, int], float] = {}
    labels: dict[str, str] = {}
    for row in links:
        key = (row["outcome"], row["goal"])
        weight[key] = max(weight.get(key, 0.0), row["weight"])
        labels.setdefault(row["outcome"], row.get("label") or row["outcome"])
    for (o, goal), w in sorted(weight.items(), key=lambda kv: (kv[0][0], -kv[1])):
        ev.matrix.setdefault(labels[o], {})[goal] = w
    listed: set[tuple[str, int]] = set()
    by_outcome: dict[str, dict[str, list[int]]] = {}
    for row in gold:
        if row["relation"] != "contributes_to":
            continue
        o, goal, status = _outcome(None, row["subject"]), _goal(row["object"]), row["status"]
        listed.add((o, goal))
        if status not in ("core", "secondary"):
            continue
        by_outcome.setdefault(o, {"core": [], "secondary": []})[status].append(goal)
        found = (o, goal) in weight
        if status == "core":
            ev.core += 1
            ev.core_found += found
        else:
            ev.secondary += 1
            ev.secondary_found += found
        if not found:
            ev.misses.append((row["subject"], goal, status))
    for o, groups in by_outcome.items():
        for c in groups["core"]:
            for s in groups["secondary"]:
                wc, ws = weight.get((o, c), 0.0), weight.get((o, s), 0.0)
                if wc <= ws:
                    ev.order_violations.append((labels.get(o, o), c, wc, s, ws))
    ev.extra = [(labels[o], goal, w) for (o, goal), w in sorted(weight.items()) if (o, goal) not in listed
                and o in by_outcome]
    gold_ties = [row for row in gold if row["relation"] == "theme_of_sdg" and row["status"] != "optional"]
    said = {(t["goal"], normalize_evidence(t["evidence"])) for t in ties}
    matched = set()
    for row in gold_ties:
        goal, want = _goal(row["object"]), normalize_evidence(row.get("evidence", ""))
        hit = {(g, text) for g, text in said if g == goal and want in text}
        ev.ties += 1
        if hit:
            ev.ties_found += 1
            matched |= hit
        else:
            ev.tie_misses.append(row)
    texts = {normalize_evidence(t["evidence"]): t["evidence"] for t in ties}
    ev.tie_false_hits = sorted((g, texts[text]) for g, text in said - matched)
    return ev


def evaluate_sdgs(ds: Dataset, gold_path: Path, slug: str) -> SdgEval:
    """Score the SDG links and stated ties of report `slug` in a built dataset against a gold relations TSV."""
    return score_sdgs(graph_link_rows(ds, slug), graph_tie_rows(ds, slug), load_gold_relations(gold_path))


def render_matrix(ev: SdgEval, width: int = 40) -> str:
    """The outcome x goal weight matrix as aligned text, goals in columns, outcome labels cut to `width`."""
    goals = sorted({g for row in ev.matrix.values() for g in row})
    lines = [" " * width + "".join(f"{'SDG' + str(g):>7}" for g in goals)]
    for o, row in ev.matrix.items():
        name = o if len(o) <= width else o[: width - 1] + "…"
        lines.append(f"{name:<{width}}" + "".join(f"{row[g]:7.2f}" if g in row else " " * 7 for g in goals))
    return "\n".join(lines)
