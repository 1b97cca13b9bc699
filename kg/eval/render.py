"""Evaluations turned into rich tables and lines for the terminal: one report in full, or many side by side."""
from __future__ import annotations

from rich.table import Table

from kg.eval.scoring import Score

# The summary's relation columns: heading -> the fact types it adds up (Mali's located_in is "place").
SUMMARY_RELATIONS = {"partnerships": ("partnership",), "funding": ("funding",), "places of action": ("place", "acts_in")}
SUMMARY_FAMILIES = {"organisations": "organization", "places": "place"}


def _f(x: float) -> str:
    return f"{x:.3f}"


def score_table(title: str, per_kind: dict[str, Score], overall: Score, everything: dict[str, Score] | None = None,
                overall_everything: Score | None = None) -> Table:
    """Precision, recall, F1 and counts per kind; with `everything`, also the figures with optional rows required."""
    table = Table(title=title)
    cols = ["kind", "precision", "recall", "F1", "gold", "predicted"]
    if everything is not None:   # short headings: nine columns in 80 characters
        cols = ["kind", "P", "R", "F1", "gold", "pred", "P+opt", "R+opt", "gold+opt"]
    for col in cols:
        table.add_column(col, justify="left" if col == "kind" else "right")

    def row(name: str, s: Score, e: Score | None):
        cells = [name, _f(s.precision), _f(s.recall), _f(s.f1), str(s.gold), str(s.pred)]
        if everything is not None:
            cells += [_f(e.precision), _f(e.recall), str(e.gold)] if e is not None else ["", "", ""]
        table.add_row(*cells)

    for kind, s in per_kind.items():
        row(kind, s, (everything or {}).get(kind))
    row("[b]overall[/b]", overall, overall_everything)
    return table


def render_evaluation(ev, show: int) -> list:
    """Everything scored for one report, as tables and tab-separated lines (misses, false hits, answers)."""
    out: list = []
    e = ev.entities
    out.append(score_table(f"entities of {ev.report}", e.per_kind, e.overall))
    if e.per_family:
        out.append(score_table("entities by family (+opt: optional and known-only rows required too)",
                               e.per_family, e.overall, e.family_everything, e.everything))
        out.append(f"kinds: {e.kinds_agree}/{e.kinds_compared} matched gold entities have the gold's kind in the "
                   f"graph; {len(e.duplicates)} gold entities matched by more than one graph entity")
    out += [f"miss\t{kind}\t{label}" for kind, label in e.misses[:show]]
    out += [f"false hit\t{kind}\t{label}\t{iri}" for kind, label, iri in e.false_hits[:show]]
    out += [f"other kind\t{gold}\t{graph}\t{label}" for gold, graph, label in e.disagreements[:show]]
    out += [f"other family\t{gold}\t{graph}\t{label}" for gold, graph, label in e.other_family[:show]]
    out += [f"duplicate\t{label}\t{' | '.join(labels)}" for label, labels in e.duplicates[:show]]
    if ev.relations is not None:
        r = ev.relations
        every = r.everything
        out.append(score_table("relations (+opt: optional rows required too)", r.per_type, r.overall, every.per_type if every else None,
                               every.overall if every else None))
        if r.pairs:
            out.append(score_table("relations by entity pair (found in any sentence)", r.pairs,
                                   sum(r.pairs.values(), Score())))
        out += [f"miss\t{m.relation}\t{m.subject}\t{m.object}" for m in r.misses[:show]]
        out += [f"false hit\t{kind}\t{a}\t{b}\t{evidence[:100]}" for kind, a, b, evidence in r.false_hits[:show]]
    if ev.sdgs is not None and (ev.sdgs.core or ev.sdgs.secondary or ev.sdgs.ties):
        from kg.eval.sdgs import render_matrix

        s = ev.sdgs
        out.append(f"outcome->SDG links: core {s.core_found}/{s.core} ({s.core_recall:.3f}), secondary "
                   f"{s.secondary_found}/{s.secondary}, core below secondary: {len(s.order_violations)}; "
                   f"theme->SDG ties {s.ties_found}/{s.ties} ({s.tie_recall:.3f})")
        out.append(render_matrix(s))
        out += [f"miss\tcontributes_to\t{o}\tSDG {goal}\t{status}" for o, goal, status in s.misses[:show]]
    if ev.results is not None:
        r = ev.results
        out.append(f"results: recall {r.recall:.3f} ({r.found}/{r.gold} gold found, {r.predicted} extracted; "
                   f"value and unit exact)")
        out += [f"miss\tresult\t{m.get('value')}\t{m.get('unit')}\t{m.get('what')}" for m in r.misses[:show]]
    if ev.questions is not None:
        q = ev.questions
        out.append(f"questions: {q.passed}/{len(q.items)} passed (kg ask, scored by questions.json's rule)")
        out += [f"{'PASS' if i.passed else 'FAIL'}\t{i.id}\t{i.found}/{i.expected} expected, {i.good}/{len(i.labels)} "
                f"answers expected\t{i.question}\t{' | '.join(i.labels)}" for i in q.items[:show]]
    return out


def _pr(s: Score) -> str:
    """precision/recall, with '-' for a precision of no predictions or a recall of no gold rows."""
    if not (s.gold or s.pred):
        return "-"
    return f"{f'{s.precision:.2f}' if s.pred else '-'}/{f'{s.recall:.2f}' if s.gold else '-'}"


def _relation_score(ev, types: tuple[str, ...], everything: bool = False) -> Score:
    r = ev.relations
    if r is None:
        return Score()
    if everything:
        r = r.everything or r
    total = Score()
    for t in types:
        total = total + r.per_type.get(t, Score())
    return total


def render_summary(evset) -> list:
    """One row per scored report (core rows) and a totals row; then the totals per family and relation."""
    table = Table(title="precision/recall per report (core gold rows)")
    table.add_column("report")
    for heading in [*SUMMARY_FAMILIES, *SUMMARY_RELATIONS]:
        table.add_column(heading, justify="right")
    table.add_column("questions", justify="right")
    totals = {h: Score() for h in [*SUMMARY_FAMILIES, *SUMMARY_RELATIONS]}
    passed = asked = 0
    for ev in evset.evaluations:
        cells = [ev.report]
        for heading, family in SUMMARY_FAMILIES.items():
            s = ev.entities.per_family.get(family, Score())
            totals[heading] = totals[heading] + s
            cells.append(_pr(s))
        for heading, types in SUMMARY_RELATIONS.items():
            s = _relation_score(ev, types)
            totals[heading] = totals[heading] + s
            cells.append(_pr(s))
        q = ev.questions
        if q is not None:
            passed, asked = passed + q.passed, asked + len(q.items)
        cells.append(f"{q.passed}/{len(q.items)}" if q is not None else "-")
        table.add_row(*cells)
    cells = [f"[b]total ({len(evset.evaluations)} reports)[/b]"]
    cells += [_pr(s) for s in totals.values()]
    table.add_row(*cells, f"{passed}/{asked}" if asked else "-")
    out: list = [table]

    fam, fam_all, rel, rel_all = {}, {}, {}, {}
    for ev in evset.evaluations:
        for k, s in ev.entities.per_family.items():
            fam[k] = fam.get(k, Score()) + s
        for k, s in ev.entities.family_everything.items():
            fam_all[k] = fam_all.get(k, Score()) + s
        if ev.relations is not None:
            for k, s in ev.relations.per_type.items():
                rel[k] = rel.get(k, Score()) + s
            for k, s in (ev.relations.everything or ev.relations).per_type.items():
                rel_all[k] = rel_all.get(k, Score()) + s
    out.append(score_table("totals: entities by family", dict(sorted(fam.items())), sum(fam.values(), Score()),
                           dict(sorted(fam_all.items())), sum(fam_all.values(), Score())))
    out.append(score_table("totals: relations", dict(sorted(rel.items())), sum(rel.values(), Score()),
                           dict(sorted(rel_all.items())), sum(rel_all.values(), Score())))
    pairs: dict[str, Score] = {}
    for ev in evset.evaluations:
        for k, s in (ev.relations.pairs if ev.relations is not None else {}).items():
            pairs[k] = pairs.get(k, Score()) + s
    if pairs:
        out.append(score_table("totals: relations by entity pair (found in any sentence)", dict(sorted(pairs.items())),
                               sum(pairs.values(), Score())))
    out += [f"skipped\t{folder}\tits report ({slug}) is not built in this output folder" for folder, slug in evset.skipped]
    return out
