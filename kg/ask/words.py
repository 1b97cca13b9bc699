"""Turn the question words of words.json into lookup tables, and words into the stems and lemmas they are matched by."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extract.errors import DataError, check_fields, line_of, read_data_text, read_json
from extract.gazetteer import strip_accents
from extract.kinds import load_relation_kinds
from kg.query.library import query_dir

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
    """The word without its inflection and a final e, case folded: funded, funds, funding -> fund; agencies ->
    agency; pledge, pledged -> pledg."""
    w = _uninflect(strip_accents(word).lower())
    return w[:-1] if len(w) > 4 and w.endswith("e") else w


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
    exclusion: tuple = ()       # lemma sequences that set the entity after them aside ("apart from")
    origin: tuple = ()          # lemma sequences of a where-question asking whom something comes from ("come from")
    synonyms: tuple = ()        # (lemma sequence, the stem sequences a sentence may say it with), longest first
    name_heads: tuple = ()      # generic heads of organisation names a question may leave out ("Society")
    demonym_endings: tuple = () # endings that make a country's name its people's adjective ("an", "ese", "i")
    beyond: tuple = ()          # lemma sequences asking for places beyond the report's own ("neighbouring")
    name_prefixes: tuple = ()   # token sequences, as written, that may open an organisation's name ("UN" Water Service)
    modal: tuple = ()           # lemma sequences that say whether or when something is done, not what ("plan to")
    origin_people: frozenset = frozenset()   # lemmas after which a nationality adjective says where people come
                                              # from, not where the answer is ("Peruvian refugees", "Bolivian nationals")


@lru_cache(maxsize=1)
def load_words() -> Words:
    """The question vocabulary of queries/ask/words.json, every phrase as a sequence of lemmas."""
    path = query_dir() / "ask" / "words.json"
    data = read_json(path, WordsError)
    _check_words(path, data)
    return _words(data)


class WordsError(DataError):
    """The question vocabulary (queries/ask/words.json) is malformed."""


WORDS_FIELDS = {"kinds": [dict], "who": [str], "where": [str], "relations": dict, "stopwords": [str]}
WORDS_OPTIONAL = {"exclusion": [str], "origin": [str], "synonyms": [[str]], "name_heads": [str],
                  "demonym_endings": [str], "beyond": [str], "origin_people": [str], "modal": [str],
                  "name_prefixes": [str]}
KIND_FIELDS = {"class": str, "words": [str]}
RELATION_FIELDS = {"words": [str]}
# "kind": the relation kind (rk:relationCode) it asks about: its code is the label and its nouns the roles
# (rk:subjectNoun, rk:objectNoun) unless "label" and "roles" say otherwise
RELATION_OPTIONAL = {"passive": [str], "answers": [str], "label": str, "roles": [str], "kind": str}


def _check_words(path, data) -> None:
    """Every field `_words` reads, with its type; an error names the line of the field at fault."""
    text = read_data_text(path, WordsError)
    if not isinstance(data, dict):
        raise WordsError(f"{path}:1: must be one JSON object with the fields {', '.join(WORDS_FIELDS)}")
    try:
        check_fields(path, 1, data, WORDS_FIELDS, WordsError, WORDS_OPTIONAL)
    except WordsError as exc:
        field = next((f for f in {**WORDS_FIELDS, **WORDS_OPTIONAL} if f"'{f}'" in str(exc)), None)
        raise WordsError(str(exc).replace(f"{path}:1:", f"{path}:{line_of(text, field)}:", 1)) from None
    items = [(k.get("class", "kinds"), k, KIND_FIELDS, {"label": str}) for k in data["kinds"]]
    items += [(name, r if isinstance(r, dict) else {}, RELATION_FIELDS, RELATION_OPTIONAL)
              for name, r in data["relations"].items()]
    for n, (key, item, fields, optional) in enumerate(items):
        line = line_of(text, key, value=n < len(data["kinds"]))     # a kind by its class, a relation by its name
        check_fields(path, line, item, fields, WordsError, optional)
        if n >= len(data["kinds"]) and "kind" in item and item["kind"] not in load_relation_kinds():
            raise WordsError(f"{path}:{line}: the relation {key!r} asks about the kind {item['kind']!r}, which the "
                             f"ontology does not declare (rk:relationCode: {', '.join(sorted(load_relation_kinds()))})")


def _lemmas(phrase: str) -> tuple[str, ...]:
    return tuple(lemma(t) for t in _tokens(phrase))


def _words(data: dict) -> Words:
    # longest first, then in the file's order (a word of two kinds asks for them in the order the file lists them)
    kinds = sorted(dict.fromkeys((_lemmas(w), k["class"]) for k in data["kinds"] for w in k["words"]),
                   key=lambda kv: -len(kv[0]))
    labels = {k["class"]: k.get("label", k["class"]) for k in data["kinds"]}
    declared = load_relation_kinds()
    relations = {name: {"words": sorted({_lemmas(w) for w in r["words"]}, key=len, reverse=True),
                        "passive": {_lemmas(w) for w in r.get("passive", ())},
                        "answers": tuple(r.get("answers", ())),
                        "label": r.get("label", r.get("kind", name)),
                        "roles": tuple(r.get("roles", (declared[r["kind"]].subject_noun, declared[r["kind"]].object_noun)
                                             if "kind" in r else ("", "")))}
                 for name, r in data["relations"].items()}
    synonyms = sorted(((_lemmas(w), tuple(dict.fromkeys(tuple(stem(t) for t in _tokens(v) if _is_word(t)) for v in group)))
                       for group in data.get("synonyms", ()) for w in group), key=lambda kv: -len(kv[0]))
    return Words(kinds, labels, tuple(data["who"]), tuple(data["where"]), relations,
                 frozenset(w.lower() for w in data["stopwords"]),
                 tuple(_lemmas(w) for w in data.get("exclusion", ())), tuple(_lemmas(w) for w in data.get("origin", ())),
                 tuple(synonyms), tuple(data.get("name_heads", ())), tuple(data.get("demonym_endings", ())),
                 tuple(_lemmas(w) for w in data.get("beyond", ())),
                 tuple(tuple(_tokens(w)) for w in data.get("name_prefixes", ())),
                 tuple(_lemmas(w) for w in data.get("modal", ())),
                 frozenset(lemma(w) for w in data.get("origin_people", ())))
