"""Score the entities of a built graph against a gold entities file: precision and recall per kind and family."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Dataset

from kg.build.iris import report_iri
from kg.eval.gold import gold_kind, kind_families
from kg.eval.scoring import EvalError, Score, loose, read_gold_tsv
from kg.namespace import RK
from kg.ontology import entity_kind, kind_classes

ENTITY_COLUMNS = ("kind", "label", "surface_forms", "wikidata", "code")
# Themes are concepts from the thesaurus, not names in the text; gold entity files do not list them.
UNSCORED_KINDS = frozenset({"theme"})


@dataclass(frozen=True)
class GoldEntity:
    kind: str
    label: str
    names: frozenset          # loose forms of the label and surface forms
    wikidata: str
    code: str
    family: str               # organization, place, programme... (kg.eval.gold.kind_families)
    status: str               # core (required), known (a hit when found, no miss when not), optional


@dataclass
class EntityEval:
    per_kind: dict[str, Score]
    overall: Score
    misses: list[tuple[str, str]] = field(default_factory=list)           # (kind, gold label)
    false_hits: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, label, iri)
    per_family: dict[str, Score] = field(default_factory=dict)
    everything: Score = field(default_factory=Score)       # every gold row required, optional ones too
    family_everything: dict[str, Score] = field(default_factory=dict)
    kinds_agree: int = 0                                    # matched pairs where the graph has the gold's kind
    kinds_compared: int = 0
    disagreements: list[tuple[str, str, str]] = field(default_factory=list)  # (gold kind, graph kind, label)
    duplicates: list[tuple[str, list[str]]] = field(default_factory=list)    # (gold label, graph labels)
    other_family: list[tuple[str, str, str]] = field(default_factory=list)  # named as a gold row of another family


def load_gold_entities(path: Path) -> list[GoldEntity]:
    """Gold entity rows, each with its spellings and, where no other row has it, its name without a place or
    year qualifier ("Resident Coordinator Office in <country>", "Cooperation Framework 2025-2029")."""
    rows, spelt = [], []
    for n, row in enumerate(read_gold_tsv(path, ENTITY_COLUMNS, "entity"), 2):
        if not row["kind"]:
            continue
        if not row["label"].strip():
            raise EvalError(f"{path}:{n}: a gold entity needs a label")
        k = gold_kind(row["kind"], f"{path}:{n}")
        optional = "optional" in row.get("note", "").casefold()
        forms = [row["label"], *(s for s in row["surface_forms"].split("|") if s.strip())]
        rows.append(GoldEntity(row["kind"], row["label"], frozenset({loose(f) for f in forms} - {""}),
                               row["wikidata"].strip(), row["code"].strip(), k.family,
                               "optional" if optional else "core" if k.required else "known"))
        spelt.append(forms)
    places = {name for g in rows if g.family == "place" for name in g.names}
    taken = {name for g in rows for name in g.names}
    return [replace(g, names=g.names | (unqualified(forms, places) - taken)) for g, forms in zip(rows, spelt)]


_YEARS = re.compile(r"[\s,(]*\b(?:19|20)\d\d(?:\s*[-–/]\s*(?:19|20)?\d\d)?\)?\s*$")
_QUALIFIER = re.compile(r"^(?P<head>.+?)\s+(?:in|of)\s+(?:the\s+)?(?P<place>[^,]+)$", re.IGNORECASE)


def unqualified(forms: list[str], places: set[str]) -> set[str]:
    """Loose forms of names without a trailing year (range) or "in/of <a gold place>"."""
    out = set()
    for form in forms:
        head = _YEARS.sub("", form)
        m = _QUALIFIER.match(head)
        if m and loose(m["place"]) in places:
            head = m["head"]
        if head != form and loose(head):
            out.add(loose(head))
    return out


def graph_entities(ds: Dataset, slug: str) -> list[dict]:
    """Entities of one report's named graph with their kind, label, names and identifiers."""
    g = ds.graph(report_iri(slug))
    if len(g) == 0:
        known = sorted(str(c.identifier).rsplit("/", 1)[-1] for c in ds.graphs() if len(c))
        raise EvalError(f"report {slug!r} is not in the graph; built reports: {', '.join(known)}")
    code_of = {cls: code for code, cls in kind_classes().items()}
    out = []
    for e in sorted(set(g.objects(None, RK.denotes))):   # entities the text names, not ones reached by inference
        codes = {code_of[t] for t in g.objects(e, RDF.type) if t in code_of}
        if not codes:
            continue
        label = str(g.value(e, RDFS.label))
        out.append({
            "iri": str(e), "kind": entity_kind(codes), "codes_of_kind": codes, "label": label,
            "names": {str(x) for x in g.objects(e, SKOS.altLabel)} | {label},
            "wikidata": {str(x).rsplit("/", 1)[-1] for x in g.objects(e, OWL.sameAs)},
            "codes": {str(x) for x in g.objects(e, SKOS.notation)} | {str(e)},
        })
    return out


def matches(pred: dict, gold: GoldEntity) -> bool:
    """The same thing: the same identifier, or a name of the graph entity among the gold's label and spellings."""
    if gold.wikidata and gold.wikidata in pred["wikidata"]:
        return True
    if gold.code and gold.code in pred["codes"]:
        return True
    return any(loose(n) in gold.names for n in pred["names"])


def score_entities(preds: list[dict], gold: list[GoldEntity]) -> EntityEval:
    """Match predictions to gold rows of the same family; optional rows count neither way, known rows only as hits.

    A graph entity named like a gold row of another family (a person for a region) is a false hit and the
    row a miss; both are listed in `other_family` too, so a reader sees they are one name typed differently.
    """
    families = dict(kind_families())
    if not any(g.family == "framework" for g in gold) and any(g.family == "programme" for g in gold):
        # a gold file that lists plans and frameworks as programmes (no framework row) scores them as programmes
        families.update({k: "programme" for k, f in families.items() if f == "framework"})
    per_kind: dict[str, Score] = defaultdict(Score)
    per_family: dict[str, Score] = defaultdict(Score)
    family_all: dict[str, Score] = defaultdict(Score)
    result = EntityEval(per_kind, Score())
    found: dict[int, list[dict]] = defaultdict(list)
    for p in preds:
        # a donor country is a country and a donor government: it may match a gold row of either family
        own = {families.get(c, c) for c in p["codes_of_kind"]}
        named = [i for i, g in enumerate(gold) if matches(p, g)]
        hit = [i for i in named if gold[i].family in own]
        family = gold[hit[0]].family if hit else families.get(p["kind"], p["kind"])
        if named and not hit:
            result.other_family.append((gold[named[0]].kind, p["kind"], p["label"]))
        for i in hit:
            found[i].append(p)
        counted = [i for i in hit if gold[i].status != "optional"]
        family_all[family].count_pred(bool(hit))
        result.everything.count_pred(bool(hit))
        if hit and not counted:
            continue
        for s in (per_kind[p["kind"]], per_family[family], result.overall):
            s.count_pred(bool(counted))
        if not hit:
            result.false_hits.append((p["kind"], p["label"], p["iri"]))
    for i, g in enumerate(gold):
        got = bool(found[i])
        family_all[g.family].count_gold(got)
        result.everything.count_gold(got)
        if got:
            result.kinds_compared += 1
            if any(g.kind in p["codes_of_kind"] for p in found[i]):
                result.kinds_agree += 1
            else:
                result.disagreements.append((g.kind, found[i][0]["kind"], g.label))
            if len(found[i]) > 1:
                result.duplicates.append((g.label, sorted(p["label"] for p in found[i])))
        if g.status != "core":
            continue
        for s in (per_kind[g.kind], per_family[g.family], result.overall):
            s.count_gold(got)
        if not got:
            result.misses.append((g.kind, g.label))
    result.per_kind = dict(sorted(per_kind.items()))
    result.per_family = dict(sorted(per_family.items()))
    result.family_everything = dict(sorted(family_all.items()))
    return result


def evaluate_entities(ds: Dataset, gold_path: Path, slug: str) -> EntityEval:
    """Score one report's entities in `ds` against the gold entities TSV at `gold_path`."""
    gold = load_gold_entities(gold_path)
    preds = [p for p in graph_entities(ds, slug) if p["kind"] not in UNSCORED_KINDS]
    return score_entities(preds, gold)
