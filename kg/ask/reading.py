"""Turn a plain-language question into a Reading: the entities, themes, kinds, relation and words it names."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.ask.index import MAX_NAME_TOKENS, _has, _index
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
