"""Score a built graph's relations against a gold relations file: precision, recall and F1 per relation type.

Each gold row quotes its evidence; a prediction matches a row when it links the same entities and its
evidence sentence contains the row's evidence (whitespace and case ignored; "a ... b" quotes parts).
- A relation kind's rows carry its gold name, its shortcut in snake case (partners_with, funds, member_of,
  procures_through; read from the ontology, extract.kinds): directed, subject first, unless the shortcut is
  symmetric (partners_with). A partnership that matches a `funds` row (a funder and its recipient)
  is neither a hit nor a false hit: funding is a partnership too, but the gold lists it as funding.
- located_in: a gold row is found when an activity whose evidence contains the row's evidence has the
  place among its places; every (activity sentence, place) pair that no gold row covers is a false hit.
- acts_in: an organisation and a place of action; found when an activity with that organisation among its
  participants has the place among its places, in the row's sentence.
- `optional` rows are neither misses nor false hits; `everything` scores them as if they were required.
A quote that runs over more than one graph sentence (a table row, a list) matches each sentence it holds.
Entity names in the gold file are matched to graph entities by label, alternative label, notation, and
through the gold entities file beside it (same folder, entities.tsv) by Wikidata id or code.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Dataset, URIRef

from extract.kinds import load_relation_kinds
from kg.build.iris import report_iri
from kg.eval.entities import load_gold_entities
from kg.eval.scoring import EvalError, Score, loose, norm, read_gold_tsv
from kg.namespace import OA, RK

RELATION_COLUMNS = ("relation", "subject", "object", "status", "evidence")
# Places of action: an activity's places (located_in) and its parties' (acts_in). theme_of_sdg and
# contributes_to are scored elsewhere; every other gold relation is a relation kind's (scored_relations).
PLACE_RELATIONS = {"located_in": "place", "acts_in": "acts_in"}
SAME_SENTENCE = "same sentence"


def scored_relations() -> dict[str, str]:
    """Gold relation -> the type it is reported under: a relation kind's gold name (its shortcut in snake case,
    partners_with) -> its code (partnership), read from the ontology, and the places of action."""
    return {**{k.gold_name: code for code, k in load_relation_kinds().items() if k.gold_name}, **PLACE_RELATIONS}


def undirected() -> frozenset[str]:
    """The relation kinds whose shortcut is symmetric: a gold row matches them either way round."""
    return frozenset(code for code, k in load_relation_kinds().items() if k.symmetric)


@dataclass(frozen=True)
class GoldRelation:
    relation: str
    subject: str
    object: str
    status: str          # core, secondary or optional
    context: str
    evidence: str        # quoted text; "same sentence" rows carry the previous row's evidence


@dataclass(frozen=True)
class Fact:
    """One predicted link read from the graph: a pair of entity IRIs (or an activity and a place) and its evidence."""

    type: str            # partnership, funding, membership, procurement, place, acts_in
    a: str               # subject IRI (for place: the activity node; for acts_in: a participant)
    b: str               # object IRI (for place: the place IRI)
    evidence: str        # the evidence sentence's text


@dataclass
class RelationEval:
    per_type: dict[str, Score]
    overall: Score
    misses: list[GoldRelation] = field(default_factory=list)
    false_hits: list[tuple[str, str, str, str]] = field(default_factory=list)   # (type, a label, b label, evidence)
    everything: "RelationEval | None" = None      # the same facts with optional rows required
    pairs: dict[str, Score] = field(default_factory=dict)   # by entity pair, from any sentence (score_pairs)


def load_gold_relations(path: Path) -> list[GoldRelation]:
    rows: list[GoldRelation] = []
    for n, row in enumerate(read_gold_tsv(path, RELATION_COLUMNS, "relations"), 2):
        if not row.get("relation"):
            continue
        evidence = row["evidence"] or ""
        if norm(evidence) == SAME_SENTENCE:
            if not rows:
                raise EvalError(f"{path}:{n}: 'same sentence' on the first row; quote the evidence")
            evidence = rows[-1].evidence
        rows.append(GoldRelation(row["relation"], row["subject"], row["object"], (row["status"] or "core").strip(),
                                 row.get("context") or "", evidence))
    return rows


def graph_facts(ds: Dataset, slug: str) -> list[Fact]:
    """The relation links of one report's named graph, one per pair and evidence sentence."""
    g = ds.graph(report_iri(slug))
    if len(g) == 0:
        raise EvalError(f"report {slug!r} is not in the graph; build it first")
    facts: set[Fact] = set()

    def evidence(node) -> list[str]:
        return [str(g.value(s, OA.exact) or "") for s in g.objects(node, RK.evidence)]

    for kind in load_relation_kinds().values():
        if kind.shortcut is None:
            continue
        shortcut = URIRef(kind.shortcut)
        for node in g.subjects(RDF.type, URIRef(kind.cls)):
            if kind.peers:    # two peers are linked when the shortcut says so (not two objects of one subject)
                parts = sorted(str(p) for p in g.objects(node, URIRef(kind.subject_role)))
                pairs = [(a, b) for a, b in combinations(parts, 2)
                         if (URIRef(a), shortcut, URIRef(b)) in g or (URIRef(b), shortcut, URIRef(a)) in g]
            else:
                pairs = [(str(a), str(b)) for a in g.objects(node, URIRef(kind.subject_role))
                         for b in g.objects(node, URIRef(kind.object_role))]
            facts.update(Fact(kind.code, a, b, e) for a, b in pairs for e in evidence(node))
    for node in g.subjects(RDF.type, URIRef(load_relation_kinds()["activity"].cls)):
        for place in g.objects(node, RK.place):
            facts.update(Fact("place", str(node), str(place), e) for e in evidence(node))
            for actor in g.objects(node, RK.participant):
                facts.update(Fact("acts_in", str(actor), str(place), e) for e in evidence(node))
    return sorted(facts, key=lambda f: (f.type, f.evidence, f.a, f.b))


def entity_names(ds: Dataset, slug: str) -> dict[str, set[str]]:
    """Entity IRI -> normalised names and identifiers (labels, alternative labels, notations, Wikidata ids)."""
    g = ds.graph(report_iri(slug))
    names: dict[str, set[str]] = defaultdict(set)
    for e in set(g.subjects(RK.mentionedIn, None)):
        for p in (RDFS.label, SKOS.altLabel, SKOS.notation):
            names[str(e)].update(loose(str(x)) for x in g.objects(e, p))
        names[str(e)].update(loose(str(x).rsplit("/", 1)[-1]) for x in g.objects(e, OWL.sameAs))
    return names


def _gold_entity_ids(gold_path: Path) -> dict[str, set[str]]:
    """Gold entity label -> its loose spellings and identifiers, from entities.tsv beside the gold file."""
    path = Path(gold_path).with_name("entities.tsv")
    if not path.is_file():
        return {}
    return {loose(g.label): set(g.names) | {loose(x) for x in (g.wikidata, g.code) if x}
            for g in load_gold_entities(path)}


class _Resolver:
    """Gold names to the graph entities that carry them."""

    def __init__(self, names: dict[str, set[str]], gold_ids: dict[str, set[str]]):
        self.names, self.gold_ids = names, gold_ids

    def __call__(self, name: str) -> set[str]:
        key = loose(name)
        wanted = {key} | self.gold_ids.get(key, set())
        return {e for e, ns in self.names.items() if wanted & ns}


MIN_SENTENCE = 20    # a graph sentence shorter than this is not taken as part of a longer quote


def _contains(sentence: str, evidence: str) -> bool:
    """The sentence holds the quote (every part of a "a ... b" quote), or is itself a part of it."""
    text = norm(sentence)
    parts = [norm(p) for p in evidence.replace("…", "...").split("...") if p.strip()]
    if not parts:
        return False
    return all(p in text for p in parts) or (len(text) >= MIN_SENTENCE and any(text in p for p in parts))


def score_relations(facts: list[Fact], gold: list[GoldRelation], resolve, labels: dict[str, str] | None = None) -> RelationEval:
    """Score predicted facts against gold rows; `resolve` maps a gold name to entity IRIs."""
    labels = labels or {}
    per_type: dict[str, Score] = defaultdict(Score)
    overall = Score()
    result = RelationEval(per_type, overall)
    scored, undirected_kinds = scored_relations(), undirected()
    rows = [r for r in gold if r.relation in scored]
    ents = {r: (resolve(r.subject) if scored[r.relation] != "place" else set(), resolve(r.object)) for r in rows}

    def row_matches(r: GoldRelation, f: Fact) -> bool:
        kind = scored[r.relation]
        subj, obj = ents[r]
        if not _contains(f.evidence, r.evidence):
            return False
        if kind == "place":
            return f.type == "place" and f.b in obj
        if r.relation == "funds" and f.type == "partnership":
            return (f.a in subj and f.b in obj) or (f.b in subj and f.a in obj)
        if f.type != kind:
            return False
        if kind in undirected_kinds:
            return (f.a in subj and f.b in obj) or (f.b in subj and f.a in obj)
        return f.a in subj and f.b in obj

    scored_types = {scored[r.relation] for r in rows}
    for f in facts:
        if f.type not in scored_types:
            continue
        matched = [r for r in rows if row_matches(r, f)]
        required = [r for r in matched if r.status != "optional" and not (r.relation == "funds" and f.type == "partnership")]
        if matched and not required:
            continue      # matches only optional rows (or a funding row read as partnership): not counted
        per_type[f.type].pred += 1
        overall.pred += 1
        if required:
            per_type[f.type].tp_pred += 1
            overall.tp_pred += 1
        else:
            a = "activity" if f.type == "place" else labels.get(f.a, f.a)
            result.false_hits.append((f.type, a, labels.get(f.b, f.b), f.evidence))
    for r in rows:
        if r.status == "optional":
            continue
        kind = scored[r.relation]
        per_type[kind].gold += 1
        overall.gold += 1
        if any(row_matches(r, f) for f in facts if f.type == kind):
            per_type[kind].tp_gold += 1
            overall.tp_gold += 1
        else:
            result.misses.append(r)
    result.per_type = dict(sorted(per_type.items()))
    return result


def score_pairs(facts: list[Fact], gold: list[GoldRelation], resolve) -> dict[str, Score]:
    """Per type, distinct entity pairs instead of sentences: a gold pair is found when the graph links the two
    from any sentence. Activity-place rows (located_in) have no entity pair and are left out."""
    scored, undirected_kinds = scored_relations(), undirected()
    rows = [r for r in gold if r.relation in scored and scored[r.relation] != "place"]
    wanted: dict[tuple, bool] = {}       # (type, subject IRIs, object IRIs) -> required
    for r in rows:
        kind = scored[r.relation]
        ends = (frozenset(resolve(r.subject)) or r.subject, frozenset(resolve(r.object)) or r.object)
        if kind in undirected_kinds:
            ends = tuple(sorted(ends, key=lambda e: repr(sorted(e)) if isinstance(e, frozenset) else e))
        key = (kind, *ends)
        wanted[key] = wanted.get(key, False) or r.status != "optional"

    def found(kind: str, a: str, b: str, subj, obj) -> bool:
        if not isinstance(subj, frozenset) or not isinstance(obj, frozenset):
            return False
        return (a in subj and b in obj) or (kind in undirected_kinds | {"funds-as-partnership"} and b in subj and a in obj)

    predicted = {(f.type, *((min(f.a, f.b), max(f.a, f.b)) if f.type in undirected_kinds else (f.a, f.b))) for f in facts}
    per_type: dict[str, Score] = defaultdict(Score)
    scored = {k[0] for k in wanted}
    for kind, a, b in sorted(predicted):
        if kind not in scored:
            continue
        hits = [req for (t, subj, obj), req in wanted.items() if t == kind and found(kind, a, b, subj, obj)]
        as_funding = kind == "partnership" and any(
            t == "funding" and found("funds-as-partnership", a, b, subj, obj) for t, subj, obj in wanted)
        if (hits and not any(hits)) or (not hits and as_funding):
            continue                     # an optional pair, or a funding read as a partnership
        per_type[kind].count_pred(any(hits))
    for (kind, subj, obj), req in wanted.items():
        if req:
            per_type[kind].count_gold(any(t == kind and found(kind, a, b, subj, obj) for t, a, b in predicted))
    return dict(sorted(per_type.items()))


def evaluate_relations(dataset: Dataset, gold_path: Path, slug: str) -> RelationEval:
    """Per-type precision, recall and F1 of one report's relations in `dataset` against `gold_path`."""
    gold = load_gold_relations(gold_path)
    facts = graph_facts(dataset, slug)
    names = entity_names(dataset, slug)
    g = dataset.graph(report_iri(slug))
    labels = {e: str(g.value(URIRef(e), RDFS.label) or e) for e in names}
    resolve = _Resolver(names, _gold_entity_ids(gold_path))
    result = score_relations(facts, gold, resolve, labels)
    result.everything = score_relations(facts, [replace(r, status="core") for r in gold], resolve, labels)
    result.pairs = score_pairs(facts, gold, resolve)
    return result
