"""What every scorer shares: the error class, counts turned into precision and recall, gold TSV reading."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from extract.errors import KGError


class EvalError(KGError, ValueError):
    """A gold file or graph cannot be scored."""


@dataclass
class Score:
    """Counts behind precision (hits among predictions) and recall (gold items found)."""

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

    def __add__(self, other: "Score") -> "Score":
        return Score(self.tp_pred + other.tp_pred, self.pred + other.pred,
                     self.tp_gold + other.tp_gold, self.gold + other.gold)

    def count_pred(self, hit: bool) -> None:
        self.pred += 1
        self.tp_pred += hit

    def count_gold(self, found: bool) -> None:
        self.gold += 1
        self.tp_gold += found


def norm(s: str) -> str:
    """A name compared without case, runs of whitespace or apostrophe style."""
    return " ".join(s.replace("’", "'").split()).casefold()


def loose(s: str) -> str:
    """A name compared without case, accents, punctuation or spacing ("Ségou" = "segou", "SDG-2" = "SDG 2")."""
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if unicodedata.category(c)[0] in "LN").casefold()


def normalize_evidence(text: str) -> str:
    """Text compared without any whitespace, case or apostrophe style: "US $99.6" matches "US$99.6"."""
    return re.sub(r"\s+", "", text.replace("’", "'").replace("‘", "'")).casefold()


def read_gold_tsv(path: Path, columns: tuple[str, ...], what: str) -> list[dict]:
    """Rows of a gold TSV file, after checking it has the columns scoring needs."""
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"{path}: gold {what} file not found; pass --gold DIR")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise EvalError(f"{path}: gold {what} file is not UTF-8 text (binary bytes); expected a TSV with header "
                        f"{' '.join(columns)}")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise EvalError(f"{path}: gold {what} file lacks columns {', '.join(missing)}; "
                        f"expected a TSV with header {' '.join(columns)}")
    return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
