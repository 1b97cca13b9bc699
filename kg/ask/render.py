"""Turn an Answer into text or JSON for the terminal, the server and the query page."""
from __future__ import annotations

import json

from kg.ask.answer import Answer
from kg.query.library import QueryError

ANSWER_FORMATS = ("text", "json")


def render_understood(u: dict) -> str:
    return "; ".join(f"{k}: {v}" for k, v in u.items())


def render_answer(a: Answer, fmt: str = "text") -> str:
    """The answer as text (what was understood, answers, evidence, the cuts, the SPARQL run) or as JSON."""
    if fmt not in ANSWER_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose text or json")
    if fmt == "json":
        return json.dumps(a.to_json(), indent=2, ensure_ascii=False) + "\n"
    lines = [f"Q: {a.question}"]
    if a.understood:
        lines.append(f"understood: {render_understood(a.understood)}")
    if not a.answers:
        lines.append("No answer: the graph holds nothing that answers this question.")
        if a.suggestions:
            lines.append("Questions it can answer, for example:")
            lines += [f"  - {s}" for s in a.suggestions]
    for item in a.answers:
        lines.append(f"- {item.label} ({item.kind}) <{item.iri}>")
        for e in item.evidence[:3]:
            lines.append(f"    \"{e.text}\"  [{e.report} {e.start}-{e.end}]")
        if len(item.evidence) > 3:
            lines.append(f"    ... and {len(item.evidence) - 3} more sentence(s)")
    s = a.selection
    if a.answers and s.get("strategy") == "relation":
        if s["shown"] < s["total"]:
            lines.append(f"answers: {s['shown']} of the {s['total']} that `{s['query']}` lists"
                         + (f" ({s['note']})" if s.get("note") else "") + "; kept: "
                         + "; ".join(s.get("kept", ())) + ". `kg ask --all` shows every one, ranked.")
        else:
            lines.append(f"answers: {s['shown']}, every one that `{s['query']}` lists"
                         + (f", {s['note']}" if s.get("note") else "") + (", ranked with BM25" if s.get("ranked") else ""))
    elif a.answers and s.get("note"):
        lines.append(f"answers: {s['shown']}; {s['note']}")
    if a.sparql:
        lines += ["", "SPARQL run:", a.sparql.rstrip()]
    return "\n".join(lines) + "\n"
