"""Turn a plain-language question into SPARQL over the built graph, and into answers with their evidence sentences.

Reading a question: the entities it names are matched against the graph's names and the gazetteer's
aliases (token sequences, the pipeline's case rule), the themes it names against the theme thesaurus,
the kind of thing it asks for and the relation it names against `queries/ask/words.json` (lemmas, not
exact forms); what is left are the activity words (the focus). Answering: a query from `queries/ask/`
is chosen for that kind and relation and run with the entities bound as parameters; its rows are ranked
with BM25 (rank_bm25) by how well their evidence sentence carries the focus and the other named
entities, and kept when it carries enough of them. When the graph holds no such relation, the sentences
that best carry the question's words (found by the store, ranked with BM25) give the entities of the
asked kind they name. Every cut is stated, with the `kg query` that lists everything. Offline,
deterministic, and no spaCy model: an answer always comes with its sentence, never to fill a list.
"""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import RDFS, Dataset, URIRef

from extract.entities import _case_sensitive as case_sensitive  # the pipeline's own rule, shared on purpose
from extract.gazetteer import name_variants, strip_accents
from kg.query import QueryError, class_term, engine, gazetteer_aliases, query_dir, run_query

ANSWER_FORMATS = ("text", "json")
# The evidence must carry at least this share of the question's terms (weighted by BM25's idf) ...
MIN_SHARE = 0.5
# ... and an answer's evidence at least this share of the best evidence's.
NEAR_BEST = 0.75
NUMBER = "number"
MAX_NAME_TOKENS = 12
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
class Reading:
    """What a question was understood to ask."""

    entities: list[URIRef]           # entities the question names, in order
    themes: list[URIRef]             # themes it names (thesaurus terms)
    kinds: list[str]                 # classes asked for ("rk:Region"), or ["number"]
    relation: str | None             # "funds", "partners", "members", "acts"
    entity_after_relation: bool      # the named entity follows the relation word ("who funds WFP")
    focus: list[str]                 # content word stems, not names, kind words or relation words
    focus_words: list[str] = field(default_factory=list)   # the same words as written
    years: list[str] = field(default_factory=list)
    where_only: list = field(default_factory=list)   # entities named as where something happens ("in Haiti")


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


# ---------------------------------------------------------------------------------------------------
# words

_TOKEN = re.compile(r"\w+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    """Words and single punctuation marks, as spaCy's tokenizer splits names ("UNICEF's" -> UNICEF ' s)."""
    return _TOKEN.findall(text.replace("’", "'"))


_DERIVATIONS = ("ations", "ation", "ments", "ment", "ness", "ure", "ion", "ity", "al")


def stem(word: str) -> str:
    """A crude stem: accents and case folded, one inflection, one derivation and a final e off, cut to five letters.

    Enough to match the words of a question with those of a sentence (received ~ receive, closure ~
    closed, programmes ~ programs, marriage ~ married, partners ~ partnership); BM25's rarity weighting
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


def lemma(word: str) -> str:
    """The word without its inflection, case folded: funded, funds, funding -> fund; agencies -> agency."""
    return _uninflect(strip_accents(word).lower())


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
    kinds: list[tuple[tuple[str, ...], str]]       # (lemma sequence, class), longest first
    kind_labels: dict                              # class -> how the answer kind is said ("UN agencies")
    who: tuple[str, ...]
    where: tuple[str, ...]
    relations: dict[str, dict]                     # name -> {"words", "passive", "answers", "label", "roles"}
    stopwords: frozenset


@lru_cache(maxsize=1)
def load_words() -> Words:
    """The question vocabulary of queries/ask/words.json, every phrase as a sequence of lemmas."""
    path = query_dir() / "ask" / "words.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _words(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QueryError(f"{path}: cannot read the question vocabulary ({type(exc).__name__}: {exc}); "
                         f"see its 'about' field for the shape") from None


def _lemmas(phrase: str) -> tuple[str, ...]:
    return tuple(lemma(t) for t in _tokens(phrase))


def _words(data: dict) -> Words:
    kinds = sorted({(_lemmas(w), k["class"]) for k in data["kinds"] for w in k["words"]}, key=lambda kv: -len(kv[0]))
    labels = {k["class"]: k.get("label", k["class"]) for k in data["kinds"]}
    relations = {name: {"words": sorted({_lemmas(w) for w in r["words"]}, key=len, reverse=True),
                        "passive": {_lemmas(w) for w in r.get("passive", ())},
                        "answers": tuple(r.get("answers", ())),
                        "label": r.get("label", name),
                        "roles": tuple(r.get("roles", ("", "")))}
                 for name, r in data["relations"].items()}
    return Words(kinds, labels, tuple(data["who"]), tuple(data["where"]), relations,
                 frozenset(w.lower() for w in data["stopwords"]))


# ---------------------------------------------------------------------------------------------------
# what the graph knows, read once per store or dataset

@dataclass
class _Text:
    """The graph's sentences, for ranking and searching: read when a question needs them."""

    sentences: list = field(default_factory=list)   # number -> (sentence IRI, (text, report, start, end))
    number: dict = field(default_factory=dict)      # sentence IRI -> number
    postings: dict = field(default_factory=dict)    # stem -> sentence numbers holding it (a frozenset)
    mentions: dict = field(default_factory=dict)    # sentence number -> entities it names
    named_in: dict = field(default_factory=dict)    # entity -> sentence numbers naming it
    naming: dict = field(default_factory=dict)      # entity -> sentence numbers naming it or a place within it
    places: dict = field(default_factory=dict)      # sentence number -> places of the activities and results it reports
    results: dict = field(default_factory=dict)     # sentence number -> its quantitative results (answer, value, unit, what)

    @property
    def n(self) -> int:
        return len(self.sentences)


@dataclass
class _Index:
    labels: dict            # node -> label
    classes: dict           # node -> set of class CURIEs ("rk:Region"), closed under subClassOf
    kinds: dict             # node -> kind code of its most specific class
    names: dict             # name -> set of nodes
    report_places: dict     # report slug -> places it is about
    within: dict            # place -> places it lies within
    exact: dict = field(default_factory=dict)    # token tuple (as written) -> nodes
    folded: dict = field(default_factory=dict)   # token tuple (lower case) -> nodes
    origin: tuple = (None, None)                 # (source, folder) the sentences are read from; not kept on disk
    loaded: _Text | None = None

    def __getstate__(self):
        return {**self.__dict__, "origin": (None, None), "loaded": None}

    def text(self) -> _Text:
        """The sentence index, read once: from out/store/ when kept there, else from the store (and kept)."""
        if self.loaded is None:
            source, folder = self.origin
            found = _load(folder, TEXT_FILE, _Text) if folder is not None else None
            if found is None:
                found = _build_text(source, self)
                if folder is not None:
                    _write(found, folder, TEXT_FILE)
            self.loaded = found
        return self.loaded


_INDEXES: dict = {}
INDEX_FILE, TEXT_FILE = "ask-index.pickle", "ask-sentences.pickle"   # in out/store/: a new store drops them
INDEX_LAYOUT = 5


def _index(source, folder=None) -> _Index:
    """What the graph knows, read once per store or dataset; for an output folder, kept on disk beside its store."""
    if folder is not None:      # a server or a REPL asks again and again: one index per build of the folder
        key, owner = (str(folder), _stamp(folder)), None
    else:
        key, owner = id(source), source
    hit = _INDEXES.get(key)
    if hit and hit[0] is owner:
        if folder is not None or hit[1].origin[0] is None:
            hit[1].origin = (source, folder)
        return hit[1]
    idx = _load(folder, INDEX_FILE, _Index) if folder is not None else None
    if idx is None:
        idx = _build_index(source)
        if folder is not None:
            _write(idx, folder, INDEX_FILE)
    idx.origin = (source, folder)
    if folder is not None:
        _INDEXES[id(source)] = (source, idx)   # suggest() and read_question() look it up by the store
    _INDEXES[key] = (owner, idx)
    return idx


def _stamp(folder) -> str | None:
    from pathlib import Path

    from kg.store import STAMP_FILE, STORE_DIR

    try:
        return (Path(folder) / STORE_DIR / STAMP_FILE).read_text(encoding="utf-8") + f"|{INDEX_LAYOUT}"
    except OSError:
        return None


def _load(folder, name: str, cls):
    import pickle
    from pathlib import Path

    from kg.store import STORE_DIR

    try:
        with (Path(folder) / STORE_DIR / name).open("rb") as f:
            stamp, found = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
        return None
    return found if stamp is not None and stamp == _stamp(folder) and isinstance(found, cls) else None


def _write(obj, folder, name: str) -> None:
    """Atomically, and only as a cache: a folder that cannot be written just means the next call reads again."""
    import os
    import pickle
    import tempfile
    from pathlib import Path

    from kg.store import STORE_DIR

    stamp = _stamp(folder)
    if stamp is None:
        return
    where = Path(folder) / STORE_DIR
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=where)
        with os.fdopen(fd, "wb") as f:
            pickle.dump((stamp, obj), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o644)
        os.replace(tmp, where / name)
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _curie(iri) -> str:
    """rk: classes as "rk:Region" (the words file names them so); other classes as full IRIs."""
    from kg.namespace import ONTOLOGY_NS

    s = str(iri)
    return "rk:" + s[len(ONTOLOGY_NS):] if s.startswith(ONTOLOGY_NS) else s


def _build_index(source) -> _Index:
    labels, classes, names, codes = {}, defaultdict(set), defaultdict(set), defaultdict(dict)
    goals = {}
    for node, prop, name, goal in sorted(run_query("ask/names", source).rows, key=lambda row: tuple(map(str, row))):
        if prop == RDFS.label:
            labels.setdefault(node, str(name))
        if goal is not None:
            goals[node] = int(goal)
        names[str(name)].add(node)
    for node, cls, code in run_query("ask/classes", source).rows:
        classes[node].add(cls)
        if code is not None:
            codes[node][cls] = str(code)
    supers = defaultdict(set)
    for sub, sup in run_query("ask/superclasses", source).rows:
        supers[sub].add(sup)
    for node, n in goals.items():
        for name in (f"SDG {n}", f"SDG-{n}", f"SDG{n}", f"Goal {n}", f"SDG goal {n}"):
            names[name].add(node)
    for name, nodes in list(names.items()):
        if ":" in name:                 # "Outcome 4: Enabling Environment" is also "Outcome 4" and its title
            head, tail = (p.strip() for p in name.split(":", 1))
            if re.search(r"\d", head):
                names[head].update(nodes)
                title = re.sub(r"^(the|a|an)\s+", "", tail, flags=re.I)
                if len(title.split()) >= 2:
                    names[title].update(nodes)
    keys = {str(n).rsplit("/id/", 1)[-1]: n for n in labels if "/id/" in str(n)}
    for alias, entity_keys in gazetteer_aliases().items():
        for key in entity_keys:
            if key in keys:
                names.setdefault(alias, set()).add(keys[key])
    kinds = {}
    for node, by_class in codes.items():
        specific = {c for c in by_class if not any(c in supers.get(o, ()) for o in by_class if o != c)}
        found = {by_class[c] for c in specific} if specific else set(by_class.values())
        kinds[node] = _entity_kind(found)
    curies = {node: {_curie(c) for c in cs} for node, cs in classes.items()}
    report_places, within = defaultdict(set), defaultdict(set)
    for report, place, up in run_query("ask/geography", source).rows:
        if report is not None:
            report_places[str(report)].add(place)
        else:
            within[place].add(up)
    idx = _Index(labels, curies, kinds, dict(names), dict(report_places), dict(within))
    for name, nodes in idx.names.items():
        for v in name_variants([name]):
            toks = tuple(_tokens(v))
            if not toks or len(toks) > MAX_NAME_TOKENS:
                continue
            if case_sensitive(v):
                idx.exact.setdefault(toks, set()).update(nodes)
            else:
                idx.folded.setdefault(tuple(t.lower() for t in toks), set()).update(nodes)
    return idx


def _build_text(source, idx: _Index) -> _Text:
    text = _Text()
    rows = sorted(run_query("ask/sentences", source).rows, key=lambda row: (str(row[2]), int(row[3]), str(row[0])))
    postings = defaultdict(list)
    for i, (sentence, exact, report, start, end) in enumerate(rows):
        text.sentences.append((sentence, (str(exact), str(report), int(start), int(end))))   # tuples unpickle fastest
        text.number[sentence] = i
        for st in {stem(t) for t in _tokens(str(exact)) if _is_word(t)}:
            postings[st].append(i)
    text.postings = {st: frozenset(ns) for st, ns in postings.items()}
    mentions, named_in = defaultdict(set), defaultdict(set)
    for entity, sentence in run_query("ask/mentions", source).rows:
        i = text.number.get(sentence)
        if i is not None:
            mentions[i].add(entity)
            named_in[entity].add(i)
    text.mentions = {i: frozenset(es) for i, es in mentions.items()}
    text.named_in = {e: frozenset(ss) for e, ss in named_in.items()}
    inside = defaultdict(set)                  # place -> the places within it
    for place, ups in idx.within.items():
        for up in ups:
            inside[up].add(place)
    text.naming = {e: frozenset(ss.union(*(text.named_in.get(p, ()) for p in inside.get(e, ()))))
                  for e, ss in text.named_in.items()}
    for e, places in inside.items():
        if e not in text.naming:
            text.naming[e] = frozenset().union(*(text.named_in.get(p, frozenset()) for p in places))
    places, results = defaultdict(set), defaultdict(list)
    for sentence, place in run_query("ask/places-of-action", source).rows:
        if sentence in text.number:
            places[text.number[sentence]].add(place)
    for sentence, result, value, unit, what, comparison in sorted(run_query("ask/results", source).rows,
                                                                 key=lambda row: str(row[1])):
        if sentence in text.number and not (comparison is not None and comparison.toPython() is True):
            results[text.number[sentence]].append({"answer": result, "value": value, "unit": unit, "what": what})
    text.places = {i: tuple(sorted(ps, key=str)) for i, ps in places.items()}
    text.results = dict(results)
    return text


def _entity_kind(codes: set[str]) -> str:
    """kg.build.entity_kind's rule (a donor country is a donor government), kept here so that answering a
    question does not import the extraction pipeline; a test checks the two agree."""
    return "donor_government" if "donor_government" in codes else sorted(codes)[0]


def _naming(idx: _Index, entity) -> frozenset:
    """The sentences that name an entity or a place within it."""
    return idx.text().naming.get(entity, frozenset())


# ---------------------------------------------------------------------------------------------------
# reading the question

def read_question(question: str, source) -> Reading:
    """What a question names, asks for and relates, read against the graph's names and the words file."""
    source = engine(source)
    idx = _index(source)
    words = load_words()
    toks = _tokens(question)
    low = [lemma(t) for t in toks]
    spans = []
    for i in range(len(toks)):
        for n in range(min(MAX_NAME_TOKENS, len(toks) - i), 0, -1):
            seq = tuple(toks[i:i + n])
            if n == 1 and toks[i].lower() in words.stopwords and not toks[i].isupper():
                continue            # "who", "Who": the question word, not WHO, whatever the text once spelt
            nodes = idx.exact.get(seq, set()) | idx.folded.get(tuple(t.lower() for t in seq), set())
            if nodes:
                spans.append((i, i + n, nodes))
    spans.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
    taken, found = set(), []
    for s, e, nodes in spans:
        if taken & set(range(s, e)):
            continue
        taken |= set(range(s, e))
        found += [(s, str(node), node) for node in nodes]
    entities, where_only = [], []
    for start, _, node in sorted(found):
        if node not in entities:
            entities.append(node)
            if start > 0 and toks[start - 1].lower() in _PLACE_PREPOSITIONS:
                where_only.append(node)     # "funds WFP in Haiti": Haiti is where, not who

    # themes by the names the graph gives them (the thesaurus terms the reports use): the thesaurus's own
    # regular expression takes longer to compile than the whole answer
    themes = [e for e in entities if _has(idx, e, "rk:Theme")]

    used = set(taken)
    kinds: list[str] = []
    plain = [t.lower() for t in toks]
    wh = [i for i, t in enumerate(plain) if t in ("which", "what", "who", "where", "whose", "how")]
    for i in wh:
        if plain[i] == "how" and i + 1 < len(plain) and plain[i + 1] in ("many", "much"):
            kinds = [NUMBER]
            used.update({i, i + 1})
            break
        if plain[i] in ("who", "whose"):
            kinds = list(words.who)
            break
        if plain[i] == "where":
            kinds = list(words.where)
            break
        # "which regional organizations", "what kind of places": the kind comes before the verb
        for j in range(i + 1, min(i + 5, len(low))):
            if plain[j] in _AUXILIARIES:
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

    for j in range(len(low)):       # every word of the relation is the relation, not an activity word ("donors fund")
        hit = None if j in taken or not relation else _relation_at(low, j, words)
        if hit and hit[0] == relation:
            used.update(range(j, j + hit[1]))
    if relation and kinds in (list(words.who), list(words.where)) and "rk:Place" not in kinds:
        kinds = list(words.relations[relation]["answers"])    # "who funds": governments too
    focus, focus_words, years = [], [], []
    for j, t in enumerate(plain):
        if j in used or j in taken or not _is_word(t) or t in words.stopwords:
            continue
        if re.fullmatch(r"(19|20)\d\d", t):
            years.append(t)
        s = stem(t)
        if s not in focus:
            focus.append(s)
            focus_words.append(toks[j])
    return Reading(entities, themes, kinds, relation, after, focus, focus_words, years, where_only)


_PLACE_PREPOSITIONS = frozenset({"in", "inside", "within", "across", "throughout"})
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


def understood(r: Reading, idx: _Index, plan: _Plan | None = None) -> dict:
    """What was understood, as shown to the user: asked, relation, the named entities in their roles, about."""
    words = load_words()
    out: dict = {}
    if r.kinds:
        out["asked"] = ", ".join(words.kind_labels.get(k, k) for k in r.kinds)
    if r.relation:
        rel = words.relations[r.relation]
        out["relation"] = rel["label"]
    if plan is not None:
        bound = set(plan.used)
    else:   # no query ran (or none answered): the entity a relation query would have bound
        orgs = [e for e in r.entities if (_has(idx, e, "rk:Organization") or _has(idx, e, "rk:Country"))
                and not (e in r.where_only and not _has(idx, e, "rk:Organization"))]
        bound = set(orgs[:1]) if r.relation in ("funds", "partners", "members") else set()
    for e in r.entities:
        label = idx.labels.get(e, str(e))
        role = "about"
        if e in bound and r.relation:
            before, after = words.relations[r.relation]["roles"]
            role = (after if r.entity_after_relation else before) or role
        elif e in bound and plan is not None:
            role = plan.role
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


# ---------------------------------------------------------------------------------------------------
# answering

@dataclass
class _Plan:
    query: str                 # name under queries/
    bindings: dict
    answer_classes: tuple      # classes the query's answers have
    used: tuple = ()           # question entities bound as parameters
    authoritative: bool = False  # a relation the pipeline reads from the text (no rows: the text does not say it)
    role: str = "about"        # what the bound entity is to the answer ("outcome", "goal", "place")
    per_sentence: bool = False   # run once per sentence that best carries the question ($sentence bound)


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
    orgs = [e for e in r.entities if (_has(idx, e, "rk:Organization") or _has(idx, e, "rk:Country"))
            and not (e in r.where_only and not _has(idx, e, "rk:Organization"))]
    if r.relation in ("funds", "partners", "members") and orgs:
        answers = words.relations[r.relation]["answers"]
        e = orgs[0]
        if r.relation == "funds":
            name = "ask/funders-of" if r.entity_after_relation else "ask/funded-by"
            plans.append(_Plan(name, {"entity": e}, answers, (e,), authoritative=True))
        elif r.relation == "partners":
            plans.append(_Plan("ask/partners-of", {"entity": e}, answers, (e,), authoritative=True))
            # "who supports X" may be read as funding either way: tried when no partnership carries the question
            plans.append(_Plan("ask/funders-of", {"entity": e}, answers, (e,)))
            plans.append(_Plan("ask/funded-by", {"entity": e}, answers, (e,)))
        elif r.relation == "members":
            name = "ask/members-of" if r.entity_after_relation else "ask/memberships-of"
            plans.append(_Plan(name, {"entity": e}, answers, (e,), authoritative=True))
    if r.relation == "members":
        for e in [x for x in r.entities if x not in orgs]:
            plans.append(_Plan("ask/members-of", {"entity": e}, words.relations["members"]["answers"], (e,),
                               role="body"))
    places = [e for e in r.entities if _has(idx, e, "rk:Place")]
    if places and r.relation in ("acts", None) and not {"rk:Place", "rk:Region", "rk:Country"} & asked:
        plans.append(_Plan("ask/actors-in", {"entity": places[0]}, ("rk:Organization",), (places[0],), role="place"))
    who_of_relation = bool(r.relation) and r.kinds == list(words.relations[r.relation]["answers"])  # "who funds": not places
    if any(k in ("rk:Place", "rk:Region", "rk:Country") for k in r.kinds) and not who_of_relation:
        actors = [e for e in orgs if _has(idx, e, "rk:Organization")]
        if actors:
            plans.append(_Plan("ask/places-of", {"entity": actors[0]}, ("rk:Place",), (actors[0],), role="actor"))
        if r.focus:
            plans.append(_Plan("ask/places-of-action", {}, ("rk:Place",), (), per_sentence=True))
    if r.kinds == [NUMBER] and r.focus:
        plans.append(_Plan("ask/results", {}, (NUMBER,), (), per_sentence=True))
    if len(r.kinds) == 1 and r.kinds != [NUMBER] and not (r.entities or r.themes or r.focus or r.relation):
        # "Which SDGs does the report cover?": every entity of the kind, each with the sentences naming it
        plans.append(_Plan("ask/mentioned-with", {"class": class_term(r.kinds[0])}, tuple(r.kinds)))
    return plans


def _compatible(kinds: list[str], answer_classes: tuple, node, idx: _Index) -> bool:
    if not kinds:
        return any(_has(idx, node, c) for c in answer_classes) if answer_classes else True
    return any(_has(idx, node, k) for k in kinds)


def _terms(r: Reading, used: tuple, with_relation: bool) -> list[str]:
    """What the evidence should carry: focus stems, entities not bound as parameters, and (in fallback) the relation."""
    terms = [f"w:{s}" for s in r.focus]
    terms += [f"e:{e}" for e in r.entities if e not in used]
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
        elif what == "e:":
            entity = URIRef(value)
            if (number is not None and number in _naming(idx, entity)) or entity in idx.report_places.get(report, ()):
                out.add(t)
        elif what == "r:" and any(holds(st) for st in _relation_stems(r.relation)):
            out.add(t)
    return out


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
        else:
            df = max((len(idx.text().postings.get(st, ())) for st in _relation_stems(r.relation)), default=0)
        out[t] = math.log(n / (df + 0.5))
    return out


def _rank(rows: list[dict], terms: list[str], r: Reading, idx: _Index) -> list[tuple[dict, float, float]]:
    """(row, share of the question's terms its evidence carries, BM25 score) for each row.

    The share weighs each term by its rarity over the whole graph (so a row must carry the question's rare
    words and names, not only its common ones); BM25 (rank_bm25's Okapi) over the rows' distinct evidence
    sentences ranks the rows that carry as much.
    """
    if not terms or not rows:
        return [(row, 1.0, 0.0) for row in rows]
    from rank_bm25 import BM25Okapi

    weight = _weights(terms, r, idx)
    total = sum(weight.values()) or 1.0
    keys, carried, docs = [], {}, []
    for row in rows:
        key = (str(row.get("sentence")), str(row.get("text") or ""))
        if key not in carried:
            number = idx.text().number.get(row.get("sentence"))
            carried[key] = _carried(terms, number, key[1], str(row.get("report")), r, idx)
            keys.append(key)
            docs.append([f"w:{stem(t)}" for t in _tokens(key[1]) if _is_word(t)] + sorted(carried[key] - {
                t for t in carried[key] if t.startswith("w:")}))
    scores = dict(zip(keys, BM25Okapi([d or ["-"] for d in docs]).get_scores(terms)))
    out = []
    for row in rows:
        key = (str(row.get("sentence")), str(row.get("text") or ""))
        share = sum(weight[t] for t in carried[key]) / total
        out.append((row, share, float(scores[key])))
    return out


def _best_sentences(r: Reading, idx: _Index, terms: list[str], limit: int = 60) -> list[int]:
    """The sentences that carry the most of the question's terms (at least MIN_SHARE, near the best), by the index."""
    weight = _weights(terms, r, idx)
    total = sum(weight.values()) or 1.0
    candidates = set()
    for t in terms:
        if t.startswith("w:"):
            candidates.update(idx.text().postings.get(t[2:], ()))
        elif t.startswith("e:"):
            candidates.update(_naming(idx, URIRef(t[2:])))
        elif t.startswith("r:"):
            for st in _relation_stems(r.relation):
                candidates.update(idx.text().postings.get(st, ()))
    shares = {}
    for i in candidates:
        ev = Evidence(*idx.text().sentences[i][1])
        shares[i] = sum(weight[t] for t in _carried(terms, i, ev.text, ev.report, r, idx)) / total
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


def _command(plan: _Plan, idx: _Index) -> str:
    """The `kg query` call that lists every answer the plan's query gives."""
    if plan.query in COUNTERPARTS and plan.used:
        name, param = COUNTERPARTS[plan.query]
        return f"kg query {name} --param {param}={_quote(idx.labels.get(plan.used[0], str(plan.used[0])))}"
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
    source = engine(source)
    idx = _index(source, folder)
    question = "".join(c if c.isprintable() else " " for c in question)
    r = read_question(question, source)
    sparql, found_relation = "", False
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
        if plan.authoritative and not eligible and not found_relation:
            # the graph reads this relation from the text and holds none for this entity: guessing from
            # sentences would only find its neighbours ("Who funds France?" is not its co-donors)
            return Answer(question, [], sparql, r, "", suggest(r, source), understood(r, idx, plan),
                          {"strategy": "none", "query": _command(plan, idx), "total": 0, "shown": 0,
                           "note": "the graph holds no such relation for what the question names"})
    items, fallback_sparql = _from_sentences(r, idx)
    if items:
        return Answer(question, items, fallback_sparql, r, "ask/sentences", understood=understood(r, idx),
                      selection={"strategy": "sentences", "shown": len(items),
                                 "note": "no relation in the graph answers this; these are the entities of the asked "
                                         "kind named in the sentences that best carry the question's words (BM25)"})
    return Answer(question, [], fallback_sparql or sparql, r, "", suggest(r, source), understood(r, idx),
                  {"strategy": "none", "shown": 0, "note": "the graph holds nothing that answers this question"})


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
    probe = Reading(r.entities, r.themes, asked, r.relation, r.entity_after_relation, r.focus)
    plan = _Plan("ask/sentences", {}, tuple(asked))
    rows, top = [], None
    # the best of the sentences that name something of the asked kind, not every sentence near them
    for i in _best_sentences(r, idx, terms):
        share = _share_of(i, terms, r, idx)
        if top is not None and share < top - 1e-9:
            break
        sentence, ev = idx.text().sentences[i][0], Evidence(*idx.text().sentences[i][1])
        found = _eligible([{"answer": entity, "label": idx.labels.get(entity), "sentence": sentence, "text": ev.text,
                            "report": ev.report, "start": ev.start, "end": ev.end}
                           for entity in sorted(idx.text().mentions.get(i, ()), key=str)], probe, plan, idx)
        if found:
            top = share if top is None else top
            rows += found
    kept = [(row, score) for row, _, score in _rank(rows, terms, r, idx)]
    from kg.query import load_query
    return _items(kept, probe, plan, idx), load_query("ask/sentences").text   # the index is read with it and ask/mentions


def _share_of(i: int, terms: list[str], r: Reading, idx: _Index) -> float:
    weight = _weights(terms, r, idx)
    ev = Evidence(*idx.text().sentences[i][1])
    return sum(weight[t] for t in _carried(terms, i, ev.text, ev.report, r, idx)) / (sum(weight.values()) or 1.0)


def _run(plan: _Plan, source, r: Reading | None = None, idx: _Index | None = None):
    """The plan's rows: its query run with the entities bound, or, for a per-sentence plan, what the sentence
    index read with that query holds for each sentence that best carries the question."""
    if not plan.per_sentence:
        result = run_query(plan.query, source, plan.bindings)
        return [dict(zip(result.variables, row)) for row in result.rows], result
    from kg.query import QueryResult, load_query

    text, rows = idx.text(), []
    for i in _best_sentences(r, idx, _terms(r, plan.used, with_relation=False)):
        sentence, (exact, report, start, end) = text.sentences[i]
        where = {"sentence": sentence, "text": exact, "report": report, "start": start, "end": end}
        if plan.query == "ask/results":
            rows += [{**found, **where} for found in text.results.get(i, ())]
        else:
            rows += [{"answer": place, "label": idx.labels.get(place), **where} for place in text.places.get(i, ())]
    return rows, QueryResult(load_query(plan.query), {})


def _sparql_text(plan: _Plan, result) -> str:
    """The query file that ran, after one `# bound $name = term` line per parameter (graph terms only)."""
    head = "".join(f"# bound ${k} = {v.n3()}\n" for k, v in plan.bindings.items())
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
