"""Turn a plain-language question into SPARQL over the built graph, and into answers with their evidence sentences.

Reading a question: the entities it names are matched against the graph's labels (spaCy phrase
matching, the pipeline's case rule), the themes it names against the theme thesaurus, the kind of
thing it asks for and the relation it names against `queries/ask/words.json`. Answering: a query
from `queries/ask/` is chosen for that kind and relation, run with the entities bound as parameters,
and its rows are kept only where the evidence sentence carries the question's remaining words (the
focus). When the graph holds no such relation, the same focus picks the sentences that best carry
the question's words and answers with the entities of the asked kind they name. Everything is
offline and deterministic; an answer always comes with its sentence, never to fill a list.
"""
from __future__ import annotations

import json
import math
import re
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import RDFS, Dataset, URIRef

from extract.entities import _case_sensitive as case_sensitive  # the pipeline's own rule, shared on purpose
from extract.gazetteer import name_variants, strip_accents
from kg.query import QueryError, class_term, query_dir, run_query

ANSWER_FORMATS = ("text", "json")
# The focus must carry at least this share of the question's words (weighted by rarity) ...
MIN_SHARE = 0.5
# ... and an answer's evidence at least this share of the best evidence's score.
NEAR_BEST = 0.75
NUMBER = "number"


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
class Reading:
    """What a question was understood to ask."""

    entities: list[URIRef]           # entities the question names, in order
    themes: list[URIRef]             # themes it names (thesaurus terms)
    kinds: list[str]                 # classes asked for ("rk:Region"), or ["number"]
    relation: str | None             # "funds", "partners", "members"
    entity_after_relation: bool      # the named entity follows the relation word ("who funds WFP")
    focus: list[str]                 # content word stems, not names, kind words or relation words


@dataclass
class Answer:
    question: str
    answers: list[Item]
    sparql: str
    reading: Reading | None = None
    strategy: str = ""
    suggestions: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"question": self.question,
                "answers": [{"label": a.label, "iri": a.iri, "kind": a.kind,
                             "evidence": [{"text": e.text, "report": e.report, "start": e.start, "end": e.end}
                                          for e in a.evidence]}
                            for a in self.answers],
                "sparql": self.sparql}


# ---------------------------------------------------------------------------------------------------
# words

@lru_cache(maxsize=1)
def _nlp():
    import spacy

    return spacy.blank("en")


def _tokens(text: str) -> list[str]:
    return [t.text for t in _nlp().tokenizer(text.replace("’", "'"))]


_DERIVATIONS = ("ations", "ation", "ments", "ment", "ness", "ure", "ion", "ity", "al")


def stem(word: str) -> str:
    """A crude stem: accents and case folded, one inflection, one derivation and a final e off, cut to five letters.

    Enough to match the words of a question with those of a sentence (received ~ receive, closure ~
    closed, programmes ~ programs, marriage ~ married, partners ~ partnership); rarity weighting
    absorbs the collisions.
    """
    w = strip_accents(word).lower().replace("'", "")
    w = _uninflect(w)
    for suf in _DERIVATIONS:
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            w = w[: -len(suf)]
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w[:5]


def _uninflect(w: str) -> str:
    """Plural and verb endings off: studies -> study, closures -> closure, boxes -> box, trained -> train."""
    if len(w) <= 4:
        return w
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    for suf in ("ing", "ed"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


def _is_word(token: str) -> bool:
    return any(c.isalnum() for c in token) and len(token) > 1


@dataclass(frozen=True)
class Words:
    kinds: list[tuple[tuple[str, ...], str]]       # (lower-case token sequence, class), longest first
    who: tuple[str, ...]
    where: tuple[str, ...]
    relations: dict[str, dict]                     # name -> {"words": [token seqs], "passive": [...], "answers": [...]}
    stopwords: frozenset


@lru_cache(maxsize=1)
def load_words() -> Words:
    path = query_dir() / "ask" / "words.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QueryError(f"{path}: cannot read the question vocabulary ({exc})") from None

    def seq(phrase: str) -> tuple[str, ...]:
        return tuple(t.lower() for t in _tokens(phrase))

    kinds = [(seq(w), k["class"]) for k in data["kinds"] for w in k["words"]]
    kinds.sort(key=lambda kv: -len(kv[0]))
    relations = {name: {"words": sorted((seq(w) for w in r["words"]), key=len, reverse=True),
                        "passive": {seq(w) for w in r.get("passive", ())},
                        "answers": tuple(r.get("answers", ()))}
                 for name, r in data["relations"].items()}
    return Words(kinds, tuple(data["who"]), tuple(data["where"]), relations,
                 frozenset(w.lower() for w in data["stopwords"]))


# ---------------------------------------------------------------------------------------------------
# what the graph knows, read once per dataset

@dataclass
class _Index:
    labels: dict            # node -> label
    classes: dict           # node -> set of class CURIEs ("rk:Region"), closed under subClassOf
    kinds: dict             # node -> kind code of its most specific class
    names: dict             # name -> set of nodes
    sentences: dict         # sentence -> Evidence
    stems: dict             # sentence -> frozenset of stems
    mentions: dict          # sentence -> set of entities
    df: Counter             # stem or entity -> number of sentences holding it
    n: int
    report_places: dict     # report slug -> places it is about
    within: dict            # place -> places it lies within
    mention_count: Counter  # entity -> sentences naming it
    matchers: tuple = ()


_INDEXES: dict = {}


def _index(ds: Dataset) -> _Index:
    key = id(ds)
    hit = _INDEXES.get(key)
    if hit and hit[0]() is ds and hit[1] == len(ds):
        return hit[2]
    idx = _build_index(ds)
    _INDEXES[key] = (weakref.ref(ds), len(ds), idx)
    return idx


def _curie(iri) -> str:
    """rk: classes as "rk:Region" (the words file names them so); other classes as full IRIs."""
    from kg.namespace import ONTOLOGY_NS

    s = str(iri)
    return "rk:" + s[len(ONTOLOGY_NS):] if s.startswith(ONTOLOGY_NS) else s


def _build_index(ds: Dataset) -> _Index:
    from kg.build import entity_kind
    from kg.reasoning import load_rules

    supers = load_rules().superclasses
    labels, classes, names, codes = {}, defaultdict(set), defaultdict(set), defaultdict(dict)
    goals = {}
    for node, prop, name, goal in run_query("ask/names", ds).rows:
        if prop == RDFS.label:
            labels.setdefault(node, str(name))
        if goal is not None:
            goals[node] = int(goal)
        names[str(name)].add(node)
    for node, cls, code in run_query("ask/classes", ds).rows:
        classes[node].add(cls)
        if code is not None:
            codes[node][cls] = str(code)
    for node, n in goals.items():
        for name in (f"SDG {n}", f"SDG-{n}", f"SDG{n}", f"Goal {n}", f"SDG goal {n}"):
            names[name].add(node)
    for name, nodes in list(names.items()):
        if ":" in name:                 # "Outcome 4: Enabling Environment" is also "Outcome 4"
            head = name.split(":", 1)[0].strip()
            if re.search(r"\d", head):
                names[head].update(nodes)
    kinds = {}
    for node, by_class in codes.items():
        specific = {c for c in by_class if not any(c in supers.get(o, ()) for o in by_class if o != c)}
        kinds[node] = entity_kind({by_class[c] for c in specific}) if specific else sorted(by_class.values())[0]
    curies = {node: {_curie(c) for c in cs} for node, cs in classes.items()}

    sentences, stems, mentions, df = {}, {}, defaultdict(set), Counter()
    mention_count = Counter()
    for s, text, report, start, end, entity in run_query("ask/sentences", ds).rows:
        if s not in sentences:
            sentences[s] = Evidence(str(text), str(report), int(start), int(end))
            stems[s] = frozenset(stem(t) for t in _tokens(str(text)) if _is_word(t))
            df.update(stems[s])
        if entity is not None and entity not in mentions[s]:
            mentions[s].add(entity)
            df[entity] += 1
            mention_count[entity] += 1
    report_places, within = defaultdict(set), defaultdict(set)
    for report, place, up in run_query("ask/geography", ds).rows:
        if report is not None:
            report_places[str(report)].add(place)
        else:
            within[place].add(up)
    return _Index(labels, curies, kinds, dict(names), sentences, stems, dict(mentions), df, len(sentences),
                  dict(report_places), dict(within), mention_count)


def _matchers(idx: _Index):
    """Two spaCy phrase matchers over the graph's names, with the pipeline's case rule (acronyms and single
    capitalised words match only as written, other names in any case)."""
    if idx.matchers:
        return idx.matchers
    from spacy.matcher import PhraseMatcher

    nlp = _nlp()
    exact, lower = PhraseMatcher(nlp.vocab, attr="ORTH"), PhraseMatcher(nlp.vocab, attr="LOWER")
    for i, (name, nodes) in enumerate(sorted(idx.names.items())):
        for v in name_variants([name]):
            matcher = exact if case_sensitive(v) else lower
            matcher.add(str(i), [nlp.make_doc(v.replace("’", "'"))])
    idx.matchers = (exact, lower, {str(i): nodes for i, (_, nodes) in enumerate(sorted(idx.names.items()))})
    return idx.matchers


# ---------------------------------------------------------------------------------------------------
# reading the question

def read_question(question: str, ds: Dataset) -> Reading:
    """What a question names, asks for and relates, read against the graph's names and the words file."""
    idx = _index(ds)
    words = load_words()
    doc = _nlp().make_doc(question.replace("’", "'"))
    low = [t.lower_ for t in doc]
    exact, lower, nodes_of = _matchers(idx)
    spans = sorted({(s, e, m) for matcher in (exact, lower) for m, s, e in matcher(doc)},
                   key=lambda x: (-(x[1] - x[0]), x[0]))
    taken, found = set(), []
    for s, e, m in spans:
        if taken & set(range(s, e)):
            continue
        taken |= set(range(s, e))
        found += [(s, str(node), node) for node in nodes_of[doc.vocab.strings[m]]]
    entities = []
    for _, _, node in sorted(found):
        if node not in entities:
            entities.append(node)

    from extract.themes import load_themes
    from kg.graph import entity_iri
    themes = []
    thesaurus = load_themes()
    for start, end, key in thesaurus.matches(question.replace("’", "'")):
        iri = entity_iri(key)
        if iri not in themes:
            themes.append(iri)

    used = set(taken)
    kinds: list[str] = []
    wh = [i for i, t in enumerate(low) if t in ("which", "what", "who", "where", "whose", "how")]
    for i in wh:
        if low[i] == "how" and i + 1 < len(low) and low[i + 1] in ("many", "much"):
            kinds = [NUMBER]
            used.update({i, i + 1})
            break
        if low[i] in ("who", "whose"):
            kinds = list(words.who)
            break
        if low[i] == "where":
            kinds = list(words.where)
            break
        # "which regional organizations", "what kind of places": the kind comes before the verb
        for j in range(i + 1, min(i + 5, len(low))):
            if low[j] in _AUXILIARIES:
                break
            hit = _match_at(low, j, words.kinds, used)
            if hit:
                length, cls = hit
                kinds = [cls]
                used.update(range(j, j + length))
                break
        if kinds:
            break
    if not kinds:
        for j in range(len(low)):
            hit = _match_at(low, j, words.kinds, used)
            if hit:
                kinds = [hit[1]]
                used.update(range(j, j + hit[0]))
                break

    relation, after = None, False
    for j in range(len(low)):
        hit = None if j in taken else _relation_at(low, j, words)
        if hit:
            relation, length, passive = hit
            used.update(range(j, j + length))
            first = min(taken, default=None)
            after = passive or (first is not None and first > j)     # "who funds WFP", "funded by whom"
            break

    if relation and kinds in (list(words.who), list(words.where)) and "rk:Place" not in kinds:
        kinds = list(words.relations[relation]["answers"])    # "who funds": governments too
    focus = []
    for j, t in enumerate(low):
        if j in used or j in taken or not _is_word(t) or t in words.stopwords:
            continue
        s = stem(t)
        if s not in focus:
            focus.append(s)
    return Reading(entities, themes, kinds, relation, after, focus)


_AUXILIARIES = frozenset({"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could",
                          "will", "would", "should", "may", "might", "must", "be", "been"})


def _relation_at(low: list[str], j: int, words: Words) -> tuple[str, int, bool] | None:
    """The relation named at token j: (relation, length, passive)."""
    for name, rel in words.relations.items():
        for seq in rel["words"]:
            if tuple(low[j:j + len(seq)]) == seq:
                passive = seq in rel["passive"] or (j + len(seq) < len(low) and low[j + len(seq)] == "by")
                return name, len(seq), passive
    return None


def _match_at(low: list[str], j: int, table, used) -> tuple[int, str] | None:
    for seq, cls in table:
        if tuple(low[j:j + len(seq)]) == seq and not used & set(range(j, j + len(seq))):
            return len(seq), cls
    return None


# ---------------------------------------------------------------------------------------------------
# answering

@dataclass
class _Plan:
    query: str                 # name under queries/
    bindings: dict
    answer_classes: tuple      # classes the query's answers have
    used: tuple = ()           # question entities bound as parameters
    authoritative: bool = False  # a relation the pipeline reads from the text (no rows: the text does not say it)


def _has(idx: _Index, node, cls: str) -> bool:
    return cls in idx.classes.get(node, ())


def _plans(r: Reading, idx: _Index) -> list[_Plan]:
    """Queries that answer the reading, most specific first; the focus filter decides among their rows."""
    words = load_words()
    of = lambda cls: [e for e in r.entities if _has(idx, e, cls)]       # noqa: E731
    plans = []
    asked = set(r.kinds)
    if asked & {"rk:SDG"}:
        for o in of("rk:Outcome"):
            plans.append(_Plan("ask/sdgs-of-outcome", {"entity": o}, ("rk:SDG",), (o,)))
        if not of("rk:Outcome"):
            for t in dict.fromkeys([*of("rk:Theme"), *r.themes]):
                plans.append(_Plan("ask/sdgs-of-theme", {"entity": t}, ("rk:SDG",), (t,)))
    if asked & {"rk:Outcome"}:
        for s in of("rk:SDG"):
            plans.append(_Plan("ask/outcomes-of-sdg", {"entity": s}, ("rk:Outcome",), (s,)))
    if asked & {"rk:Theme"}:
        for s in of("rk:SDG"):
            plans.append(_Plan("ask/themes-of-sdg", {"entity": s}, ("rk:Theme",), (s,)))
    orgs = [e for e in r.entities if _has(idx, e, "rk:Organization") or _has(idx, e, "rk:Country")]
    if r.relation in ("funds", "partners", "members") and orgs:
        answers = words.relations[r.relation]["answers"]
        e = orgs[0]
        if r.relation == "funds":
            name = "ask/funders-of" if r.entity_after_relation else "ask/funded-by"
            plans.append(_Plan(name, {"entity": e}, answers, (e,), authoritative=True))
        elif r.relation == "partners":
            plans.append(_Plan("ask/partners-of", {"entity": e}, answers, (e,), authoritative=True))
        elif r.relation == "members":
            name = "ask/members-of" if r.entity_after_relation else "ask/memberships-of"
            plans.append(_Plan(name, {"entity": e}, answers, (e,), authoritative=True))
    if r.relation == "members":
        for e in [x for x in r.entities if x not in orgs]:
            plans.append(_Plan("ask/members-of", {"entity": e}, words.relations["members"]["answers"], (e,)))
    places = [e for e in r.entities if _has(idx, e, "rk:Place")]
    if places and r.relation in ("acts", None) and not {"rk:Place", "rk:Region", "rk:Country"} & asked:
        plans.append(_Plan("ask/actors-in", {"entity": places[0]}, ("rk:Organization",), (places[0],)))
    if any(k in ("rk:Place", "rk:Region", "rk:Country") for k in r.kinds):
        actors = [e for e in orgs if _has(idx, e, "rk:Organization")]
        if actors:
            plans.append(_Plan("ask/places-of", {"entity": actors[0]}, ("rk:Place",), (actors[0],)))
        plans.append(_Plan("ask/places-of-action", {}, ("rk:Place",), ()))
    if r.kinds == [NUMBER]:
        plans.append(_Plan("ask/results", {}, (NUMBER,), ()))
    if len(r.kinds) == 1 and r.kinds != [NUMBER] and not (r.entities or r.themes or r.focus or r.relation):
        # "Which SDGs does the report cover?": every entity of the kind, each with the sentences naming it
        plans.append(_Plan("ask/mentioned-with", {"class": class_term(r.kinds[0])}, tuple(r.kinds)))
    return plans


def _compatible(kinds: list[str], answer_classes: tuple, node, idx: _Index) -> bool:
    if not kinds:
        return any(_has(idx, node, c) for c in answer_classes) if answer_classes else True
    return any(_has(idx, node, k) for k in kinds)


def _terms(r: Reading, idx: _Index, used: tuple, with_relation: bool) -> list[tuple[object, float]]:
    """What the evidence should carry: focus stems, entities not bound as parameters, and (in fallback) the relation."""
    n = idx.n + 1
    idf = lambda df: math.log(n / (df + 0.5))       # noqa: E731
    terms = [(("stem", s), idf(idx.df.get(s, 0))) for s in r.focus]
    terms += [(("entity", e), idf(idx.df.get(e, 0))) for e in r.entities if e not in used]
    if with_relation and r.relation:
        stems = {stem(w) for seq in load_words().relations[r.relation]["words"] for w in seq if len(seq) == 1}
        best = max((idx.df.get(s, 0) for s in stems), default=0)
        terms.append((("relation", frozenset(stems)), idf(best)))
    return terms


def _carries(term, sentence, idx: _Index) -> bool:
    what, value = term
    if what == "stem":
        return value in idx.stems.get(sentence, ())
    if what == "relation":
        return bool(value & idx.stems.get(sentence, frozenset()))
    mentioned = idx.mentions.get(sentence, set())
    if value in mentioned:
        return True
    # a place is carried by a sentence naming a place within it, or by a report about it
    if any(value in idx.within.get(m, ()) for m in mentioned):
        return True
    ev = idx.sentences.get(sentence)
    return ev is not None and value in idx.report_places.get(ev.report, ())


def _score(sentence, terms, idx: _Index) -> float:
    if sentence is None:
        return 0.0
    return sum(w for t, w in terms if _carries(t, sentence, idx))


def _run(plan: _Plan, ds: Dataset):
    result = run_query(plan.query, ds, plan.bindings)
    cols = result.variables
    return [dict(zip(cols, row)) for row in result.rows], result


def _sparql_text(plan: _Plan, result) -> str:
    """The query file that ran, after one `# bound $name = term` line per parameter (graph terms only)."""
    head = "".join(f"# bound ${k} = {v.n3()}\n" for k, v in plan.bindings.items())
    return head + result.query.text.rstrip() + "\n"


def _select(rows: list[dict], terms, idx: _Index) -> list[tuple[dict, float]]:
    """Rows whose evidence carries the focus: at least MIN_SHARE of it, and near the best row."""
    total = sum(w for _, w in terms)
    scored = [(row, _score(row.get("sentence"), terms, idx)) for row in rows]
    if not terms:
        return scored
    best = max((s for _, s in scored), default=0.0)
    if best <= 0 or best < MIN_SHARE * total:
        return []
    return [(row, s) for row, s in scored if s >= NEAR_BEST * best]


def _prefer(rows: list[tuple[dict, float]], r: Reading) -> list[tuple[dict, float]]:
    """The report's own statements over inferred ones; the strongest contributions over weak ones; numbers in
    the unit the question names ("how many children")."""
    if any(row.get("unit") is not None and stem(str(row["unit"])) in r.focus for row, _ in rows):
        rows = [(row, s) for row, s in rows if row.get("unit") is not None and stem(str(row["unit"])) in r.focus]
    if any(row.get("stated") is not None and row["stated"].toPython() is True for row, _ in rows):
        rows = [(row, s) for row, s in rows if row.get("stated") is not None and row["stated"].toPython() is True]
    weights = [float(row["weight"]) for row, _ in rows if row.get("weight") is not None]
    if weights:
        top = max(weights)
        rows = [(row, s) for row, s in rows if row.get("weight") is None or float(row["weight"]) >= NEAR_BEST * top]
    return rows


def _eligible(rows: list[dict], r: Reading, plan: _Plan, idx: _Index) -> list[dict]:
    """Rows whose answer is of the asked kind and is not something the question itself names."""
    if plan.answer_classes == (NUMBER,):
        return rows
    return [row for row in rows
            if row["answer"] not in r.entities and _compatible(r.kinds, plan.answer_classes, row["answer"], idx)]


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


def answer(question: str, dataset: Dataset) -> Answer:
    """Answer a question from the graph, offline and deterministically; no answer rather than a wrong one."""
    idx = _index(dataset)
    r = read_question(question, dataset)
    sparql, found_relation = "", False
    for plan in _plans(r, idx):
        rows, result = _run(plan, dataset)
        sparql = _sparql_text(plan, result)
        rows = _eligible(rows, r, plan, idx)
        found_relation |= bool(rows)
        kept = _prefer(_select(rows, _terms(r, idx, plan.used, with_relation=False), idx), r)
        items = _items(kept, r, plan, idx)
        if items:
            return Answer(question, items, sparql, r, plan.query)
        if plan.authoritative and not rows and not found_relation:
            # the graph reads this relation from the text and holds none for this entity: guessing from
            # sentences would only find its neighbours ("Who funds France?" is not its co-donors)
            return Answer(question, [], sparql, r, "", suggest(r, dataset))
    items, fallback_sparql = _from_sentences(r, idx, dataset)
    if items:
        return Answer(question, items, fallback_sparql, r, "ask/mentioned-with")
    return Answer(question, [], fallback_sparql or sparql, r, "", suggest(r, dataset))


def _from_sentences(r: Reading, idx: _Index, ds: Dataset) -> tuple[list[Item], str]:
    """Entities of the asked kind named in the sentences that best carry the question's words."""
    asked = [k for k in r.kinds if k != NUMBER]
    if not asked and r.relation:
        asked = list(load_words().relations[r.relation]["answers"])
    if not asked or not (r.focus or r.entities or r.relation):
        return [], ""
    bindings = {"class": class_term(asked[0])} if len(asked) == 1 else {}
    plan = _Plan("ask/mentioned-with", bindings, tuple(asked))
    rows, result = _run(plan, ds)
    probe = Reading(r.entities, r.themes, asked, r.relation, r.entity_after_relation, r.focus)
    rows = _eligible(rows, probe, plan, idx)
    kept = _select(rows, _terms(r, idx, (), with_relation=True), idx)
    if kept:
        best = max(s for _, s in kept)      # the best sentences themselves, not every sentence near them
        kept = [(row, s) for row, s in kept if s >= best - 1e-9]
    return _items(kept, probe, plan, idx), _sparql_text(plan, result)


_SUGGESTIONS = (   # (question, the query that answers it, the class of the entity it names)
    ("Who are the partners of {}?", "ask/partners-of", "rk:Organization"),
    ("Who funds {}?", "ask/funders-of", "rk:Organization"),
    ("Which organisations work in {}?", "ask/actors-in", "rk:Place"),
    ("Which SDGs does {} contribute to?", "ask/sdgs-of-outcome", "rk:Outcome"),
    ("Which outcomes contribute to {}?", "ask/outcomes-of-sdg", "rk:SDG"),
)


def suggest(r: Reading | None, ds: Dataset, tries: int = 6) -> list[str]:
    """Questions the graph does answer, about what the question named when it can, else about its most named entities."""
    idx = _index(ds)
    out = []
    for template, query, cls in _SUGGESTIONS:
        named = [e for e in (r.entities if r else []) if _has(idx, e, cls)]
        ranked = sorted((n for n in idx.mention_count if _has(idx, n, cls) and n not in named),
                        key=lambda n: (-idx.mention_count[n], idx.labels.get(n, str(n))))
        for node in (named + ranked)[:tries]:
            if run_query(query, ds, {"entity": node}).rows:
                out.append(template.format(idx.labels.get(node, str(node)).split(":")[0]))
                break
    return out


def render_answer(a: Answer, fmt: str = "text") -> str:
    """The answer as text (answers, evidence, the SPARQL run) or as the JSON document of `Answer.to_json`."""
    if fmt not in ANSWER_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose text or json")
    if fmt == "json":
        return json.dumps(a.to_json(), indent=2, ensure_ascii=False) + "\n"
    lines = [f"Q: {a.question}"]
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
    if a.sparql:
        lines += ["", "SPARQL run:", a.sparql.rstrip()]
    return "\n".join(lines) + "\n"
