"""Load the gazetteer (organisations, programmes, SDGs, national bodies, places) into entity records with aliases.

Places come from ISO 3166 through pycountry (every country and admin-1 subdivision), completed by
`gazetteer/places.jsonl` (Wikidata ids, English exonyms, donor flags). Everything else is JSON Lines,
one entity per line, so adding an organisation is a one-line change.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from extract.records import EntityInfo
from extract.resources import data_path

# Files whose entries are always active, and the key prefix of their entities.
GLOBAL_FILES = ("organisations.jsonl", "programmes.jsonl", "sdgs.jsonl")
# Entries that only make sense for a report about their country (national ministries, plans).
NATIONAL_FILE = "national.jsonl"
PLACES_FILE = "places.jsonl"

ORGANISATION_KINDS = frozenset({
    "un_agency", "un_service", "un_body", "intergovernmental", "financial_institution", "global_fund",
    "donor_government", "government_body", "ngo", "armed_group", "coordination", "red_cross", "organization",
})
PLACE_KINDS = frozenset({"country", "region", "supranational_region"})


class GazetteerError(ValueError):
    """A gazetteer file is malformed."""


@dataclass
class Gazetteer:
    """Entities by key, with the names that refer to them."""

    entities: dict[str, EntityInfo] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)          # key -> country code for national entries
    subdivisions_by_country: dict[str, list[str]] = field(default_factory=dict)

    def names(self, key: str) -> list[str]:
        info = self.entities[key]
        return name_variants([info.label, *info.aliases])

    def global_keys(self) -> list[str]:
        """Keys matched in every report: curated entries and countries, not regions or national bodies."""
        return [k for k, e in self.entities.items() if e.kind != "region" and k not in self.scope]

    def keys_for_country(self, code: str) -> list[str]:
        """Keys that become active when a report is about the country `code`."""
        national = [k for k, c in self.scope.items() if c == code]
        return self.subdivisions_by_country.get(code, []) + national


def entity_key(kind: str, ident: str) -> str:
    """The key of an entity; kg.build turns keys into IRIs."""
    if kind == "sdg":
        return f"sdg/{ident}"
    if kind in ORGANISATION_KINDS:
        return f"org/{ident}"
    if kind in PLACE_KINDS:
        return f"place/{ident}"
    return f"{kind}/{ident}"


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_variants(names: list[str]) -> list[str]:
    """Names plus their accent-free and apostrophe variants, without duplicates, order kept."""
    out: list[str] = []
    for name in names:
        for v in (name, strip_accents(name), name.replace("'", "’"), name.replace("’", "'")):
            v = " ".join(v.split())
            if v and v not in out:
                out.append(v)
    return out


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GazetteerError(f"{path}:{n}: not valid JSON ({exc.msg}); each line must be one JSON object") from None
            for required in ("id", "kind", "label"):
                if required not in row:
                    raise GazetteerError(f"{path}:{n}: missing field {required!r}")
            rows.append(row)
    return rows


def _entry(row: dict) -> EntityInfo:
    notations = tuple(x for x in (row.get("iati"),) if x)
    return EntityInfo(
        key=entity_key(row["kind"], row["id"]), kind=row["kind"], label=row["label"],
        aliases=tuple(row.get("aliases", ())), wikidata=row.get("wikidata"), notations=notations,
        country=row.get("country"), number=row.get("number"), iri=row.get("iri"),
        description=row.get("short_title") or row.get("description"),
    )


def load_gazetteer(folder: Path | None = None) -> Gazetteer:
    """Read every gazetteer file in `folder` (default: the bundled gazetteer) and ISO 3166 from pycountry."""
    import pycountry  # imported here: reading its database is work, and importing must do none

    folder = folder or data_path("gazetteer")
    gaz = Gazetteer()
    for name in GLOBAL_FILES:
        for row in _read_jsonl(folder / name):
            info = _entry(row)
            gaz.entities[info.key] = info
    national = folder / NATIONAL_FILE
    if national.exists():
        for row in _read_jsonl(national):
            if not row.get("country"):
                raise GazetteerError(f"{national}: entry {row['id']!r} needs a 'country' (ISO alpha-2)")
            info = _entry(row)
            gaz.entities[info.key] = info
            gaz.scope[info.key] = row["country"]

    extra = {}
    places = folder / PLACES_FILE
    if places.exists():
        with places.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    extra[row["code"]] = row
    for c in pycountry.countries:
        x = extra.get(c.alpha_2, {})
        label = getattr(c, "common_name", None) or c.name
        aliases = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None), *x.get("aliases", ())]
        notations = (c.alpha_2,) + ((x["iati"],) if x.get("iati") else ())
        gaz.entities[f"place/{c.alpha_2}"] = EntityInfo(
            key=f"place/{c.alpha_2}", kind="country", label=label, aliases=tuple(a for a in aliases if a),
            extra_kinds=("donor_government",) if x.get("donor") else (), wikidata=x.get("wikidata"),
            notations=notations, country=c.alpha_2,
        )
    for s in pycountry.subdivisions:
        if s.parent_code:          # admin-1 only
            continue
        x = extra.get(s.code, {})
        aliases = [s.name, f"{s.name} {s.type}", f"{s.type} of {s.name}", *x.get("aliases", ())]
        key = f"place/{s.code}"
        gaz.entities[key] = EntityInfo(
            key=key, kind="region", label=s.name, aliases=tuple(aliases), wikidata=x.get("wikidata"),
            notations=(s.code,), country=s.country_code,
        )
        gaz.subdivisions_by_country.setdefault(s.country_code, []).append(key)
    return gaz
