"""Find programme themes in sentences and tie themes and outcomes to SDGs.

Themes come from `gazetteer/themes.jsonl` (a thesaurus: terms, default SDGs and targets per theme).
A term matches case-insensitively at word boundaries, longest term first, so "social protection"
wins over "protection"; a term written in capitals (an acronym: "SAM", "IPC", "ART") matches only
as written, so it does not fire on "sam" or "art".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extract.errors import DataError, check_fields, read_jsonl
from extract.kinds import programme_kinds
from extract.records import ReportRecord, SdgLink, Theme, ThemeTie
from extract.sections import extract_outcomes
from extract.resources import data_path

THEMES_FILE = "themes.jsonl"


class ThemeError(DataError):
    """The theme thesaurus is malformed."""


THEME_FIELDS = {"id": str, "label": str, "terms": [str], "sdgs": [int]}
THEME_OPTIONAL = {"targets": [str], "note": str, "goal_area": str}


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
    return body if _is_acronym(term) else f"(?i:{body})"


def load_themes(path: Path | None = None) -> Thesaurus:
    """Read the theme thesaurus (default `gazetteer/themes.jsonl`)."""
    return _load_themes(str(path or data_path("gazetteer") / THEMES_FILE))


@lru_cache(maxsize=4)
def _load_themes(path: str) -> Thesaurus:
    themes: dict[str, ThemeEntry] = {}
    term_theme: dict[str, str] = {}
    for n, row in read_jsonl(path, ThemeError):
        check_fields(path, n, row, THEME_FIELDS, ThemeError, THEME_OPTIONAL)
        if not all(1 <= s <= 17 for s in row["sdgs"]):
            raise ThemeError(f"{path}:{n}: 'sdgs' are goal numbers from 1 to 17; fix that line")
        key = f"theme/{row['id']}"
        entry = ThemeEntry(
            key=key, label=row["label"], terms=tuple(row["terms"]), sdgs=tuple(row["sdgs"]),
            targets=tuple(row.get("targets", ())), note=row.get("note", ""),
        )
        if key in themes:
            raise ThemeError(f"{path}:{n}: theme {row['id']!r} is defined twice; merge the lines")
        themes[key] = entry
        for term in (entry.label, *entry.terms):
            folded = term.replace("’", "'") if _is_acronym(term) else _fold(term)
            term_theme.setdefault(folded, key)
    if not themes:
        raise ThemeError(f"{path}: holds no themes")
    ordered = sorted(term_theme, key=lambda t: (-len(t), t))
    # one boundary check around the whole alternation: checking it per term made matching 10x slower
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(_term_regex(t) for t in ordered) + r")(?!\w)")
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

    Ties come from the report's own words first (`extract_stated_ties`). A theme the report ties to
    goals serves only those goals; every other theme keeps its default goals from the thesaurus
    (not stated). Outcome links then weigh, per goal, the outcome's sentences whose themes serve
    the goal (`link_outcomes`).
    """
    th = thesaurus or load_themes()
    named = [themes_in(s.text, th) for s in record.sentences]
    record.theme_mentions = {k: tuple(i for i, ts in enumerate(named) if k in ts)
                             for k in dict.fromkeys(k for ts in named for k in ts)}
    per_sentence = record.themes_by_sentence = sentence_themes(record, named)
    said = _stated_ties(record, th)
    stated = [tie for tie, _ in said]
    used = [k for k in th.themes if any(k in ts for ts in per_sentence)]
    used += [t.theme for t in stated if t.theme not in used]
    ties: list[ThemeTie] = list(stated)
    goals: dict[str, tuple[int, ...]] = {}
    for key in used:
        entry = th.themes[key]
        own = sorted({_goal_of(t.sdg) for t, nearest in said if t.theme == key and nearest})
        goals[key] = tuple(own) if own else entry.sdgs
        tied = {_goal_of(t.sdg) for t in stated if t.theme == key}
        ties += [ThemeTie(key, f"sdg/{g}", False, None, _target(entry, g)) for g in goals[key] if g not in tied]
    record.theme_ties = ties
    record.themes = [
        Theme(key, th.themes[key].label, goals[key],
              tuple(t for t in th.themes[key].targets if _goal_of(t) in goals[key]))
        for key in used
    ]
    record.sdg_links = link_outcomes(record, ties, per_sentence)
    record.programme_sdgs = link_programmes(record, ties, per_sentence)


def sentence_themes(record: ReportRecord, named: list[list[str]]) -> list[list[str]]:
    """Themes of each sentence, from the themes each one names (`named`); a sentence without theme
    words carries on its paragraph's previous sentence.

    Reports state a result and then add to it ("... cash transfer program, targeting one million
    households. By end 2021, almost 400,000 households have been reached"), so the second sentence
    is about the same theme though it names none.
    """
    text = record.clean.text
    out: list[list[str]] = []
    for s in record.sentences:
        own = list(named[s.index])
        if not own and out:
            prev = record.sentences[s.index - 1]
            if s.section == prev.section and "\n" not in text[prev.end:s.start]:
                own = list(out[-1])
        out.append(own)
    return out


def extract_stated_ties(record: ReportRecord, thesaurus: Thesaurus | None = None) -> list[ThemeTie]:
    """Ties the report states in a sentence that names a goal by its number ("hunger (SDG-2)").

    The theme whose term ends nearest before the goal's name is tied to it. Other themes of the same
    sentence whose default goals include that goal are tied too ("In the fight against hunger
    (SDG-2), malnutrition remains a concern" also ties nutrition): the report puts them under the
    goal and the thesaurus agrees. A goal named only by its title ("gender equality") is a theme
    word, not a tie.
    """
    return [tie for tie, _ in _stated_ties(record, thesaurus or load_themes())]


def _stated_ties(record: ReportRecord, th: Thesaurus) -> list[tuple[ThemeTie, bool]]:
    """Stated ties, each with whether its theme is the one nearest before the goal's name."""
    ties: list[tuple[ThemeTie, bool]] = []
    for m in record.mentions:
        if not m.key.startswith("sdg/") or not _NUMBERED_GOAL.search(m.text):
            continue
        sent = record.sentences[m.sentence]
        at = m.start - sent.start
        found = th.matches(sent.text)
        before = [x for x in found if x[1] <= at]
        if not before:
            continue
        goal = _goal_of(m.key)
        nearest = before[-1][2]
        keys = [nearest] + [k for _, _, k in found if k != nearest and goal in th.themes[k].sdgs]
        for key in keys:
            tie = (ThemeTie(key, m.key, True, m.sentence, _target(th.themes[key], goal)), key == nearest)
            if tie not in ties:
                ties.append(tie)
    return ties


# A sentence counts fully toward a goal when the report itself ties one of its themes to that goal,
# and by this share when only the thesaurus does: the report's own word is stronger evidence.
DEFAULT_TIE_WEIGHT = 0.5
# A goal that one passing sentence of a long outcome serves is not a contribution of the outcome:
# a link needs this many sentences, or this share of the outcome's sentences (short outcomes).
MIN_SENTENCES = 2
MIN_SHARE = 0.2


def link_outcomes(record: ReportRecord, ties: list[ThemeTie], per_sentence: list[list[str]]) -> list[SdgLink]:
    """For each outcome, the goals its sentences serve.

    weight = (sum over the outcome's sentences that serve the goal of 1 if a stated tie makes it
    serve the goal, else DEFAULT_TIE_WEIGHT) / number of sentences of the outcome, so 0..1. An
    outcome's sentences run from its first line to where its text stops (`outcome_spans`); a
    sentence's themes are `sentence_themes`. Links below MIN_SENTENCES and MIN_SHARE are dropped.
    """
    goals_of = _goals_of(ties)
    links: list[SdgLink] = []
    for key, (start, end) in outcome_spans(record).items():
        inside = [s.index for s in record.sentences if start <= s.start < end]
        if inside:
            links += _weigh(key, inside, goals_of, per_sentence, passing=False)
    return links


def link_programmes(record: ReportRecord, ties: list[ThemeTie], per_sentence: list[list[str]]) -> list[SdgLink]:
    """For each programme, the goals the sentences that name it serve, weighed like outcomes' (`link_outcomes`):
    a stated tie counts 1, the default mapping DEFAULT_TIE_WEIGHT, over the number of sentences that name it."""
    sentences: dict[str, list[int]] = {}
    for m in record.mentions:
        info = record.entities.get(m.key)
        if info is not None and info.kind in programme_kinds() and m.sentence not in sentences.get(m.key, []):
            sentences.setdefault(m.key, []).append(m.sentence)
    goals_of = _goals_of(ties)
    return [link for key, inside in sentences.items() for link in _weigh(key, inside, goals_of, per_sentence, passing=True)]


def _goals_of(ties: list[ThemeTie]) -> dict[str, dict[str, bool]]:
    """Theme key -> the goals it serves -> whether the report states the tie."""
    goals_of: dict[str, dict[str, bool]] = {}
    for t in ties:
        by_goal = goals_of.setdefault(t.theme, {})
        by_goal[t.sdg] = by_goal.get(t.sdg, False) or t.stated
    return goals_of


def _weigh(key: str, inside: list[int], goals_of: dict, per_sentence: list[list[str]], passing: bool) -> list[SdgLink]:
    """The goals the sentences `inside` serve, each weighed (stated ties 1, the default mapping DEFAULT_TIE_WEIGHT)
    over their number, best first; without `passing`, a goal below MIN_SENTENCES and MIN_SHARE is dropped."""
    served: dict[str, dict] = {}
    for i in inside:
        score: dict[str, float] = {}
        for theme in per_sentence[i]:
            for sdg, is_stated in goals_of.get(theme, {}).items():
                acc = served.setdefault(sdg, {"sentences": [], "themes": [], "stated": False, "score": 0.0})
                if theme not in acc["themes"]:
                    acc["themes"].append(theme)
                acc["stated"] = acc["stated"] or is_stated
                score[sdg] = max(score.get(sdg, 0.0), 1.0 if is_stated else DEFAULT_TIE_WEIGHT)
        for sdg, value in score.items():
            served[sdg]["sentences"].append(i)
            served[sdg]["score"] += value
    links = []
    for sdg, acc in sorted(served.items(), key=lambda kv: (-kv[1]["score"], _goal_of(kv[0]))):
        if not passing and len(acc["sentences"]) < MIN_SENTENCES and len(acc["sentences"]) / len(inside) < MIN_SHARE:
            continue
        links.append(SdgLink(key, sdg, round(acc["score"] / len(inside), 4), acc["stated"],
                             tuple(acc["themes"]), tuple(acc["sentences"])))
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
