"""Read what the graph knows once per store or dataset: names, kinds, places, themes and the sentence index, cached beside the build."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import RDFS

from kg.ask.words import _is_word, _tokens, stem
from kg.ontology import entity_kind
from kg.query.run import gazetteer_aliases, run_query

MAX_NAME_TOKENS = 12


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

    from kg.dataset.store import STAMP_FILE, STORE_DIR

    try:
        return (Path(folder) / STORE_DIR / STAMP_FILE).read_text(encoding="utf-8") + f"|{INDEX_LAYOUT}"
    except OSError:
        return None


def _load(folder, name: str, cls):
    import pickle
    from pathlib import Path

    from kg.dataset.store import STORE_DIR

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

    from kg.dataset.store import STORE_DIR

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
    kinds = {node: entity_kind(set(by_class.values())) for node, by_class in codes.items()}
    curies = {node: {_curie(c) for c in cs} for node, cs in classes.items()}
    report_places, within = defaultdict(set), defaultdict(set)
    for report, place, up in run_query("ask/geography", source).rows:
        if report is not None:
            report_places[str(report)].add(place)
        else:
            within[place].add(up)
    idx = _Index(labels, curies, kinds, dict(names), dict(report_places), dict(within))
    # here, not at the top: a call that finds the index kept beside the store imports no part of the pipeline
    from extract.entities import _case_sensitive as case_sensitive  # the pipeline's own rule, shared on purpose
    from extract.gazetteer import name_variants

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


def _naming(idx: _Index, entity) -> frozenset:
    """The sentences that name an entity or a place within it."""
    return idx.text().naming.get(entity, frozenset())


def _has(idx: _Index, node, cls: str) -> bool:
    return cls in idx.classes.get(node, ())
