"""Turn a plain-language question into a Reading: the entities, themes, kinds, relation and words it names."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.ask.index import MAX_NAME_TOKENS, _has, _index
from extract.gazetteer import strip_accents
from kg.ask.words import Words, _is_word, _tokens, lemma, load_words, stem
from kg.query.run import engine

NUMBER = "number"


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
    relations: list[str] = field(default_factory=list)   # every relation named, in order (the first is `relation`)
    excluded: list = field(default_factory=list)     # entities the question sets aside ("apart from Canada")
    synonyms: list[tuple] = field(default_factory=list)   # focus words read as any of their synonyms' stem sequences
    directions: dict = field(default_factory=dict)   # relation -> whether the named entity follows its word
    beyond: bool = False             # asks for places beyond the report's own ("neighbouring countries")
    listed: dict = field(default_factory=dict)      # entity -> the entities listed after it ("in A and B": A -> [B])
    named_for: list = field(default_factory=list)   # (place, its stems as written) the asked kind is named for
                                                    # ("Which Lakeland Region institutions": those named with them)
    definite: list = field(default_factory=list)    # focus stems of a phrase after "the", "this", "these" ("on the
                                                    # cholera response"): perhaps what the report itself is about


def read_question(question: str, source) -> Reading:
    """What a question names, asks for and relates, read against the graph's names and the words file."""
    source = engine(source)
    idx = _index(source)
    words = load_words()
    toks = _tokens(question)
    low = [lemma(t) for t in toks]
    spans, adjectives = [], set()
    for i in range(len(toks)):
        for n in range(min(MAX_NAME_TOKENS, len(toks) - i), 0, -1):
            seq = tuple(toks[i:i + n])
            if n == 1 and toks[i].lower() in words.stopwords and not toks[i].isupper():
                continue            # "who", "Who": the question word, not WHO, whatever the text once spelt
            nodes = idx.exact.get(seq, set()) | idx.folded.get(tuple(t.lower() for t in seq), set())
            if not nodes and n > 1:
                nodes = _by_initials(seq, idx, words)
            if not nodes and n == 1 and toks[i][:1].isupper():
                nodes = _demonyms(idx, words).get(toks[i].lower(), set())
                if i + 1 < len(toks) and lemma(toks[i + 1]) in words.origin_people:
                    nodes = set()     # "Palestinian refugee camps": whose refugees, not where the camps are
                if nodes:
                    adjectives.add(i)
            if nodes:
                spans.append((i, i + n, nodes))
    spans += _shared_heads(toks, spans, idx)
    spans += _prefixed(toks, spans, idx, words)
    spans.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
    taken, found, ends = set(), [], {}
    for s, e, nodes in spans:
        if taken & set(range(s, e)):
            continue
        taken |= set(range(s, e))
        ends[s] = e
        found += [(s, str(node), node) for node in nodes]
    entities, where_only, excluded, listed = [], [], [], {}
    cut = [j for j in range(len(low)) if _phrase_at(low, j, words.exclusion)]
    for start, _, node in sorted(found):
        if node not in entities:
            entities.append(node)
            joined = start > 1 and toks[start - 1].lower() in _LIST_JOINERS and where_only \
                and entities[-2:-1] == where_only[-1:]      # "in A and B": B is where too, listed with A
            if joined:
                head = next((h for h, more in listed.items() if where_only[-1] in more), where_only[-1])
                listed.setdefault(head, []).append(node)
            if (start > 0 and toks[start - 1].lower() in _PLACE_PREPOSITIONS) or start in adjectives or joined:
                where_only.append(node)     # "funds WFP in Haiti", "Malian bodies": Haiti, Mali are where, not who
            if any(j < start <= j + _phrase_at(low, j, words.exclusion) for j in cut):
                excluded.append(node)       # "apart from Canada, who ...": not an answer, and not what is asked about
    aside = {k for start, _, node in found if node in excluded for k in range(start, ends[start])}
    for j in cut:
        aside.update(range(j, j + _phrase_at(low, j, words.exclusion)))
    taken |= aside

    # themes by the names the graph gives them (the thesaurus terms the reports use): the thesaurus's own
    # regular expression takes longer to compile than the whole answer
    themes = [e for e in entities if _has(idx, e, "rk:Theme")]

    used = set(taken)
    kinds: list[str] = []
    kind_at = None
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
            hit = _kinds_at(low, j, words.kinds, used)
            if hit:
                kinds, kind_at = _coordinated(low, j, hit, words, used), j
                break
        if kinds:
            break
    if not kinds:
        for j in range(len(low)):
            hit = _kinds_at(low, j, words.kinds, used)
            if hit:
                kinds, kind_at = _coordinated(low, j, hit, words, used), j
                break
    for start, _, node in found:     # "the Second Decade outcome", "the COVAX facility": the kind is part of the name
        hit = _kinds_at(low, ends[start], words.kinds, used)
        if hit and any(_has(idx, node, cls) for cls in hit[1]):
            used.update(range(ends[start], ends[start] + hit[0]))
    # a place's name (not its adjective) just before the kind names what the answers belong to
    named_for = [(node, tuple(stem(t) for t in toks[start:ends[start]] if _is_word(t))) for start, _, node in sorted(found)
                 if kind_at is not None and ends[start] == kind_at and start not in adjectives and node not in excluded
                 and _has(idx, node, "rk:Place")]

    relation, after, relations = None, False, []
    owned_at = {k for start, _, node in found for k in range(start, ends[start]) if any(node == p for p, _ in named_for)}
    named = sorted(taken - aside - owned_at)      # "Which X Region bodies work in Y": Y is what follows "work"
    directions = {}
    for j in range(len(low)):
        hit = None if j in taken else _relation_at(low, j, words)
        if hit and hit[0] not in relations:
            relations.append(hit[0])
            first = named[0] if named else None
            directions[hit[0]] = hit[2] or (first is not None and first > j)   # "who funds WFP", "funded by whom"
        if hit and relation is None:
            relation, length, _ = hit
            used.update(range(j, j + length))
            after = directions[relation]

    for j in range(len(low)):       # every word of a relation is the relation, not an activity word ("donors fund")
        hit = None if j in taken or not relation else _relation_at(low, j, words)
        if hit:
            used.update(range(j, j + hit[1]))
    origin = [j for j in range(len(low)) if _phrase_at(low, j, words.origin)]
    if relation and kinds == list(words.where) and origin:
        # "where does the money come from": the one it comes from, not a place
        kinds = list(words.who)
        for j in origin:
            used.update(range(j, j + _phrase_at(low, j, words.origin)))
    if relation and kinds in (list(words.who), list(words.where)) and "rk:Place" not in kinds:
        kinds = list(words.relations[relation]["answers"])    # "who funds": governments too
    beyond = [j for j in range(len(low)) if j not in taken and _phrase_at(low, j, words.beyond)]
    for j in beyond:
        used.update(range(j, j + _phrase_at(low, j, words.beyond)))
    for j in range(len(low)):       # "plan to collaborate": the collaboration is asked about, not a plan
        if j not in taken and _phrase_at(low, j, words.modal):
            used.update(range(j, j + _phrase_at(low, j, words.modal)))
    focus, focus_words, years, synonyms, definite = [], [], [], [], []
    for j in range(len(low)):       # "keeps watch": read as the words of its synonyms too (monitor)
        if j in used or j in taken:
            continue
        for seq, group in words.synonyms:
            if tuple(low[j:j + len(seq)]) == seq and not (used | taken) & set(range(j, j + len(seq))):
                synonyms.append(group)
                focus_words.append(" ".join(toks[j:j + len(seq)]))
                used.update(range(j, j + len(seq)))
                break
    for j, t in enumerate(plain):
        if j in used or j in taken or not _is_word(t) or t in words.stopwords or low[j] in _stop_lemmas(words):
            continue
        if re.fullmatch(r"(19|20)\d\d", t):
            years.append(t)
        s = stem(t)
        if s not in focus:
            focus.append(s)
            focus_words.append(toks[j])
        if _after_determiner(plain, j, words) and s not in definite:
            definite.append(s)
    return Reading(entities, themes, kinds, relation, after, focus, focus_words, years, where_only, relations,
                   excluded, synonyms, directions, bool(beyond), listed, named_for, definite)


_DETERMINERS = frozenset({"the", "this", "these"})


def _after_determiner(plain: list[str], j: int, words: Words) -> bool:
    """Whether word j ends or is inside a phrase that "the", "this" or "these" opens ("the XYZ-led earthquake
    response"): the words between are words (names too) or hyphens, and no stopword."""
    k = j - 1
    while k >= 0 and (plain[k] == "-" or (_is_word(plain[k]) and plain[k] not in words.stopwords)):
        k -= 1
    return k >= 0 and plain[k] in _DETERMINERS


def _shared_heads(toks: list[str], spans: list, idx) -> list:
    """Names that share the rest of the name after them ("North and South X": North X too, when the graph knows it),
    as spans of their first word."""
    out = []
    for s, e, _ in spans:
        k = s - 1
        while e - s >= 2 and k >= 1 and toks[k].lower() in _LIST_JOINERS and toks[k - 1][:1].isupper():
            seq = (toks[k - 1], *toks[s + 1:e])
            nodes = idx.exact.get(seq, set()) | idx.folded.get(tuple(t.lower() for t in seq), set())
            if not nodes:
                break
            out.append((k - 1, k, nodes))
            k -= 2
    return out


def _prefixed(toks: list[str], spans: list, idx, words: Words) -> list:
    """Organisation names with a prefix the graph's name leaves out before them ("the UN Water Service"), as
    spans that take the prefix in."""
    out = []
    for s, e, nodes in spans:
        orgs = {n for n in nodes if _has(idx, n, "rk:Organization")}
        for prefix in words.name_prefixes:
            if orgs and s >= len(prefix) and tuple(toks[s - len(prefix):s]) == prefix:
                out.append((s - len(prefix), e, orgs))
    return out


_LIST_JOINERS = frozenset({"and", "or", ",", "&"})
_STOP_LEMMAS: dict = {}


def _stop_lemmas(words: Words) -> frozenset:
    """The stopwords as lemmas, so that any form of one is a stopword ("describe" as "described")."""
    if _STOP_LEMMAS.get("words") is not words:
        _STOP_LEMMAS.update(words=words, lemmas=frozenset(lemma(w) for w in words.stopwords))
    return _STOP_LEMMAS["lemmas"]


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


def _kinds_at(low: list[str], j: int, table, used) -> tuple[int, list[str]] | None:
    """The longest kind phrase at token j and every class the words file gives it ("municipality": regions and
    localities)."""
    for seq, _ in table:
        if tuple(low[j:j + len(seq)]) == seq and not used & set(range(j, j + len(seq))):
            return len(seq), list(dict.fromkeys(cls for other, cls in table if other == seq))
    return None


def _coordinated(low: list[str], j: int, hit: tuple[int, list[str]], words: Words, used: set) -> list[str]:
    """The classes of a kind phrase and of those joined to it by "or" / "and" ("instruments or funds")."""
    length, kinds = hit
    used.update(range(j, j + length))
    k = j + length
    while k + 1 < len(low) and low[k] in ("or", "and", "/"):
        more = _kinds_at(low, k + 1, words.kinds, used)
        if not more:
            break
        kinds += [c for c in more[1] if c not in kinds]
        used.update(range(k, k + 1 + more[0]))
        k += 1 + more[0]
    return kinds


def _phrase_at(low: list[str], j: int, phrases) -> int:
    """The length of the longest of `phrases` (lemma sequences) at token j, or 0."""
    return max((len(seq) for seq in phrases if tuple(low[j:j + len(seq)]) == seq), default=0)


_INITIALS: dict = {}


def _by_initials(seq: tuple[str, ...], idx, words: Words) -> set:
    """Entities an acronym of the graph names whose letters are the initials of the capitalised words of `seq`
    ("Kenya Red Cross Society" -> KRCS), or those initials and a last one for a generic head the question
    leaves out ("Kenya Red Cross" -> KRCS: Society)."""
    if not (seq[0][:1].isupper() and seq[-1][:1].isupper()):
        return set()
    caps = [t for t in seq if t[:1].isupper() and t.lower() not in words.stopwords]
    if len(caps) < 2 or any(not (t[:1].isupper() or t.lower() in _CONNECTORS) for t in seq) \
            or any(t.isupper() and len(t) > 1 for t in caps):
        return set()
    letters = "".join(t[0] for t in caps)
    acronyms = _acronyms(idx)
    found = set(acronyms.get(letters, ()))
    if not found and len(letters) >= 2:
        found = set().union(*(acronyms.get(letters + h, set()) for h in {w[0].upper() for w in words.name_heads}))
    return found


_CONNECTORS = frozenset({"of", "for", "the", "and", "&", "on", "de", "du", "des"})


def _acronyms(idx) -> dict:
    """Acronym (every letter a capital, three or more) -> the entities it names, once per index."""
    key = id(idx)
    if _INITIALS.get(key, (None,))[0] is not idx:
        table: dict = {}
        for name, nodes in idx.names.items():
            if re.fullmatch(r"[A-Z]{3,8}", name):
                table.setdefault(name, set()).update(n for n in nodes if _has(idx, n, "rk:Organization"))
        _INITIALS[key] = (idx, {k: v for k, v in table.items() if v})
    return _INITIALS[key][1]


_DEMONYMS: dict = {}


def _demonyms(idx, words: Words) -> dict:
    """Nationality adjective (lower case) -> the country the graph holds that it names: the gazetteer's demonyms,
    and the endings of the words file on the country's name ("Haitian", "Malian", "Kenyan"), once per index."""
    key = id(idx)
    if _DEMONYMS.get(key, (None,))[0] is not idx:
        from extract.relations import load_demonyms

        codes = {str(n).rsplit("/", 1)[-1]: n for n in idx.labels if _has(idx, n, "rk:Country")}
        table: dict = {}
        for demonym, code in load_demonyms().items():
            if code in codes:
                table.setdefault(demonym.lower(), set()).add(codes[code])
        for node in codes.values():
            for name in {n for n, nodes in idx.names.items() if node in nodes and n[:1].isupper() and "," not in n}:
                base = strip_accents(name).lower()
                if " " in base or len(base) < 4:
                    continue
                for stem_ in {base, base[:-1]}:
                    for ending in words.demonym_endings:
                        table.setdefault(stem_ + ending, set()).add(node)
        _DEMONYMS[key] = (idx, {k: v for k, v in table.items() if len(v) == 1})
    return _DEMONYMS[key][1]
