"""Score a built graph against gold files: precision, recall and F1 per kind, with misses and false hits."""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Dataset, URIRef

from kg.build import entity_kind
from kg.graph import kind_classes, report_iri
from kg.namespace import RK

ENTITY_COLUMNS = ("kind", "label", "surface_forms", "wikidata", "code")
# Themes are concepts from the thesaurus, not names in the text; gold entity files do not list them.
UNSCORED_KINDS = frozenset({"theme"})


class EvalError(ValueError):
    """A gold file or graph cannot be scored."""


@dataclass
class Score:
    tp_pred: int = 0
    pred: int = 0
    tp_gold: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.pred if self.pred else 1.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EntityEval:
    per_kind: dict[str, Score]
    overall: Score
    misses: list[tuple[str, str]] = field(default_factory=list)        # (kind, gold label)
    false_hits: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, label, iri)


def _norm(s: str) -> str:
    return " ".join(s.replace("’", "'").split()).casefold()


def read_gold_tsv(path: Path, columns: tuple[str, ...], what: str) -> list[dict]:
    """Rows of a gold TSV file, after checking it has the columns scoring needs."""
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"{path}: gold {what} file not found; pass --gold DIR")
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t")
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise EvalError(f"{path}: gold {what} file lacks columns {', '.join(missing)}; "
                            f"expected a TSV with header {' '.join(columns)}")
        return list(reader)


def load_gold_entities(path: Path) -> list[dict]:
    return [row for row in read_gold_tsv(path, ENTITY_COLUMNS, "entity") if row.get("kind")]


def load_dataset(out_dir: Path) -> Dataset:
    path = Path(out_dir) / "graph.trig"
    if not path.is_file():
        raise EvalError(f"{path}: no built graph; run `kg build` first (or pass --out DIR)")
    ds = Dataset()
    ds.parse(path, format="trig")
    return ds


def graph_entities(ds: Dataset, slug: str) -> list[dict]:
    """Entities of one report's named graph with their kind, label, names and identifiers."""
    g = ds.graph(report_iri(slug))
    if len(g) == 0:
        known = sorted(str(c.identifier).rsplit("/", 1)[-1] for c in ds.graphs() if len(c))
        raise EvalError(f"report {slug!r} is not in the graph; built reports: {', '.join(known)}")
    code_of = {cls: code for code, cls in kind_classes().items()}
    out = []
    for e in sorted(set(g.objects(None, RK.denotes))):   # entities the text names, not ones reached by inference
        codes = {code_of[t] for t in g.objects(e, RDF.type) if t in code_of}
        if not codes:
            continue
        out.append({
            "iri": str(e), "kind": entity_kind(codes), "label": str(g.value(e, RDFS.label)),
            "names": {str(x) for x in g.objects(e, SKOS.altLabel)} | {str(g.value(e, RDFS.label))},
            "wikidata": {str(x).rsplit("/", 1)[-1] for x in g.objects(e, OWL.sameAs)},
            "codes": {str(x) for x in g.objects(e, SKOS.notation)} | {str(e)},
        })
    return out


def _matches(pred: dict, gold: dict) -> bool:
    if gold["wikidata"] and gold["wikidata"] in pred["wikidata"]:
        return True
    if gold["code"] and gold["code"] in pred["codes"]:
        return True
    if gold["wikidata"] or gold["code"]:
        # an identified gold entity may still be named the same way by an entity we could not identify
        pass
    gold_names = {_norm(gold["label"])} | {_norm(s) for s in gold["surface_forms"].split("|") if s}
    return _norm(pred["label"]) in gold_names


def evaluate_entities(ds: Dataset, gold_path: Path, slug: str) -> EntityEval:
    gold = load_gold_entities(gold_path)
    preds = [p for p in graph_entities(ds, slug) if p["kind"] not in UNSCORED_KINDS]
    per_kind: dict[str, Score] = defaultdict(Score)
    overall = Score()
    matched_gold = set()
    result = EntityEval(per_kind, overall)
    for p in preds:
        hit = [i for i, g in enumerate(gold) if _matches(p, g)]
        matched_gold.update(hit)
        per_kind[p["kind"]].pred += 1
        overall.pred += 1
        if hit:
            per_kind[p["kind"]].tp_pred += 1
            overall.tp_pred += 1
        else:
            result.false_hits.append((p["kind"], p["label"], p["iri"]))
    for i, g in enumerate(gold):
        per_kind[g["kind"]].gold += 1
        overall.gold += 1
        if i in matched_gold:
            per_kind[g["kind"]].tp_gold += 1
            overall.tp_gold += 1
        else:
            result.misses.append((g["kind"], g["label"]))
    result.per_kind = dict(sorted(per_kind.items()))
    return result


def default_gold(name: str) -> Path:
    """The shared evaluation file when it is beside the project, else the project's own copy."""
    for base in (Path.cwd() / ".." / "shared" / "eval" / "mali-2021", Path(__file__).resolve().parents[1] / "tests" / "eval" / "mali-2021"):
        if (base / name).is_file():
            return base / name
    return Path("tests/eval/mali-2021") / name


@dataclass
class Evaluation:
    entities: EntityEval
    relations: object | None = None     # kg.eval_relations.RelationEval
    sdgs: object | None = None          # kg.eval_sdgs.SdgEval
    results: object | None = None       # kg.eval_results.ResultEval


def evaluate(out_dir: Path, gold: Path | None, slug: str) -> Evaluation:
    """Score out_dir's graph: entities always; relations, SDG links and results when their gold files exist."""
    from kg.eval_relations import evaluate_relations
    from kg.eval_results import evaluate_results
    from kg.eval_sdgs import evaluate_sdgs

    ds = load_dataset(out_dir)
    if gold is not None and Path(gold).is_file():
        return Evaluation(evaluate_entities(ds, Path(gold), slug))
    folder = Path(gold) if gold is not None else default_gold("entities.tsv").parent
    ev = Evaluation(evaluate_entities(ds, folder / "entities.tsv", slug))
    if (folder / "relations.tsv").is_file():
        ev.relations = evaluate_relations(ds, folder / "relations.tsv", slug)
        ev.sdgs = evaluate_sdgs(ds, folder / "relations.tsv", slug)
    if (folder / "results.tsv").is_file():
        ev.results = evaluate_results(ds, folder / "results.tsv", slug)
    return ev
