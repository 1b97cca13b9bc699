"""Find programme themes in sentences and tie themes and outcomes to SDGs.

Themes come from `gazetteer/themes.jsonl` (a thesaurus: terms, default SDGs and targets per theme).
A term matches case-insensitively at word boundaries, longest term first, so "social protection"
wins over "protection"; a term written in capitals (an acronym: "SAM", "IPC", "ART") matches only
as written, so it does not fire on "sam" or "art".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extract.records import ReportRecord
from extract.resources import data_path

THEMES_FILE = "themes.jsonl"


class ThemeError(ValueError):
    """The theme thesaurus is malformed."""


@dataclass(frozen=True)
class ThemeEntry:
    """One theme of the thesaurus, as written in `gazetteer/themes.jsonl`."""

    key: str                      # "theme/health"
    label: str
    terms: tuple[str, ...]
    sdgs: tuple[int, ...]         # default SDGs (UNICEF Strategic Plan goal areas)
    targets: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Thesaurus:
    """Themes by key, with one compiled matcher over all their terms."""

    themes: dict[str, ThemeEntry]
    pattern: re.Pattern              # one alternation, longest term first; group name -> theme
    term_theme: dict[str, str]       # lower-cased (or exact, for acronyms) term -> theme key

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, theme key) for each term occurrence in `text`, left to right, no overlaps."""
        out = []
        for m in self.pattern.finditer(text):
            term = m.group(0)
            key = self.term_theme.get(term) or self.term_theme.get(_fold(term))
            if key:
                out.append((m.start(), m.end(), key))
        return out


def _fold(term: str) -> str:
    return " ".join(term.lower().replace("’", "'").split())


def _is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and " " not in term


def _term_regex(term: str) -> str:
    body = r"\s+".join(re.escape(part) for part in term.replace("’", "'").split())
    body = body.replace("'", "['’]")
    flags = "" if _is_acronym(term) else "(?i:"
    return rf"(?<!\w){flags}{body}{')' if flags else ''}(?!\w)"


def load_themes(path: Path | None = None) -> Thesaurus:
    """Read the theme thesaurus (default `gazetteer/themes.jsonl`)."""
    return _load_themes(str(path or data_path("gazetteer") / THEMES_FILE))


@lru_cache(maxsize=4)
def _load_themes(path: str) -> Thesaurus:
    themes: dict[str, ThemeEntry] = {}
    term_theme: dict[str, str] = {}
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            key = f"theme/{row['id']}"
            entry = ThemeEntry(
                key=key, label=row["label"], terms=tuple(row["terms"]),
                sdgs=tuple(int(s) for s in row["sdgs"]), targets=tuple(row.get("targets", ())),
                note=row.get("note", ""),
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ThemeError(f"{path}:{n}: not a theme entry ({err}); each line needs id, label, terms, sdgs") from err
        if key in themes:
            raise ThemeError(f"{path}:{n}: theme {row['id']!r} is defined twice; merge the lines")
        themes[key] = entry
        for term in (entry.label, *entry.terms):
            folded = term.replace("’", "'") if _is_acronym(term) else _fold(term)
            term_theme.setdefault(folded, key)
    if not themes:
        raise ThemeError(f"{path}: holds no themes")
    ordered = sorted(term_theme, key=lambda t: (-len(t), t))
    pattern = re.compile("|".join(_term_regex(t) for t in ordered))
    return Thesaurus(themes, pattern, term_theme)


def themes_in(text: str, thesaurus: Thesaurus | None = None) -> list[str]:
    """Theme keys ("theme/health") whose terms occur in `text`, in order of first occurrence."""
    th = thesaurus or load_themes()
    out: list[str] = []
    for _, _, key in th.matches(text):
        if key not in out:
            out.append(key)
    return out


def extract_theme_links(record: ReportRecord) -> None:
    """Fill record.themes, record.theme_ties and record.sdg_links (being written)."""
