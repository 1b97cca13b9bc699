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

from extract.records import ReportRecord, SdgLink, Theme, ThemeTie
from extract.sections import extract_outcomes
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


def extract_theme_links(record: ReportRecord, thesaurus: Thesaurus | None = None) -> None:
    """Fill record.themes, record.theme_ties and record.sdg_links.

    Ties come from the report's own words first: a sentence that names a goal by its number
    ("The health (SDG-3) situation", "Sustainable Development Goal 2, Zero Hunger") ties the theme
    whose term ends nearest before that name to the goal (stated). A theme the report ties this way
    serves only the goals the report gives it; every other theme keeps its default goals from the
    thesaurus (not stated). Outcome links then weigh, per goal, the outcome's sentences whose themes
    serve the goal (see `link_outcomes`).
    """
    th = thesaurus or load_themes()
    sentence_themes = [themes_in(s.text, th) for s in record.sentences]
    stated = extract_stated_ties(record, th)
    used = [k for k in th.themes if any(k in ts for ts in sentence_themes)]
    for tie in stated:
        if tie.theme not in used:
            used.append(tie.theme)
    ties: list[ThemeTie] = list(stated)
    goals: dict[str, tuple[int, ...]] = {}
    for key in used:
        entry = th.themes[key]
        own = sorted({int(t.sdg.split("/")[1]) for t in stated if t.theme == key})
        goals[key] = tuple(own) if own else entry.sdgs
        if not own:
            ties += [ThemeTie(key, f"sdg/{g}", False, None, _target(entry, g)) for g in entry.sdgs]
    record.theme_ties = ties
    record.themes = [
        Theme(key, th.themes[key].label, goals[key],
              tuple(t for t in th.themes[key].targets if _goal_of(t) in goals[key]))
        for key in used
    ]
    record.sdg_links = link_outcomes(record, ties, sentence_themes)


def extract_stated_ties(record: ReportRecord, thesaurus: Thesaurus | None = None) -> list[ThemeTie]:
    """Ties the report states: the theme term nearest before a numbered goal name in the same sentence."""
    th = thesaurus or load_themes()
    ties: list[ThemeTie] = []
    for m in record.mentions:
        if not m.key.startswith("sdg/") or not _NUMBERED_GOAL.search(m.text):
            continue   # a goal named by its title ("gender equality") is a theme word, not a tie
        sent = record.sentences[m.sentence]
        before = [x for x in th.matches(sent.text[: m.start - sent.start])]
        if not before:
            continue
        key = before[-1][2]
        goal = int(m.key.split("/")[1])
        tie = ThemeTie(key, m.key, True, m.sentence, _target(th.themes[key], goal))
        if tie not in ties:
            ties.append(tie)
    return ties


# How much more a sentence counts toward a goal when the report itself ties its theme to that goal.
STATED_WEIGHT = 1.0


def link_outcomes(record: ReportRecord, ties: list[ThemeTie], sentence_themes: list[list[str]]) -> list[SdgLink]:
    """For each outcome, the goals its sentences serve, weighted by the share of its sentences that serve each."""
    goals_of: dict[str, dict[str, bool]] = {}
    for t in ties:
        goals_of.setdefault(t.theme, {})
        goals_of[t.theme][t.sdg] = goals_of[t.theme].get(t.sdg, False) or t.stated
    links: list[SdgLink] = []
    for key, (start, end) in outcome_spans(record).items():
        inside = [s.index for s in record.sentences if start <= s.start < end]
        if not inside:
            continue
        served: dict[str, dict] = {}
        for i in inside:
            for theme in sentence_themes[i]:
                for sdg, is_stated in goals_of.get(theme, {}).items():
                    acc = served.setdefault(sdg, {"sentences": [], "themes": [], "stated": False})
                    if i not in acc["sentences"]:
                        acc["sentences"].append(i)
                    if theme not in acc["themes"]:
                        acc["themes"].append(theme)
                    acc["stated"] = acc["stated"] or is_stated
        for sdg, acc in sorted(served.items(), key=lambda kv: (-len(kv[1]["sentences"]), _goal_of(kv[0]))):
            weight = len(acc["sentences"]) / len(inside)
            links.append(SdgLink(key, sdg, round(weight, 4), acc["stated"], tuple(acc["themes"]),
                                 tuple(acc["sentences"])))
    return links


def outcome_spans(record: ReportRecord) -> dict[str, tuple[int, int]]:
    """Clean-text span of each outcome entity: from its first line to where its text stops."""
    by_number = {e.number: k for k, e in record.entities.items() if e.kind == "outcome"}
    spans = {}
    for oc in extract_outcomes(record.clean.text):
        key = by_number.get(oc.number)
        if key:
            spans[key] = (oc.start, oc.section_end)
    return spans


_NUMBERED_GOAL = re.compile(r"\d")


def _goal_of(target_or_key: str) -> int:
    return int(target_or_key.rsplit("/", 1)[-1].split(".")[0])


def _target(entry: ThemeEntry, goal: int) -> str | None:
    return next((t for t in entry.targets if _goal_of(t) == goal), None)
