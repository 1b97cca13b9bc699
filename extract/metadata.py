"""What a report's text does not say about itself, from an optional JSON file beside it.

A report `NAME.txt` or `NAME.pdf` may have `NAME.meta.json` next to it::

    {"title": "UNICEF Mali Country Office Annual Report 2021", "publisher": "UNICEF", "year": 2021,
     "issued": "2022-03", "url": "https://example.org/report.pdf", "language": "en"}

Every field is optional; an unknown field or a malformed value is an error that names the file and
the field, so a typo does not pass silently. Without the file, the title is made from the file name,
the publisher is the organisation the report names most, and the year is the most frequent year in
the file name (else in the text).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from extract.errors import DataError, line_of, read_data_text

__all__ = ["MetaError", "ReportMeta", "meta_path", "read_meta"]

SUFFIX = ".meta.json"
_ISSUED = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_IRI_FORBIDDEN = re.compile(r"[\s<>\"{}|\\^`]")
_MAX_TEXT = 500


class MetaError(DataError):
    """A report's .meta.json file cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class ReportMeta:
    title: str | None = None
    publisher: str | None = None       # an organisation's name, linked through the gazetteer when it knows it
    year: int | None = None            # the year the report is about (dct:temporal)
    issued: str | None = None          # publication date: YYYY, YYYY-MM or YYYY-MM-DD (dct:issued)
    url: str | None = None             # where the report is published (schema:url)
    language: str | None = None        # BCP 47 tag of the report's language (dct:language)


def meta_path(report: Path) -> Path:
    """`reports/x.pdf` -> `reports/x.meta.json`."""
    report = Path(report)
    return report.with_name(report.stem + SUFFIX)


def read_meta(report: Path) -> ReportMeta:
    """The report's metadata file, checked; an empty ReportMeta when there is none."""
    path = meta_path(report)
    if not path.is_file():
        return ReportMeta()
    text = read_data_text(path, MetaError, "fix the file, or delete it to build without metadata")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MetaError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise MetaError(f"{path}:1: must hold one JSON object, like {{\"title\": \"...\"}}")
    fields = ReportMeta.__dataclass_fields__
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise MetaError(f"{path}:{line_of(text, unknown[0])}: unknown field {unknown[0]!r}; the fields are "
                        f"{', '.join(fields)}")
    at = {name: f"{path}:{line_of(text, name)}" for name in fields}     # where each field is written
    return ReportMeta(
        title=_text(at["title"], data, "title"),
        publisher=_text(at["publisher"], data, "publisher"),
        year=_year(at["year"], data.get("year")),
        issued=_issued(at["issued"], data.get("issued")),
        url=_url(at["url"], data.get("url")),
        language=_language(at["language"], data.get("language")),
    )


def _text(path: str, data: dict, name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MetaError(f"{path}: {name!r} must be a non-empty string")
    value = " ".join(value.split())
    if len(value) > _MAX_TEXT:
        raise MetaError(f"{path}: {name!r} is longer than {_MAX_TEXT} characters")
    return value


def _year(path: str, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise MetaError(f"{path}: 'year' must be a whole number such as 2021")
    return value


def _issued(path: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ISSUED.fullmatch(value):
        raise MetaError(f"{path}: 'issued' must be a date written YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        dt.date(*parts[:3])
    except ValueError:
        raise MetaError(f"{path}: 'issued' is not a real date: {value}") from None
    return value


def _url(path: str, value) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or _IRI_FORBIDDEN.search(value):
        raise MetaError(f"{path}: 'url' must be an http(s) address without spaces or <>\"{{}}|\\^` characters")
    return value


def _language(path: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise MetaError(f"{path}: 'language' must be a language tag such as en or fr-CA")
    return value
