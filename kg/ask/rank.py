"""How well a sentence carries a question: the terms it should hold, their weights (idf over the graph's
sentences), BM25 ranking of a relation's rows (rank_bm25) and the cuts that keep the rows near the best."""
from __future__ import annotations

import math
from functools import lru_cache

from rdflib import URIRef

from kg.ask.index import _Index, _naming
from kg.ask.reading import Reading
from kg.ask.words import _is_word, _tokens, load_words, stem

# The evidence must carry at least this share of the question's terms (weighted by BM25's idf) ...
MIN_SHARE = 0.5
# ... and an answer's evidence at least this share of the best evidence's.
NEAR_BEST = 0.75
# A word is what a report is about ("the cholera response", "the earthquake") when its opening (the first
# characters: title, highlights) holds it, this share of its sentences hold it, and, when the graph holds other
# reports, it is this many times as frequent there as in them: asked about with "the" ("on the cholera response"),
# it tells none of the report's sentences from another.
SUBJECT_OPENING = 1000
SUBJECT_SHARE = 0.05
SUBJECT_LIFT = 4.0


def _terms(r: Reading, used: tuple, with_relation: bool) -> list[str]:
    """What the evidence should carry: focus stems, entities not bound as parameters, and (in fallback) the relation."""
    terms = [f"w:{s}" for s in r.focus]
    terms += ["s:" + "|".join(" ".join(seq) for seq in group) for group in r.synonyms]
    terms += [f"e:{e}" for e in r.entities if e not in used and e not in r.excluded]
    if with_relation and r.relation:
        terms.append(f"r:{r.relation}")
    return terms


def _carried(terms: list[str], number: int | None, text: str, report: str, r: Reading, idx: _Index) -> set[str]:
    """The terms a sentence carries: its stems, the named entities it (or a place within them, or its report) names,
    the relation when it holds one of the relation's words."""
    if number is None:
        stems = frozenset(stem(t) for t in _tokens(text) if _is_word(t))
        holds = stems.__contains__
    else:
        holds = lambda st: number in idx.text().postings.get(st, ())       # noqa: E731
    out = set()
    for t in terms:
        what, value = t[:2], t[2:]
        if what == "w:" and holds(value):
            out.add(t)
        elif what == "s:" and any(all(holds(st) for st in seq.split(" ")) for seq in value.split("|")):
            out.add(t)
        elif what == "e:":
            entity = URIRef(value)
            if (number is not None and number in _naming(idx, entity)) or entity in idx.report_places.get(report, ()):
                out.add(t)
        elif what == "r:" and any(holds(st) for st in _relation_stems(r.relation)):
            out.add(t)
    return out


_SUBJECTS: dict = {}


def _subject(idx: _Index, report: str, st: str) -> bool:
    """Whether the stem is what the report is about (SUBJECT_OPENING, SUBJECT_SHARE, SUBJECT_LIFT)."""
    text = idx.text()
    hit = _SUBJECTS.get(id(text))
    if hit is None or hit[0] is not text:
        sizes, opening = {}, {}
        for _, (exact, rep, start, _) in text.sentences:
            sizes[rep] = sizes.get(rep, 0) + 1
            if start < SUBJECT_OPENING:
                opening.setdefault(rep, set()).update(stem(t) for t in _tokens(exact) if _is_word(t))
        hit = _SUBJECTS[id(text)] = (text, sizes, opening, {})
    _, sizes, opening, known = hit
    if (report, st) not in known:
        held = text.postings.get(st, ())
        here = sum(1 for i in held if text.sentences[i][1][1] == report)
        size, rest = sizes.get(report, 0), text.n - sizes.get(report, 0)
        known[report, st] = bool(size) and st in opening.get(report, ()) and here >= SUBJECT_SHARE * size \
            and (rest == 0 or here / size >= SUBJECT_LIFT * (len(held) - here) / rest)
    return known[report, st]


def _subject_terms(terms: list[str], report: str, r: Reading, idx: _Index) -> set[str]:
    """The question's words that say what the report is about: of a phrase the question makes definite ("on the
    cholera response") and the report's subject."""
    return {t for t in terms if t.startswith("w:") and t[2:] in r.definite and _subject(idx, report, t[2:])}


def _holding(idx: _Index, stems: list[str]) -> frozenset:
    """The sentences that hold every one of the stems."""
    found = [idx.text().postings.get(st, frozenset()) for st in stems]
    return frozenset.intersection(*found) if found else frozenset()


@lru_cache(maxsize=8)
def _relation_stems(relation: str) -> frozenset:
    return frozenset(stem(w) for seq in load_words().relations[relation]["words"] for w in seq if len(seq) == 1)


def _weights(terms: list[str], r: Reading, idx: _Index) -> dict[str, float]:
    """Each term's inverse document frequency over every sentence of the graph: rare words and names weigh most."""
    n = idx.text().n + 1
    out = {}
    for t in terms:
        what, value = t[:2], t[2:]
        if what == "w:":
            df = len(idx.text().postings.get(value, ()))
        elif what == "e:":
            df = len(_naming(idx, URIRef(value)))
        elif what == "s:":
            df = len(set().union(*(_holding(idx, seq.split(" ")) for seq in value.split("|"))))
        else:
            df = max((len(idx.text().postings.get(st, ())) for st in _relation_stems(r.relation)), default=0)
        out[t] = math.log(n / (df + 0.5))
    return out


def _rank(rows: list[dict], terms: list[str], r: Reading, idx: _Index) -> list[tuple[dict, float, float]]:
    """(row, share of the question's terms its evidence carries, BM25 score) for each row.

    The share weighs each term by its rarity over the whole graph (so a row must carry the question's rare
    words and names, not only its common ones), leaving out the words the row's report is about (they tell none
    of its rows from another: "the cholera response" in a report on it); BM25 (rank_bm25's Okapi) over the rows'
    distinct evidence sentences ranks the rows that carry as much.
    """
    if not terms or not rows:
        return [(row, 1.0, 0.0) for row in rows]
    from rank_bm25 import BM25Okapi

    weight = _weights(terms, r, idx)
    keys, carried, docs, in_clause, subjects = [], {}, [], {}, {}
    for row in rows:
        key = _row_key(row)
        if key not in carried:
            number = idx.text().number.get(row.get("sentence"))
            report = str(row.get("report"))
            subjects[key] = _subject_terms(terms, report, r, idx)
            carried[key] = _carried(terms, number, key[1], report, r, idx)
            if key[2]:      # the words of the clause that says it; the names of its sentence
                in_clause[key] = {t for t in _carried(terms, None, key[2], report, r, idx)
                                  if not t.startswith("e:")} | {t for t in carried[key] if t.startswith("e:")}
            keys.append(key)
            docs.append([f"w:{stem(t)}" for t in _tokens(key[2] or key[1]) if _is_word(t)] + sorted(carried[key] - {
                t for t in carried[key] if t.startswith("w:")}))
    scores = dict(zip(keys, BM25Okapi([d or ["-"] for d in docs]).get_scores(terms)))
    shares, clauses = {}, {}
    for key in keys:
        asked = [t for t in weight if t not in subjects[key]]
        total = sum(weight[t] for t in asked)
        shares[key] = sum(weight[t] for t in carried[key] if t in asked) / total if total else 1.0
        if key in in_clause:
            clauses[key] = sum(weight[t] for t in in_clause[key] if t in asked) / total if total else 1.0
    best_clause = {}
    for key, share in clauses.items():
        best_clause[key[0]] = max(best_clause.get(key[0], 0.0), share)
    out = []
    for row in rows:
        key = _row_key(row)
        share = shares[key]
        if key in clauses and best_clause[key[0]]:
            # "who shares warehouses with X" in a sentence of two partnerships: the one whose clause says so
            share *= (1 + clauses[key] / best_clause[key[0]]) / 2
        out.append((row, share, float(scores[key])))
    return out


def _row_key(row: dict) -> tuple[str, str, str]:
    """(sentence, its text, the clause of the relation when the graph holds one)."""
    return str(row.get("sentence")), str(row.get("text") or ""), str(row.get("clause") or "")


def _best_sentences(r: Reading, idx: _Index, terms: list[str], limit: int = 60, keep=None) -> list[int]:
    """The sentences that carry the most of the question's terms (at least MIN_SHARE, near the best), by the index;
    with `keep`, the best of those it keeps."""
    weight = _weights(terms, r, idx)
    total = sum(weight.values()) or 1.0
    candidates = _candidates(r, idx, terms)
    shares = {}
    for i in candidates:
        text, report = idx.text().sentences[i][1][:2]
        shares[i] = sum(weight[t] for t in _carried(terms, i, text, report, r, idx)) / total
    if keep is not None:
        shares = {i: sh for i, sh in shares.items() if sh >= MIN_SHARE and keep(i)}
    best = max(shares.values(), default=0.0)
    if best < MIN_SHARE:
        return []
    return sorted((i for i, sh in shares.items() if sh >= NEAR_BEST * best - 1e-9), key=lambda i: (-shares[i], i))[:limit]


def _select(ranked: list[tuple[dict, float, float]], terms: list[str]) -> list[tuple[dict, float]]:
    """Rows whose evidence carries the question: at least MIN_SHARE of its terms, and near the best row."""
    if not terms:
        return [(row, score) for row, _, score in ranked]
    best = max((share for _, share, _ in ranked), default=0.0)
    if best < MIN_SHARE:
        return []
    return [(row, share + score * 1e-6) for row, share, score in ranked if share >= NEAR_BEST * best - 1e-9]


def _prefer(rows: list[tuple[dict, float]], r: Reading) -> tuple[list[tuple[dict, float]], list[str]]:
    """The report's own statements over inferred ones; the strongest contributions over weak ones; numbers in
    the unit the question names ("how many children"). Returns the rows kept and what each cut kept."""
    why = []
    if any(row.get("unit") is not None and stem(str(row["unit"])) in r.focus for row, _ in rows):
        rows = [(row, s) for row, s in rows if row.get("unit") is not None and stem(str(row["unit"])) in r.focus]
        why.append("numbers in the unit the question names")
    if any(row.get("stated") is not None and row["stated"].toPython() is True for row, _ in rows):
        kept = [(row, s) for row, s in rows if row.get("stated") is not None and row["stated"].toPython() is True]
        if len(kept) < len(rows):
            why.append("links the report states (not those inferred from themes)")
        rows = kept
    weights = [float(row["weight"]) for row, _ in rows if row.get("weight") is not None]
    if weights:
        top = max(weights)
        kept = [(row, s) for row, s in rows if row.get("weight") is None or float(row["weight"]) >= NEAR_BEST * top]
        if len(kept) < len(rows):
            why.append(f"weights within {NEAR_BEST:.0%} of the strongest ({top:.2f})")
        rows = kept
    return rows, why


def _candidates(r: Reading, idx: _Index, terms: list[str]) -> set[int]:
    """The sentences that carry any of the question's terms."""
    out = set()
    for t in terms:
        if t.startswith("w:"):
            out.update(idx.text().postings.get(t[2:], ()))
        elif t.startswith("s:"):
            for seq in t[2:].split("|"):
                out.update(_holding(idx, seq.split(" ")))
        elif t.startswith("e:"):
            out.update(_naming(idx, URIRef(t[2:])))
        elif t.startswith("r:"):
            for st in _relation_stems(r.relation):
                out.update(idx.text().postings.get(st, ()))
    return out


def _share_of(i: int, terms: list[str], r: Reading, idx: _Index) -> float:
    weight = _weights(terms, r, idx)
    text, report = idx.text().sentences[i][1][:2]
    return sum(weight[t] for t in _carried(terms, i, text, report, r, idx)) / (sum(weight.values()) or 1.0)
