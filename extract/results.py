"""Read quantitative results (value, unit, what, who, where, when) from sentences."""
from __future__ import annotations

from extract.records import Result, ReportRecord


def extract_results(record: ReportRecord) -> list[Result]:
    """Numbers that report achievements (being written: returns none yet)."""
    return []
