"""Relations between linked entities, read from sentences: a report's record and parse -> Relation records.

Components, one module each, registered in `components.tsv` (name and reader), run in this order and never
reach into each other's state:
- `surface`: the first rules, over sentence text and mentions (all six kinds, places of action included);
- `partnership`, `funding`, `place` (places of action): the dependency parse, with cue lexicons in
  `lang/en/relations/<name>.jsonl`;
- `programme`: who funds, implements or leads a programme and where it works (`programme.jsonl`).
A later component's relation that an earlier one already read from the same sentence is dropped, so each
fact says which component found it first, with which cue and how sure it is.
"""
from __future__ import annotations

from dataclasses import replace

from extract.records import Relation, ReportRecord
from extract.kinds import place_kinds
from extract.relations.components import load_components
from extract.relations.surface import (RelationError, funder_kinds, find_own_programme, find_reporting_org,
                                       is_plan, load_demonyms, read_surface_relations)


def _identity(rel: Relation) -> tuple:
    parties = frozenset(k for k in (rel.subject, *rel.objects) if k)
    if rel.kind == "activity":
        return ("activity", rel.sentence, parties, rel.places)
    if rel.kind == "funding":
        return ("funding", rel.sentence, rel.subject, rel.objects)
    return (rel.kind, rel.sentence, parties)


def extract_relations(record: ReportRecord, gazetteer=None, doc=None) -> list[Relation]:
    """Every component's relations, each fact once; `doc` is the report's parsed spaCy Doc (without it,
    only the surface rules run)."""
    reporter = find_reporting_org(record)
    plan = is_plan(record)
    # A publisher the metadata declares is certain; one read from the header is a guess, which only the
    # components with an explicit cue may use (the surface rules credit any clause that does something).
    declared = reporter if record.meta is not None and getattr(record.meta, "publisher", None) else None
    relations = read_surface_relations(record, gazetteer, reporter, plan, declared)
    if doc is None:
        return relations
    from extract.relations.parse import sentence_views
    from extract.relations.place import locative_places, place_actors

    seen = {_identity(r) for r in relations}
    acting = {(r.sentence, a, p) for r in relations if r.kind == "activity"
              for a in (r.subject, *r.objects) if a for p in r.places}
    paid = {(r.sentence, frozenset((r.subject, *r.objects))) for r in relations if r.kind == "funding"}
    components = load_components()
    surface_acts = {}
    for k, r in enumerate(relations):
        if r.kind == "activity" and r.component == "surface":
            surface_acts.setdefault(r.sentence, []).append(k)
    dropped: set[int] = set()
    for view in sentence_views(record, doc, reporter, funder_kinds(), place_kinds(), plan, find_own_programme(record)):
        if view.sent.index in surface_acts:
            # the parse says which places stand in a locative phrase; the surface rule only saw the clause
            where, at_work = locative_places(view), place_actors(view)
            named = {h.key for h in view.hits}
            for k in surface_acts[view.sent.index]:
                kept = tuple(p for p in relations[k].places if p in where)
                r = relations[k]
                # an organisation the sentence names acts there only if the parse says so; a publisher acting by default stays
                parties = [a for a in (r.subject, *r.objects) if a and (a not in named or any(a in at_work.get(p, ()) for p in kept))]
                acting -= {(r.sentence, a, p) for a in (r.subject, *r.objects) if a for p in r.places
                           if p not in kept or a not in parties}
                if kept:
                    relations[k] = replace(r, places=kept, subject=parties[0] if parties else None, objects=tuple(parties[1:]))
                else:
                    dropped.add(k)
        for component in components:
            for rel in component.read(view):
                ident = _identity(rel)
                if ident in seen:
                    continue
                if rel.kind == "activity":
                    pairs = {(rel.sentence, a, p) for a in (rel.subject, *rel.objects) if a for p in rel.places}
                    if pairs <= acting:
                        continue      # an earlier component put the same actors in the same places
                    acting |= pairs
                if rel.kind == "partnership" and any((rel.sentence, frozenset((a, b))) in paid
                                                     for a in (rel.subject, *rel.objects) for b in rel.objects if a and a != b):
                    continue          # funder and recipient: the funding says it
                seen.add(ident)
                if rel.kind == "funding":
                    paid.add((rel.sentence, frozenset((rel.subject, *rel.objects))))
                relations.append(rel)
    return [r for k, r in enumerate(relations) if k not in dropped]


__all__ = ["RelationError", "extract_relations", "find_reporting_org", "load_components", "load_demonyms"]
