"""Read quantitative results (value, unit, what, who, where, when) from sentences.

A result is a number with a unit: a money amount ("US$ 1,8 million"), a percentage ("96%") or a
count followed, within a few modifiers, by a unit noun ("857,190 U1 children", "170 schools",
"755 child marriages"). Numbers that only restate another one are left out: a breakdown in
parentheses ("145,853 (78,761 girls, 67,092 boys)"), years, dates, ages, ranges and codes
("COVID-19", "SDG-3", "6–12 years"). An earlier or reference value is kept and marked as a
comparison: "96% (92% in 2020)", "compared to 248,376 in 2020", "from 83% in 2020 to 93.3%",
"above target 739", "US$64.2 million out of US$119.1 million".
"""
from __future__ import annotations

import bisect
import re
from collections import Counter

from extract.errors import KGError
from extract.records import Result, ReportRecord
from extract.themes import outcome_spans

__all__ = ["AmountError", "UNIT_NOUNS", "extract_results", "parse_amount", "read_numbers", "report_year"]


class AmountError(KGError, ValueError):
    """A text is not a number with an optional currency and scale word."""


# Unit nouns (lower case, or as written for abbreviations) -> the unit recorded on a result.
UNIT_NOUNS: dict[str, str] = {
    **dict.fromkeys(["children", "girls", "boys", "adolescents", "teens", "teenagers", "newborns",
                     "infants", "babies", "orphans"], "children"),
    **dict.fromkeys(["people", "persons", "individuals", "beneficiaries", "women", "men", "adults",
                     "caregivers", "participants", "respondents", "mothers", "parents", "refugees",
                     "returnees", "migrants", "survivors", "volunteers", "leaders", "front liners",
                     "frontliners", "health workers", "social workers", "workers", "staff", "teachers",
                     "u-reporters", "ambassadors", "child ambassadors", "farmers", "smallholders",
                     "idps", "displaced people"], "people"),
    **dict.fromkeys(["students", "pupils", "learners"], "students"),
    **dict.fromkeys(["households", "families"], "households"),
    **dict.fromkeys(["schools", "classrooms", "learning spaces"], "schools"),
    **dict.fromkeys(["doses", "vaccine doses"], "doses"),
    **dict.fromkeys(["cases", "incidents", "child marriages", "marriages", "violations"], "cases"),
    **dict.fromkeys(["partners", "organizations", "organisations", "ngos"], "partners"),
    **dict.fromkeys(["communities", "villages", "communes", "municipalities"], "communities"),
    **dict.fromkeys(["health facilities", "facilities", "health centres", "health centers", "centres",
                     "centers", "sites", "transit centers", "transit centres"], "facilities"),
    **dict.fromkeys(["water points", "boreholes", "latrines", "toilets"], "facilities"),
    **dict.fromkeys(["tons", "tonnes", "metric tons", "metric tonnes"], "metric tons"),
    **dict.fromkeys(["meals", "hot meals", "school meals"], "meals"),
    **dict.fromkeys(["messages"], "messages"),
    **dict.fromkeys(["kits", "hygiene kits", "school kits"], "kits"),
    **dict.fromkeys(["gallons"], "gallons"),
}

# Abbreviations that are units only as written ("464 MT of food"; "mt" could be anything).
_ABBREVIATED_UNITS = {"MT": "metric tons", "MTs": "metric tons"}

_CURRENCIES = {"us$": "USD", "usd": "USD", "$": "USD", "us dollars": "USD", "dollars": "USD",
               "€": "EUR", "eur": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "chf": "CHF",
               "cfa": "XOF", "fcfa": "XOF", "xof": "XOF"}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6,
           "billion": 1e9, "billions": 1e9, "b": 1e9, "bn": 1e9}
# Short scale letters ("USD 5.5 M") only count beside a currency; alone, "M" may be anything.
_SHORT_SCALES = {"k", "m", "mn", "b", "bn"}

# Units whose "who" is the organisation the sentence names, not a counted group.
_MONEY_OR_SHARE = frozenset({"percent", *_CURRENCIES.values()})

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_CUR_BEFORE = r"US\s?\$|USD|US\s+dollars|\$|€|EUR|£|GBP|CHF|F?CFA|XOF"
_CUR_AFTER = r"USD|US\s+dollars|dollars|euros|EUR|F?CFA|XOF"
_SCALE = r"thousand|millions?|billions?|mn|bn|[kMB]"
AMOUNT = re.compile(
    rf"(?:(?P<cur>{_CUR_BEFORE})\s?)?(?P<num>{_NUM})"
    rf"(?:\s?(?P<scale>{_SCALE})(?![\w]))?"
    rf"(?:\s?(?P<pct>%|percent\b|per\s+cent\b))?"
    rf"(?:\s(?P<cur2>{_CUR_AFTER})\b)?"
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_AGE_OR_TIME = re.compile(rf"\s*(?:[-–—]\s*\d+\s*)?(?:years?|yrs|months?|weeks?|days?|hours?|year-olds?|"
                          rf"{_MONTHS})\b", re.IGNORECASE)
_BEFORE_AGE = re.compile(rf"\b(?:aged?|ages|{_MONTHS})\s*$", re.IGNORECASE)
_COMPARE_BEFORE = re.compile(
    r"(?:compared\s+(?:to|with)|against|versus|vs\.?|from|up\s+from|down\s+from|"
    r"(?:above|below|against|of)?\s*(?:the\s+)?(?:annual\s+)?target(?:\s+of)?(?:\s+out\s+of)?|out\s+of|"
    r"baseline(?:\s+of)?)\s*(?:over|about|around|almost|nearly|some)?\s*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w’'/-]+|[^\w\s]")
_STOP = frozenset("were was are is be been being have has had of in to from with and or for by at on who "
                  "which that as than per across through into".split())
_MAX_MODIFIERS = 4
# Currency and scale words left over around an amount, not part of what it measures.
_AMOUNT_WORDS = frozenset({"us", "us$", "usd", "$", "million", "billion", "thousand", "m", "b", "k", "mn", "bn"})
# Units that count people: their noun phrase says who was reached ("U1 children").
_POPULATIONS = frozenset({"children", "people", "students", "households"})
# A number after one of these words names a thing, it does not count: "IPC Phase 4", "Outcome 2".
_LABEL_BEFORE = re.compile(
    r"\b(?:phase|level|grade|outcome|activity|goal|output|round|step|tier|category|cycle|ipc|sdg|"
    r"page|article|resolution|no\.?|number|top|rank|ranks|ranked|ranking)\s*$", re.IGNORECASE)
# What follows a bare number that may take the unit of the number it is compared with.
_BARE_END = re.compile(r"\s*(?:$|[),;.]|in\b|during\b|by\b|at\b)")


def parse_amount(text: str) -> tuple[float, str | None]:
    """Parse a number with an optional currency and scale word: "US$ 1,8 million" -> (1800000.0, "USD").

    A comma followed by exactly three digits groups thousands ("857,190"); any other comma is a
    decimal comma ("1,8 million", "7,2"). A percent sign is not an amount: it raises AmountError.
    """
    m = AMOUNT.fullmatch(" ".join(text.split()))
    if m is None or m.group("pct"):
        raise AmountError(f"{text!r} is not an amount: expected a number with an optional currency "
                          f"(US$, USD, €) and scale word (thousand, million, billion)")
    return _amount(m)


def _amount(m: re.Match) -> tuple[float, str | None]:
    cur = m.group("cur") or m.group("cur2")
    currency = _CURRENCIES.get(re.sub(r"\s+", " ", cur.lower()).replace("us $", "us$")) if cur else None
    scale = (m.group("scale") or "").lower()
    if scale in _SHORT_SCALES and currency is None:
        raise AmountError(f"{m.group(0)!r}: a short scale ({m.group('scale')}) needs a currency")
    value = _number(m.group("num")) * _SCALES.get(scale, 1)
    return round(value, 6), currency


def _number(num: str) -> float:
    if "," in num and not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", num):
        return float(num.replace(",", "."))      # a decimal comma: "1,8", "7,2"
    return float(num.replace(",", ""))


def report_year(record: ReportRecord) -> int | None:
    """The year a report is about: its metadata's year, else the most frequent year in its title or
    file name, else in its text."""
    if record.meta is not None and record.meta.year:
        return record.meta.year
    for source in (record.title, record.path):
        years = _YEAR.findall(source or "")
        if years:
            return int(Counter(years).most_common(1)[0][0])
    years = _YEAR.findall(record.clean.text)
    return int(Counter(years).most_common(1)[0][0]) if years else None


def extract_results(record: ReportRecord) -> list[Result]:
    """Numbers that report achievements, with unit, what, who, year, places, outcome and SDGs.

    year: a year right after the number ("92% in 2020"), else the report's year (`report_year`).
    places: the places the sentence names, else the report's focus country. outcome: the outcome
    whose text holds the sentence. sdgs: the goals the sentence's themes serve through the report's
    theme ties (run `extract_theme_links` first). who: the counted group ("U1 children"), or for
    money and shares the first organisation the sentence names.
    """
    year = report_year(record)
    spans = sorted((start, end, key) for key, (start, end) in outcome_spans(record).items())
    per_sentence = record.themes_by_sentence
    goals: dict[str, list[str]] = {}
    for tie in record.theme_ties:
        goals.setdefault(tie.theme, [])
        if tie.sdg not in goals[tie.theme]:
            goals[tie.theme].append(tie.sdg)
    places_of: dict[int, list[str]] = {}
    orgs_of: dict[int, list[str]] = {}
    for m in record.mentions:
        info = record.entities.get(m.key)
        # where a result happened: regions of the report's countries or those countries themselves, never a
        # donor named in the same sentence ("Supported by the German cooperation, ... 40,000 households")
        in_focus = info is not None and (info.kind == "region" or (info.kind == "country" and info.country in record.focus_countries))
        if m.key.startswith("place/") and in_focus:
            places_of.setdefault(m.sentence, [])
            if m.key not in places_of[m.sentence]:
                places_of[m.sentence].append(m.key)
        elif m.key.startswith("org/"):
            orgs_of.setdefault(m.sentence, []).append(m.key)
    focus = tuple(f"place/{c}" for c in record.focus_countries[:1])
    starts = [s[0] for s in spans]
    results: list[Result] = []
    for sent in record.sentences:
        found = read_numbers(sent.text, year)
        if not found:
            continue
        i = bisect.bisect_right(starts, sent.start) - 1
        outcome = spans[i][2] if i >= 0 and sent.start < spans[i][1] else None
        sdgs = tuple(dict.fromkeys(g for t in per_sentence[sent.index] for g in goals.get(t, ())))
        places = tuple(places_of.get(sent.index, ())) or focus
        orgs = orgs_of.get(sent.index, [])
        for n in found:
            who = n["who"]
            if who is None and n["unit"] in _MONEY_OR_SHARE and orgs:
                who = record.entities[orgs[0]].label
            results.append(Result(
                value=n["value"], unit=n["unit"], what=n["what"], sentence=sent.index,
                start=sent.start + n["start"], end=sent.start + n["end"], who=who, year=n["year"] or year,
                places=places, outcome=outcome, sdgs=sdgs, comparison=n["comparison"],
            ))
    return results


def read_numbers(text: str, report_year: int | None = None) -> list[dict]:
    """The results in one sentence, as dicts (value, unit, what, who, year, comparison, start, end)."""
    out: list[dict] = []
    last_unit = None
    for m in AMOUNT.finditer(text):
        num_start, num_end = m.span("num")
        if _is_code_or_range(text, num_start, num_end):
            continue
        try:
            value, currency = _amount(m)
        except AmountError:
            continue
        before, after = text[: m.start()], text[m.end():]
        plain = not (currency or m.group("pct") or m.group("scale"))
        if plain and (_AGE_OR_TIME.match(after) or _BEFORE_AGE.search(before)):
            continue
        if plain and _LABEL_BEFORE.search(before[-20:]):
            continue
        if plain and _YEAR.fullmatch(m.group("num")) and not _unit_after(after)[0]:
            continue   # a year, not a count
        paren = _open_paren(text, m.start())
        year_after = _year_after(after)
        comparison = bool(_COMPARE_BEFORE.search(before[-40:])) or bool(
            year_after and report_year and year_after < report_year)
        if paren is not None and not comparison and _follows_number(text, paren):
            continue   # a breakdown of the number before the parenthesis: "(78,761 girls, 67,092 boys)"
        who = what = None
        if m.group("pct"):
            unit = "percent"
        elif currency:
            unit = currency
        else:
            unit, noun, end_unit = _unit_after(after)
            if unit is None:
                # a bare earlier value takes the unit of the value it is compared with: "(1,122 in 2020)"
                if not comparison or last_unit is None or not _BARE_END.match(after):
                    continue
                unit = last_unit
            else:
                what = " ".join(f"{noun} {_phrase(after[end_unit:])}".split())
                who = noun if unit in _POPULATIONS else None
        if not what:
            what = " ".join(f"{_phrase_before(before)} {_phrase(after, 6)}".split())
        last_unit = unit
        out.append({"value": value, "unit": unit, "what": what or "", "who": who, "year": year_after,
                    "comparison": comparison, "start": m.start(), "end": m.end()})
    return out


def _is_code_or_range(text: str, start: int, end: int) -> bool:
    """Numbers glued to letters or dashes are codes ("COVID-19", "U5", "SDG-3") or ranges ("6–12")."""
    prev = text[start - 1] if start else " "
    nxt = text[end] if end < len(text) else " "
    if prev.isalpha() or prev in "-–—/_" or (prev == "." and start > 1 and text[start - 2].isdigit()):
        return True
    if nxt.isalpha():   # "1st", "2nd" are ordinals; "5.5M", "3million" are amounts
        return not re.match(r"(?:[kMB]|mn|bn|million|billion|thousand|MT)(?![a-z])", text[end:])
    if nxt in "/" or (nxt in "-–—" and end + 1 < len(text) and (text[end + 1].isdigit() or text[end + 1].isalpha())):
        return True
    return False


def _unit_after(after: str) -> tuple[str | None, str | None, int]:
    """The unit noun a count refers to, looking past a parenthesis and a few modifiers.

    Returns (unit, the noun phrase from the first modifier to the unit noun, its end in `after`);
    a unit that counts people makes the noun phrase the result's "who" ("U1 children").
    """
    pos = 0
    skip = re.match(r"\s*\([^()]*\)", after)
    if skip:
        pos = skip.end()
    words = []
    for w in _WORD.finditer(after, pos):
        if not (w.group(0)[0].isalnum() or w.group(0)[0] in "’'") or len(words) > _MAX_MODIFIERS + 2:
            break
        words.append(w)
    for i, w in enumerate(words[: _MAX_MODIFIERS + 1]):
        for n in (3, 2, 1):
            if i + n > len(words):
                continue
            phrase = " ".join(x.group(0) for x in words[i:i + n])
            unit = _ABBREVIATED_UNITS.get(phrase) or UNIT_NOUNS.get(phrase.lower())
            if unit:
                end = words[i + n - 1].end()
                return unit, after[words[0].start():end], end
        if w.group(0).lower() in _STOP:
            break
    return None, None, 0


def _phrase(text: str, limit: int = 10) -> str:
    """The words after a unit noun up to the end of the clause: "were vaccinated with pentavalent vaccines"."""
    text = re.sub(r"\([^()]*\)", " ", text)
    clause = re.split(r"[,;:()]|\.\s|\s[-–—]\s|\d", text, maxsplit=1)[0]
    words = [w for w in clause.split() if w.lower() not in _AMOUNT_WORDS][:limit]
    while words and words[-1].lower().strip("*") in _STOP | {"the", "a", "an", "its", "their"}:
        words.pop()
    return " ".join(words).strip(" .*%")


def _phrase_before(text: str, limit: int = 8) -> str:
    """The words before an amount back to the start of its clause: "UNICEF has procured supplies totaling"."""
    clause = re.split(r"[,;:)]|\.\s|\d", text)[-1].replace("(", " ")
    words = [w for w in clause.split() if w.lower() not in _AMOUNT_WORDS]
    while words and words[-1].lower() in {"of", "with", "and", "or", "to", "the", "a", "at", "by", "over", "about",
                                          "almost", "nearly", "around", "some", "more", "than", "less"}:
        words.pop()
    return " ".join(words[-limit:]).strip(" %")


def _open_paren(text: str, pos: int) -> int | None:
    """Offset of the parenthesis that is open at `pos`, if any."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            if depth == 0:
                return i
            depth -= 1
    return None


def _follows_number(text: str, paren: int) -> bool:
    """The parenthesis comes right after a number or a counted noun phrase that starts with one."""
    head = text[max(0, paren - 60):paren]
    clause = re.split(r"[,;:]\s|\.\s", head)[-1]
    return bool(re.search(r"\d", clause))


def _year_after(after: str) -> int | None:
    """A year that dates the number: "92% in 2020", "closed in August 2021", "(2020)"."""
    m = re.match(rf"\s*(?:\)?\s*(?:in|by|during|for|as of|at end|end)?\s*(?:(?:{_MONTHS})\w*\s+)?\(?)"
                 r"(19[5-9]\d|20\d\d)(?!\d)", after, re.IGNORECASE)
    return int(m.group(1)) if m else None
