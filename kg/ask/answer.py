"""Turn a plain-language question into SPARQL over the built graph, and into answers with their evidence sentences.

Reading a question (kg.ask.reading): the entities it names are matched against the graph's names and the gazetteer's
aliases (token sequences, the pipeline's case rule), the themes it names against the theme thesaurus,
the kind of thing it asks for and the relation it names against `queries/ask/words.json` (lemmas, not
exact forms); what is left are the activity words (the focus). Answering: a query from `queries/ask/`
is chosen for that kind and relation and run with the entities bound as parameters; its rows are ranked
(kg.ask.rank) with BM25 (rank_bm25) by how well their evidence sentence carries the focus and the other named
entities, and kept when it carries enough of them. When the graph holds no such relation, the sentences
that best carry the question's words (found by the store, ranked with BM25) give the entities of the
asked kind they name. Every cut is stated, with the `kg query` that lists everything. Offline,
deterministic, and no spaCy model: an answer always comes with its sentence, never to fill a list."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rdflib import Dataset, URIRef

from kg.ask.index import _Index, _has, _index
from kg.ask.rank import (MIN_SHARE, _best_sentences, _candidates, _carried, _prefer, _rank, _select, _share_of,
                         _terms, _weights)
from kg.ask.reading import NUMBER, Reading, read_question
from kg.ask.words import _is_word, _tokens, load_words, stem
from kg.query.run import class_term, engine, run_query

# The library query that lists the same answers as an ask/ query, and the parameter the named entity binds.
COUNTERPARTS = {"ask/partners-of": ("partners", "org"), "ask/funders-of": ("donors", "recipient"),
                "ask/funded-by": ("donors", "donor"), "ask/outcomes-of-sdg": ("outcomes-for-sdg", "sdg"),
                "ask/actors-in": ("organisations-in-region", "place")}


@dataclass(frozen=True)
class Evidence:
    text: str
    report: str
    start: int
    end: int


@dataclass
class Item:
    label: str
    iri: str
    kind: str
    evidence: list[Evidence] = field(default_factory=list)
    score: float = 0.0


@dataclass
class Answer:
    question: str
    answers: list[Item]
    sparql: str
    reading: Reading | None = None
    strategy: str = ""
    suggestions: list[str] = field(default_factory=list)
    understood: dict = field(default_factory=dict)
    selection: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"question": self.question,
                "understood": self.understood,
                "answers": [{"label": a.label, "iri": a.iri, "kind": a.kind,
                             "evidence": [{"text": e.text, "report": e.report, "start": e.start, "end": e.end}
                                          for e in a.evidence]}
                            for a in self.answers],
                "selection": self.selection,
                "sparql": self.sparql}


def understood(r: Reading, idx: _Index, plan: _Plan | None = None) -> dict:
    """What was understood, as shown to the user: asked, relation, the named entities in their roles, about."""
    words = load_words()
    out: dict = {}
    if r.kinds:
        out["asked"] = ", ".join(words.kind_labels.get(k, k) for k in r.kinds)
    relation = (plan.relation if plan is not None else None) or r.relation    # the one whose query ran
    if relation:
        out["relation"] = words.relations[relation]["label"]
    if plan is not None:
        bound = set(plan.used)
    else:   # no query ran (or none answered): the entity a relation query would have bound
        orgs = _bindable(r, idx)
        bound = set(orgs[:1]) if r.relation in ("funds", "partners", "members") else set()
    for e in r.entities:
        label = idx.labels.get(e, str(e))
        role = "about"
        if e in bound and relation:
            before, after = words.relations[relation]["roles"]
            role = (after if r.directions.get(relation, r.entity_after_relation) else before) or role
        elif e in bound and plan is not None:
            role = plan.role
        elif e in r.excluded:
            role = "except"
        elif any(e == p for p, _ in r.named_for) and not set(r.kinds) <= _place_classes():
            role = "of"         # "Lakeland Region institutions": the answers are its own
        elif any(_has(idx, e, c) for c in ("rk:Place",)):
            role = "place"
        out.setdefault(role, [])
        out[role].append(label)
    if r.themes:
        out["theme"] = [idx.labels.get(t, str(t).rsplit("/", 1)[-1]) for t in r.themes]
    if r.years:
        out["year"] = list(r.years)
    rest = [w for w in r.focus_words if w not in r.years]
    if rest:
        out["about"] = out.get("about", []) + [" ".join(rest)]
    return {k: (", ".join(v) if isinstance(v, list) else v) for k, v in out.items()}


@dataclass
class _Plan:
    query: str                 # name under queries/
    bindings: dict
    answer_classes: tuple      # classes the query's answers have
    used: tuple = ()           # question entities bound as parameters
    authoritative: bool = False  # a relation the pipeline reads from the text (no rows: the text does not say it)
    role: str = "about"        # what the bound entity is to the answer ("outcome", "goal", "place")
    per_sentence: bool = False   # run once per sentence that best carries the question ($sentence bound)
    places: bool = False         # answers are the places of action of the sentences the query's rows cite
    relation: str | None = None  # the relation of the question it answers, when not the first one named


def _plans(r: Reading, idx: _Index) -> list[_Plan]:
    """Queries that answer the reading, most specific first; the focus filter decides among their rows."""
    words = load_words()
    of = lambda cls: [e for e in r.entities if _has(idx, e, cls)]       # noqa: E731
    plans = []
    asked = set(r.kinds)
    if asked & {"rk:SDG"}:
        for o in of("rk:Outcome"):
            plans.append(_Plan("ask/sdgs-of-outcome", {"entity": o}, ("rk:SDG",), (o,), role="outcome"))
        if not of("rk:Outcome"):
            for t in dict.fromkeys([*of("rk:Theme"), *r.themes]):
                plans.append(_Plan("ask/sdgs-of-theme", {"entity": t}, ("rk:SDG",), (t,), role="theme"))
    if asked & {"rk:Outcome"}:
        for s in of("rk:SDG"):
            plans.append(_Plan("ask/outcomes-of-sdg", {"entity": s}, ("rk:Outcome",), (s,), role="goal"))
    if asked & {"rk:Theme"}:
        for s in of("rk:SDG"):
            plans.append(_Plan("ask/themes-of-sdg", {"entity": s}, ("rk:Theme",), (s,), role="goal"))
    orgs = _bindable(r, idx)
    for relation in (r.relations or [r.relation]):      # each relation the question names, in its order
        if relation not in ("funds", "partners", "members", "procures") or not orgs or (r.kinds and set(r.kinds) <= _place_classes()):
            continue
        answers = words.relations[relation]["answers"]
        after = r.directions.get(relation, r.entity_after_relation)
        e = orgs[0]
        if relation == "funds":
            name = "ask/funders-of" if after else "ask/funded-by"
            plans.append(_Plan(name, {"entity": e}, answers, (e,), authoritative=True, relation=relation))
        elif relation == "partners":
            plans.append(_Plan("ask/partners-of", {"entity": e}, answers, (e,), authoritative=True, relation=relation))
            # "who supports X" may be read as funding either way: tried when no partnership carries the question
            plans.append(_Plan("ask/funders-of", {"entity": e}, answers, (e,)))
            plans.append(_Plan("ask/funded-by", {"entity": e}, answers, (e,)))
        elif relation == "members":
            name = "ask/members-of" if after else "ask/memberships-of"
            plans.append(_Plan(name, {"entity": e}, answers, (e,), authoritative=True, relation=relation))
        elif relation == "procures":    # "Through what did X procure ...": its channels; "Who procures through X"
            name = "ask/procuring-through" if after else "ask/procured-through"
            plans.append(_Plan(name, {"entity": e}, answers, (e,), authoritative=True, relation=relation))
    if r.relation == "procures" and not orgs:
        # "Through which facility were the vaccines procured?": every channel, by how well its sentence carries the rest
        plans.append(_Plan("ask/procurement-channels", {}, words.relations["procures"]["answers"], (),
                           relation="procures"))
    if r.relation == "members":
        for e in [x for x in r.entities if x not in orgs]:
            plans.append(_Plan("ask/members-of", {"entity": e}, words.relations["members"]["answers"], (e,),
                               role="body"))
    owners = {p for p, _ in r.named_for}       # "Lakeland Region bodies work in X": X is where they act
    places = sorted((e for e in r.entities if _has(idx, e, "rk:Place")), key=lambda e: e in owners)
    if places and r.relation in ("acts", None) and not {"rk:Place", "rk:Region", "rk:Country"} & asked:
        more = tuple(r.listed.get(places[0], ()))      # "in A and B": those acting in either
        plans.append(_Plan("ask/actors-in", {"entity": places[0]}, ("rk:Organization",), (places[0], *more), role="place",
                           authoritative=r.relation == "acts"))
    who_of_relation = bool(r.relation) and r.kinds == list(words.relations[r.relation]["answers"])  # "who funds": not places
    if any(k in ("rk:Place", "rk:Region", "rk:Country") for k in r.kinds) and not who_of_relation:
        if "funds" in r.relations:     # "Where did the work X funds take place?": the places of what it funds
            funders = [e for e in r.entities if (_has(idx, e, "rk:Organization") or _has(idx, e, "rk:Country"))
                       and e not in r.excluded]     # "German-funded": the adjective names the funder here
            for e in funders[:1]:
                plans += [_Plan("ask/funded-by", {"entity": e}, ("rk:Place",), (e,), role="funder", places=True),
                          _Plan("ask/funders-of", {"entity": e}, ("rk:Place",), (e,), role="recipient", places=True)]
        actors = [e for e in orgs if _has(idx, e, "rk:Organization")]
        if actors:
            plans.append(_Plan("ask/places-of", {"entity": actors[0]}, ("rk:Place",), (actors[0],), role="actor",
                               authoritative=r.relation == "acts"))
        if r.focus:
            plans.append(_Plan("ask/places-of-action", {}, ("rk:Place",), (), per_sentence=True))
    if r.kinds == [NUMBER] and r.focus:
        plans.append(_Plan("ask/results", {}, (NUMBER,), (), per_sentence=True))
    if len(r.kinds) == 1 and r.kinds != [NUMBER] and not (r.entities or r.themes or r.focus or r.relation):
        # "Which SDGs does the report cover?": every entity of the kind, each with the sentences naming it
        plans.append(_Plan("ask/mentioned-with", {"class": class_term(r.kinds[0])}, tuple(r.kinds)))
    return plans


@lru_cache(maxsize=1)
def _place_classes() -> frozenset:
    """The place classes as the words file names them ("rk:Region"): rk:Place and every class under it."""
    from kg.ontology import kind_classes, place_kinds

    classes = kind_classes()
    return frozenset("rk:" + str(classes[k]).rsplit("#", 1)[-1] for k in place_kinds() if k in classes)


def _bindable(r: Reading, idx: _Index) -> list:
    """The entities a relation query may bind: organisations, countries and programmes ("Who funds the X plan?"),
    not a place named as where, nor one the question sets aside."""
    return [e for e in r.entities if (_has(idx, e, "rk:Organization") or _has(idx, e, "rk:Country")
                                      or _has(idx, e, "rk:Programme") or _has(idx, e, "rk:Framework"))
            and not (e in r.where_only and not _has(idx, e, "rk:Organization")) and e not in r.excluded]


def _compatible(kinds: list[str], answer_classes: tuple, node, idx: _Index) -> bool:
    if not kinds:
        return any(_has(idx, node, c) for c in answer_classes) if answer_classes else True
    return any(_has(idx, node, k) for k in kinds)


def _eligible(rows: list[dict], r: Reading, plan: _Plan, idx: _Index) -> list[dict]:
    """Rows whose answer is of the asked kind and is not something the question itself names; when none is, an
    organisation the graph knows by no narrower kind may be of the narrower kind asked ("which government agency")."""
    if plan.answer_classes == (NUMBER,):
        return rows
    rows = [row for row in rows if row["answer"] not in r.entities]
    around = [e for e in r.where_only if _has(idx, e, "rk:Place")]
    if around and r.kinds and set(r.kinds) <= _place_classes():     # "Haitian departments": the places within Haiti
        rows = [row for row in rows if set(around) & _containers(idx, row["answer"])]
    if r.beyond and r.kinds and set(r.kinds) <= _place_classes():   # "neighbouring countries": not the report's own
        rows = [row for row in rows if row["answer"] not in idx.report_places.get(str(row.get("report")), ())]
    if r.named_for and not (r.kinds and set(r.kinds) <= _place_classes()):
        # "Lakeland Region institutions": those whose name says so, when the graph holds any
        owned = set().union(*(_named_with(idx, words) for _, words in r.named_for))
        if owned:
            rows = [row for row in rows if row["answer"] in owned]
    found = [row for row in rows if _compatible(r.kinds, plan.answer_classes, row["answer"], idx)]
    if found or not r.kinds or not set(r.kinds) <= _narrower_organisations():
        return found
    return [row for row in rows if idx.classes.get(row["answer"], set()) & _narrower_organisations() == set()
            and _has(idx, row["answer"], "rk:Organization")]


_NAME_STEMS: dict = {}


def _named_with(idx: _Index, words: tuple[str, ...]) -> frozenset:
    """The organisations one of whose names holds the stem sequence `words` ("... of the Lakeland Region")."""
    if _NAME_STEMS.get(id(idx), (None,))[0] is not idx:
        table = [(tuple(stem(t) for t in _tokens(name) if _is_word(t)), nodes) for name, nodes in idx.names.items()]
        _NAME_STEMS[id(idx)] = (idx, [(seq, frozenset(n for n in nodes if _has(idx, n, "rk:Organization")))
                                      for seq, nodes in table])
    n = len(words)
    return frozenset().union(*(nodes for seq, nodes in _NAME_STEMS[id(idx)][1]
                               if nodes and any(seq[i:i + n] == words for i in range(len(seq) - n + 1))))


def _containers(idx: _Index, place) -> set:
    """The places a place lies within, transitively."""
    out, todo = set(), [place]
    while todo:
        for up in idx.within.get(todo.pop(), ()):
            if up not in out:
                out.add(up)
                todo.append(up)
    return out


@lru_cache(maxsize=1)
def _narrower_organisations() -> frozenset:
    """The classes of organisation narrower than rk:Organization, as the words file names them ("rk:NGO")."""
    from kg.ask.index import _curie
    from kg.ontology import ontology_kinds

    code_of, _, organisations, _ = ontology_kinds()
    return frozenset(_curie(c) for c, code in code_of.items() if code in organisations) - {"rk:Organization"}


def _items(rows, r: Reading, plan: _Plan, idx: _Index) -> list[Item]:
    by: dict = {}
    for row, score in rows:
        node = row["answer"]
        if plan.answer_classes == (NUMBER,):
            label = _number_label(row)
            kind = NUMBER
        else:
            label, kind = idx.labels.get(node, str(row.get("label") or node)), idx.kinds.get(node, "entity")
        item = by.setdefault(node, Item(label, str(node), kind))
        item.score = max(item.score, score + (float(row["weight"]) if row.get("weight") is not None else 0.0))
        s = row.get("sentence")
        if s is not None and row.get("text") is not None:
            ev = Evidence(str(row["text"]), str(row["report"]), int(row["start"]), int(row["end"]))
            if ev not in item.evidence:
                item.evidence.append(ev)
    for item in by.values():
        item.evidence.sort(key=lambda e: (e.report, e.start))
    return sorted(by.values(), key=lambda i: (-round(i.score, 6), _natural(i.label), i.iri))


def _natural(label: str) -> tuple:
    """Sort key that puts SDG 2 before SDG 10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", label.casefold()))


def _number_label(row: dict) -> str:
    value = row["value"].toPython()
    value = int(value) if float(value).is_integer() else float(value)
    what = f": {row['what']}" if row.get("what") is not None else ""
    return f"{value:,} {row['unit']}{what}"


def _command(plan: _Plan, idx: _Index) -> str:
    """The `kg query` call that lists every answer the plan's query gives."""
    if plan.query in COUNTERPARTS and plan.used:
        name, param = COUNTERPARTS[plan.query]
        return "; ".join(f"kg query {name} --param {param}={_quote(idx.labels.get(e, str(e)))}"
                         for e in (plan.used if plan.query == "ask/actors-in" else plan.used[:1]))
    params = "".join(f" --param {k}={_quote(idx.labels.get(v, str(v)) if isinstance(v, URIRef) else str(v))}"
                     for k, v in plan.bindings.items())
    return f"kg query {plan.query}{params}"


def _quote(value: str) -> str:
    return value if re.fullmatch(r"[\w./:-]+", value) else "'" + value.replace("'", "'\\''") + "'"


def answer(question: str, source, every: bool = False, folder=None) -> Answer:
    """Answer a question from the graph (an output folder, an Oxigraph store or an rdflib Dataset), offline and
    deterministically; no answer rather than a wrong one. `every` keeps every answer of the relation query,
    ranked, instead of those whose evidence carries the question; `folder`, the output folder of the store
    given, keeps the sentence index on disk for the next call."""
    if folder is None and not (isinstance(source, Dataset) or type(source).__name__ == "Store"):
        folder = source
    load_words()                # the vocabulary first: a broken words.json fails before any work is done
    source = engine(source)
    idx = _index(source, folder)
    question = "".join(c if c.isprintable() else " " for c in question)
    r = read_question(question, source)
    sparql, found_relation, loose = "", False, None
    for plan in _plans(r, idx):
        rows, result = _run(plan, source, r, idx)
        sparql = _sparql_text(plan, result)
        total = {row["answer"] for row in rows}
        eligible = _eligible(rows, r, plan, idx)
        found_relation |= bool(eligible)
        terms = _terms(r, plan.used, with_relation=False)
        ranked = _rank(eligible, terms, r, idx)
        if every:
            kept, why = [(row, share + score * 1e-6) for row, share, score in ranked], []
        else:
            kept, why = _prefer(_select(ranked, terms), r)
        items = _items(kept, r, plan, idx)
        if items:
            a = Answer(question, items, sparql, r, plan.query, understood=understood(r, idx, plan))
            a.selection = _selection(plan, idx, len(total), len({row["answer"] for row in eligible}), items,
                                     r, terms, why, every)
            return a
        if eligible and loose is None:
            loose = (plan, sparql, ranked, len(total), terms)
        if plan.authoritative and not eligible and not found_relation:
            # the graph reads this relation from the text and holds none for this entity: guessing from
            # sentences would only find its neighbours ("Who funds France?" is not its co-donors)
            return Answer(question, [], sparql, r, "", suggest(r, source), understood(r, idx, plan),
                          {"strategy": "none", "query": _command(plan, idx), "total": 0, "shown": 0,
                           "note": "the graph holds no such relation for what the question names"})
    if loose is not None and loose[0].authoritative:
        return _unfiltered(question, r, idx, *loose)
    items, fallback_sparql = _from_sentences(r, idx)
    if items:
        return Answer(question, items, fallback_sparql, r, "ask/sentences", understood=understood(r, idx),
                      selection={"strategy": "sentences", "shown": len(items),
                                 "note": "no relation in the graph answers this; these are the entities of the asked "
                                         "kind named in the sentences that best carry the question's words (BM25)"})
    if loose is not None:
        return _unfiltered(question, r, idx, *loose)
    return Answer(question, [], fallback_sparql or sparql, r, "", suggest(r, source), understood(r, idx),
                  {"strategy": "none", "shown": 0, "note": "the graph holds nothing that answers this question"})


def _unfiltered(question: str, r: Reading, idx: _Index, plan: _Plan, sparql: str, ranked, total: int,
                terms: list[str]) -> Answer:
    """Every answer of the relation the question names, ranked, when no evidence sentence carries the rest of it: the
    relation holds, the words around it are the report's own ("Where is X working on the response?")."""
    kept, why = _prefer([(row, share + score * 1e-6) for row, share, score in ranked], r)
    items = _items(kept, r, plan, idx)
    carried = [w for w in r.focus_words] + [idx.labels.get(e, str(e)) for e in r.entities
                                            if e not in plan.used and e not in r.excluded]
    selection = {"strategy": "relation", "query": _command(plan, idx), "total": total, "shown": len(items),
                 "ranked": "BM25 over the evidence sentences, by the question's words and names",
                 "kept": [f"no evidence carries {', '.join(repr(c) for c in carried)}: every answer of the asked "
                          f"kind, ranked with BM25", *why]}
    return Answer(question, items, sparql, r, plan.query, understood=understood(r, idx, plan), selection=selection)


def _selection(plan: _Plan, idx: _Index, total: int, eligible: int, items: list[Item], r: Reading,
               terms: list[str], why: list[str], every: bool) -> dict:
    """How the answers shown relate to what the query returns: every one of them, or which cut kept which."""
    out = {"strategy": "relation", "query": _command(plan, idx), "total": total, "shown": len(items)}
    if plan.per_sentence:
        out["note"] = "for the sentences that best carry the question's words"
    reasons = []
    if eligible < total:
        reasons.append(f"answers of the asked kind ({understood(r, idx).get('asked', 'any')}) and not named in "
                       f"the question: {eligible} of {total}")
    if terms and not every and len(items) < eligible:
        carried = [w for w in r.focus_words] + [idx.labels.get(e, str(e)) for e in r.entities if e not in plan.used]
        reasons.append(f"evidence that carries {', '.join(repr(c) for c in carried)} (ranked with BM25 over "
                       f"the evidence sentences)")
    reasons += why
    if terms:
        out["ranked"] = "BM25 over the evidence sentences, by the question's words and names"
    if reasons:
        out["kept"] = reasons
    return out


def _from_sentences(r: Reading, idx: _Index) -> tuple[list[Item], str]:
    """Entities of the asked kind named in the sentences that best carry the question's words (the sentence index)."""
    asked = [k for k in r.kinds if k != NUMBER]
    if not asked and r.relation:
        asked = list(load_words().relations[r.relation]["answers"])
    if not asked or not (r.focus or r.entities or r.relation):
        return [], ""
    terms = _terms(r, (), with_relation=True)
    probe = replace(r, kinds=asked)
    plan = _Plan("ask/sentences", {}, tuple(asked))

    def named(i: int) -> list[dict]:
        """Rows for the entities of the asked kind a sentence names, or the lines it introduces with a colon name."""
        out = []
        for j in (i, *_introduced(idx, i)):
            sentence, ev = idx.text().sentences[j][0], Evidence(*idx.text().sentences[j][1])
            out += [{"answer": entity, "label": idx.labels.get(entity), "sentence": sentence, "text": ev.text,
                     "report": ev.report, "start": ev.start, "end": ev.end}
                    for entity in sorted(idx.text().mentions.get(j, ()), key=str)]
        return _eligible(out, probe, plan, idx)

    rows, top = [], None
    # the best of the sentences that name something of the asked kind, not every sentence near them
    for i in _best_sentences(r, idx, terms, keep=lambda i: bool(named(i))):
        share = _share_of(i, terms, r, idx)
        if top is not None and share < top - 1e-9:
            break
        found = named(i)
        if found:
            top = share if top is None else top
            rows += found
    if not rows:    # a question of two clauses ("who monitors X and sends the warnings") may take two sentences
        rows = _from_pairs(r, idx, terms, named)
    kept = [(row, score) for row, _, score in _rank(rows, terms, r, idx)]
    from kg.query.library import load_query
    return _items(kept, probe, plan, idx), load_query("ask/sentences").text   # the index is read with it and ask/mentions


def _from_pairs(r: Reading, idx: _Index, terms: list[str], named) -> list[dict]:
    """Rows for the entities of the asked kind named in the best two consecutive sentences of a report that
    together carry at least MIN_SHARE of the question's terms (each must carry some)."""
    weight = _weights(terms, r, idx)
    total = sum(weight.values()) or 1.0
    text = idx.text()
    carried = {}
    for i in _candidates(r, idx, terms):
        ev = Evidence(*text.sentences[i][1])
        carried[i] = _carried(terms, i, ev.text, ev.report, r, idx)
    shares = {}
    for i in carried:
        j = i + 1
        if j in carried and text.sentences[j][1][1] == text.sentences[i][1][1] and carried[i] - carried[j] \
                and carried[j] - carried[i]:
            shares[i] = sum(weight[t] for t in carried[i] | carried[j]) / total
    rows = []
    for i in sorted(shares, key=lambda i: (-shares[i], i)):
        if shares[i] < MIN_SHARE or (rows and shares[i] < top - 1e-9):
            break
        found = named(i) + named(i + 1)
        if found:
            top = shares[i]
            rows += found
    return rows


def _introduced(idx: _Index, i: int, most: int = 8) -> list[int]:
    """The lines a sentence ending with a colon introduces: the next one, and those after it up to the first that
    ends as a sentence does (a list or a table's rows), in the same report."""
    sentences = idx.text().sentences
    if not sentences[i][1][0].rstrip().endswith(":"):
        return []
    out = []
    for j in range(i + 1, min(i + 1 + most, len(sentences))):
        text, report = sentences[j][1][0].rstrip(), sentences[j][1][1]
        if report != sentences[i][1][1] or (out and text.endswith((".", "!", "?", ":"))):
            break
        out.append(j)
        if text.endswith((".", "!", "?", ":")):
            break
    return out


def _run(plan: _Plan, source, r: Reading | None = None, idx: _Index | None = None):
    """The plan's rows: its query run with the entities bound, or, for a per-sentence plan, what the sentence
    index read with that query holds for each sentence that best carries the question."""
    if not plan.per_sentence:
        result = run_query(plan.query, source, plan.bindings)
        rows = [dict(zip(result.variables, row)) for row in result.rows]
        for other in plan.used[1:]:     # the entities listed with the bound one, each bound in turn
            more = run_query(plan.query, source, {**plan.bindings, "entity": other})
            rows += [dict(zip(more.variables, row)) for row in more.rows]
        if plan.places:
            rows = _places_of_rows(rows, idx)
        elif plan.query == "ask/places-of":
            rows += _finer_rows(rows, idx)
        return rows, result
    from kg.query.library import QueryResult, load_query

    text, rows = idx.text(), []
    for i in _best_sentences(r, idx, _terms(r, plan.used, with_relation=False)):
        sentence, (exact, report, start, end) = text.sentences[i]
        where = {"sentence": sentence, "text": exact, "report": report, "start": start, "end": end}
        if plan.query == "ask/results":
            rows += [{**found, **where} for found in text.results.get(i, ())]
        else:
            acted = text.places.get(i, ())
            # and the finer places the sentence names within them ("in the X and Y districts of Z governorate")
            finer = sorted((p for p in text.mentions.get(i, ()) if p not in acted and set(acted) & _containers(idx, p)),
                           key=str)
            rows += [{"answer": place, "label": idx.labels.get(place), **where} for place in (*acted, *finer)]
    return rows, QueryResult(load_query(plan.query), {})


def _places_of_rows(rows: list[dict], idx: _Index) -> list[dict]:
    """Rows for the places of action of each sentence the rows cite (and the finer places it names within them)."""
    text, out = idx.text(), []
    for row in rows:
        i = text.number.get(row.get("sentence"))
        if i is None:
            continue
        acted = text.places.get(i, ())
        finer = sorted((p for p in text.mentions.get(i, ()) if p not in acted and set(acted) & _containers(idx, p)),
                       key=str)
        out += [{**row, "answer": place, "label": idx.labels.get(place)} for place in (*acted, *finer)]
    return out


def _finer_rows(rows: list[dict], idx: _Index) -> list[dict]:
    """Rows for the places each row's sentence names within the row's place ("in the A and B districts" of a
    governorate the organisation acts in), when no row has them already."""
    text, have, out = idx.text(), {(row["answer"], row.get("sentence")) for row in rows}, []
    for row in rows:
        i = text.number.get(row.get("sentence"))
        for p in sorted(text.mentions.get(i, ()), key=str) if i is not None else ():
            if (p, row.get("sentence")) not in have and row["answer"] in _containers(idx, p):
                have.add((p, row.get("sentence")))
                out.append({**row, "answer": p, "label": idx.labels.get(p)})
    return out


def _sparql_text(plan: _Plan, result) -> str:
    """The query file that ran, after one `# bound $name = term` line per parameter (graph terms only)."""
    head = "".join(f"# bound ${k} = {v.n3()}\n" for k, v in plan.bindings.items())
    head += "".join(f"# and run again with $entity = {e.n3()}\n" for e in plan.used[1:])
    return head + result.query.text.rstrip() + "\n"


_SUGGESTIONS = (   # (question, the query that answers it, the class of the entity it names)
    ("Who are the partners of {}?", "ask/partners-of", "rk:Organization"),
    ("Who funds {}?", "ask/funders-of", "rk:Organization"),
    ("Which organisations work in {}?", "ask/actors-in", "rk:Place"),
    ("Which SDGs does {} contribute to?", "ask/sdgs-of-outcome", "rk:Outcome"),
    ("Which outcomes contribute to {}?", "ask/outcomes-of-sdg", "rk:SDG"),
)


def suggest(r: Reading | None, source, tries: int = 6) -> list[str]:
    """Questions the graph does answer, about what the question named when it can, else about its most named entities."""
    source = engine(source)
    idx = _index(source)
    ranked_all = [node for node, _ in run_query("ask/most-named", source).rows]
    out = []
    for template, query, cls in _SUGGESTIONS:
        named = [e for e in (r.entities if r else []) if _has(idx, e, cls)]
        ranked = [n for n in ranked_all if _has(idx, n, cls) and n not in named]
        for node in (named + ranked)[:tries]:
            if run_query(query, source, {"entity": node}).rows:
                out.append(template.format(idx.labels.get(node, str(node)).split(":")[0]))
                break
    return out
