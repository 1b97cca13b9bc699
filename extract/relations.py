"""Read relations between linked entities from sentences: partnerships, funding, memberships, places of action."""
from __future__ import annotations

from extract.records import Relation, ReportRecord


def extract_relations(record: ReportRecord) -> list[Relation]:
    """Relations stated in the report's sentences (being written: returns none yet)."""
    return []
