"""Score the question answerer against questions.json: each item passes or fails by the rule the file states."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kg.eval.gold import load_questions
from kg.eval.scoring import loose


@dataclass
class QuestionResult:
    id: str
    question: str
    labels: list[str]          # what the answerer returned
    found: int                 # expected entities among the answers
    expected: int
    good: int                  # answers that are expected entities
    passed: bool


@dataclass
class QuestionEval:
    items: list[QuestionResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.items)


def answer_names(label: str) -> set[str]:
    """The names an answer label stands for: the label, and either side of a colon in it ("SDG 5: Gender equality")."""
    return {loose(x) for x in [label, *label.split(":")]} - {""}


def score_item(item: dict, labels: list[str]) -> QuestionResult:
    """>= min_recall of the expected entities answered and >= half of the answers expected (no answer fails)."""
    expected = [{loose(n) for n in names} - {""} for names in item["expect"]]
    named = [answer_names(l) for l in labels]
    found = sum(1 for e in expected if any(n & e for n in named))
    good = sum(1 for n in named if any(n & e for e in expected))
    passed = bool(labels) and found / len(expected) >= item.get("min_recall", 1.0) and good >= len(labels) / 2
    return QuestionResult(str(item.get("id", "")), item["q"], labels, found, len(expected), good, passed)


def evaluate_questions(out_dir: Path, path: Path, slug: str) -> QuestionEval:
    """Ask every question of questions.json over the report's graph (as `kg ask` loads it) and score the answers."""
    from kg.ask.answer import answer
    from kg.dataset.load import load_dataset

    items = load_questions(path)["items"]
    dataset = load_dataset(out_dir, [slug])
    result = QuestionEval()
    for item in items:
        a = answer(item["q"], dataset)
        found = getattr(a, "answers", None)
        found = found if found is not None else a.items
        result.items.append(score_item(item, [x.label for x in found]))
    return result
