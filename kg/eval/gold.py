"""A gold folder read for scoring: which report it is about, and its kinds mapped onto the ontology's families."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import RDFS

from extract.errors import read_tsv
from kg.eval.scoring import EvalError
from kg.namespace import RK
from kg.ontology import load_ontology

GOLD_KINDS = Path(__file__).with_name("kinds.tsv")
PROJECT_GOLD = Path(__file__).resolve().parents[2] / "tests" / "eval"
DEFAULT_FOLDER = "mali-2021"


@dataclass(frozen=True)
class GoldKind:
    """How a gold entity kind is scored: its family (organization, place, programme...) and whether it is required."""

    kind: str
    family: str
    required: bool = True


@lru_cache(maxsize=1)
def kind_families() -> dict[str, str]:
    """Ontology kind code -> its family: the kind code of its ancestor class directly under rk:Entity."""
    onto = load_ontology()
    code = {cls: str(c) for cls, c in onto.subject_objects(RK.kindCode)}

    def family(cls, seen: frozenset):
        parents = set(onto.objects(cls, RDFS.subClassOf))
        if RK.Entity in parents:
            return code[cls]
        for p in sorted(parents & code.keys() - seen):
            found = family(p, seen | {p})
            if found:
                return found
        return None

    return {c: family(cls, frozenset({cls})) or c for cls, c in code.items()}


@lru_cache(maxsize=1)
def gold_kinds() -> dict[str, GoldKind]:
    """Every kind a gold file may use: the ontology's kind codes, plus the gold-only kinds of kinds.tsv."""
    families = kind_families()
    kinds = {k: GoldKind(k, f) for k, f in families.items()}
    for n, row in read_tsv(GOLD_KINDS, ("gold_kind", "kind", "required"), EvalError):
        if row["kind"] not in families:
            raise EvalError(f"{GOLD_KINDS}:{n}: kind {row['kind']!r} is not a kind code of ontology/reportkg.ttl")
        if row["required"] not in ("yes", "no"):
            raise EvalError(f"{GOLD_KINDS}:{n}: 'required' is {row['required']!r}; write yes or no")
        # the ontology's own class gives the family once it has one; whether it is required stays the gold's
        family = families.get(row["gold_kind"], families[row["kind"]])
        kinds[row["gold_kind"]] = GoldKind(row["gold_kind"], family, row["required"] == "yes")
    return kinds


def gold_kind(kind: str, where: str) -> GoldKind:
    try:
        return gold_kinds()[kind]
    except KeyError:
        raise EvalError(f"{where}: unknown entity kind {kind!r}; use a kind code of ontology/reportkg.ttl "
                        f"or one of kg/eval/kinds.tsv") from None


def load_questions(path: Path) -> dict:
    """questions.json: {"report": slug (optional), "items": [{"id", "q", "expect": [[names]], "min_recall"}]}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"{path}: not a JSON questions file ({exc}); expected {{\"items\": [...]}}") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise EvalError(f"{path}: no \"items\" list; expected {{\"items\": [{{\"id\", \"q\", \"expect\"}}]}}")
    for n, item in enumerate(items, 1):
        ok = (isinstance(item, dict) and isinstance(item.get("q"), str) and isinstance(item.get("expect"), list)
              and item["expect"] and all(isinstance(e, list) and e and all(isinstance(x, str) for x in e)
                                         for e in item["expect"])
              and isinstance(item.get("min_recall", 1.0), (int, float)))
        if not ok:
            raise EvalError(f"{path}: item {n} needs \"q\" (text), \"expect\" (a list of lists of names) and "
                            f"an optional numeric \"min_recall\"")
    return data


def report_of(folder: Path, built: list[str]) -> str:
    """The report a gold folder scores: questions.json's "report", else the folder's name (`dev-<slug>`, the
    slug itself, or words that only one built report's slug contains, as `mali-2021`)."""
    questions = Path(folder) / "questions.json"
    if questions.is_file():
        report = load_questions(questions).get("report")
        if report:
            return str(report)
    name = Path(folder).name
    for slug in (name, name.removeprefix("dev-")):
        if slug in built:
            return slug
    words = set(name.removeprefix("dev-").split("-"))
    holders = [s for s in built if words <= set(s.split("-"))]
    return holders[0] if len(holders) == 1 else name.removeprefix("dev-")


def gold_folders(root: Path) -> list[Path]:
    """The gold folders under root: every folder that holds an entities.tsv."""
    root = Path(root)
    if not root.is_dir():
        raise EvalError(f"{root}: not a folder of gold folders; pass --gold-root DIR")
    folders = sorted(p.parent for p in root.glob("*/entities.tsv"))
    if not folders and (root / "entities.tsv").is_file():
        raise EvalError(f"{root}: is one gold folder, not a folder of them; pass --gold {root} (without --all), "
                        f"or --gold-root {root.parent}")
    if not folders:
        raise EvalError(f"{root}: no gold folder (a folder with entities.tsv) in it; pass --gold-root DIR")
    return folders
