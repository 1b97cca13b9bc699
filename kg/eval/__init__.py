"""Score built graphs against gold folders: entities, relations, SDG links, results and questions, per report."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset

from kg.build.iris import report_iri
from kg.dataset.load import load_dataset
from kg.eval.entities import EntityEval, evaluate_entities, graph_entities, load_gold_entities
from kg.eval.gold import DEFAULT_FOLDER, PROJECT_GOLD, gold_folders, report_of
from kg.eval.questions import QuestionEval, evaluate_questions
from kg.eval.relations import RelationEval, evaluate_relations
from kg.eval.results import ResultEval, evaluate_results
from kg.eval.scoring import EvalError, Score, read_gold_tsv
from kg.eval.sdgs import SdgEval, evaluate_sdgs

__all__ = ["EvalError", "Evaluation", "Score", "evaluate", "evaluate_all", "evaluate_entities", "graph_entities",
           "load_gold_entities", "read_gold_tsv"]


@dataclass
class Evaluation:
    report: str
    gold: Path                                  # the gold folder (or the one entities file) scored against
    entities: EntityEval
    relations: RelationEval | None = None
    sdgs: SdgEval | None = None
    results: ResultEval | None = None
    questions: QuestionEval | None = None


@dataclass
class EvaluationSet:
    """Every gold folder of a root scored against one build, and the folders whose report is not built."""

    evaluations: list[Evaluation] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)      # (folder, report slug)


def built_reports(ds: Dataset) -> list[str]:
    """Slugs of the reports that have a named graph in the dataset."""
    tails = {c.identifier: str(c.identifier).rsplit("/", 1)[-1] for c in ds.graphs() if len(c)}
    return sorted(slug for iri, slug in tails.items() if iri == report_iri(slug))


def evaluate(out_dir: Path, gold: Path | None = None, slug: str | None = None, dataset: Dataset | None = None,
             questions: bool = True) -> Evaluation:
    """Score one report of out_dir against a gold folder (default: the project's Mali gold) or one entities TSV.

    The report is `slug`, else the one the folder names (kg.eval.gold.report_of). Relations, SDG links,
    results and questions are scored when their files are in the folder.
    """
    ds = dataset if dataset is not None else load_dataset(out_dir)
    gold = Path(gold) if gold is not None else PROJECT_GOLD / DEFAULT_FOLDER
    if not gold.exists():
        raise EvalError(f"{gold}: no such gold folder or file; pass --gold DIR")
    folder = gold.parent if gold.is_file() else gold
    slug = slug or report_of(folder, built_reports(ds))
    if gold.is_file():
        return Evaluation(slug, gold, evaluate_entities(ds, gold, slug))
    ev = Evaluation(slug, folder, evaluate_entities(ds, folder / "entities.tsv", slug))
    if (folder / "relations.tsv").is_file():
        ev.relations = evaluate_relations(ds, folder / "relations.tsv", slug)
        ev.sdgs = evaluate_sdgs(ds, folder / "relations.tsv", slug)
    if (folder / "results.tsv").is_file():
        ev.results = evaluate_results(ds, folder / "results.tsv", slug)
    if questions and (folder / "questions.json").is_file():
        ev.questions = evaluate_questions(out_dir, folder / "questions.json", slug)
    return ev


def evaluate_all(out_dir: Path, root: Path | None = None, questions: bool = True) -> EvaluationSet:
    """Score every gold folder under root (default: the project's tests/eval) whose report is built in out_dir."""
    ds = load_dataset(out_dir)
    built = built_reports(ds)
    result = EvaluationSet()
    for folder in gold_folders(Path(root) if root is not None else PROJECT_GOLD):
        slug = report_of(folder, built)
        if slug not in built:
            result.skipped.append((folder, slug))
            continue
        result.evaluations.append(evaluate(out_dir, folder, slug, ds, questions))
    if not result.evaluations:
        raise EvalError(f"{out_dir}: none of the reports of the gold folders in {root or PROJECT_GOLD} is built "
                        f"(built: {', '.join(built) or 'none'}); build them with `kg build FILES --out {out_dir}`")
    return result
