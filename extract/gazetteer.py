"""Load the gazetteer (organisations, programmes, SDGs, national bodies, places) into entity records with aliases.

Places come from ISO 3166 through pycountry (every country and admin-1 subdivision), completed by
`gazetteer/places.jsonl` (Wikidata ids, the names English reports write, donor flags), and towns from
GeoNames in `gazetteer/towns/XX.tsv`, read only for a report's focus countries. Everything else is JSON
Lines, one entity per line, so adding an organisation is a one-line change.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from extract.errors import DataError, check_fields, read_jsonl, read_lexicon, read_tsv
from extract.kinds import load_kinds, organisation_kinds, place_kinds
from extract.records import EntityInfo
from extract.resources import data_path

# Files whose entries are always active, and the key prefix of their entities.
GLOBAL_FILES = ("organisations.jsonl", "programmes.jsonl", "sdgs.jsonl")
# Entries that only make sense for a report about their country (national ministries, plans).
NATIONAL_FILE = "national.jsonl"
PLACES_FILE = "places.jsonl"
TOWNS_FOLDER = "towns"
# Type words a report puts after a region's name ("Cusco Region"), whatever ISO 3166-2 calls the unit.
REGION_TYPES = ("Governorate", "Province", "Region", "State", "Department", "District")
REGIONS_LEXICON = Path(__file__).resolve().parent / "lang" / "en" / "regions.json"
# A region group needs this many regions sharing its name ("North Kivu", "South Kivu": "Kivu"); it has
# no ISO 3166-2 code, and says how it was made (rk:foundBy) instead.
GROUP_MIN = 2
GROUP_FOUND_BY = "gazetteer:region-group"



class GazetteerError(DataError):
    """A gazetteer file is malformed."""


# The fields of an entry of the JSON Lines files, and their types ([str]: a list of texts).
ENTRY_FIELDS = {"id": str, "kind": str, "label": str}
ENTRY_OPTIONAL = {"aliases": [str], "wikidata": str, "iati": str, "country": str, "number": int, "iri": str,
                  "short_title": str, "description": str}
PLACE_FIELDS = {"code": str}
PLACE_OPTIONAL = {"label": str, "aliases": [str], "exclude": [str], "wikidata": str, "iati": str, "donor": bool}
TOWN_COLUMNS = ("geonames", "name", "region", "lat", "lon", "population", "aliases")


@dataclass
class Gazetteer:
    """Entities by key, with the names that refer to them."""

    entities: dict[str, EntityInfo] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)          # key -> country code for national entries
    subdivisions_by_country: dict[str, list[str]] = field(default_factory=dict)
    towns_folder: Path | None = None
    towns_by_country: dict[str, list[str]] = field(default_factory=dict)   # filled on first use per country
    bare_excluded: dict[str, frozenset[str]] = field(default_factory=dict)  # key -> names never matched alone
    region_types: dict[str, str] = field(default_factory=dict)              # key -> ISO 3166-2 type of a region

    def names(self, key: str) -> list[str]:
        info = self.entities[key]
        names = [info.label, *info.aliases]
        if key in self.region_types:        # type words added here, for the few regions a report activates
            names = region_names(names, self.region_types[key])
        excluded = self.bare_excluded.get(key, frozenset())
        return name_variants([n for n in names if n not in excluded])

    def global_keys(self) -> list[str]:
        """Keys matched in every report: curated entries and countries, not regions, towns or national bodies."""
        return [k for k, e in self.entities.items() if e.kind not in ("region", "place_local") and k not in self.scope]

    def keys_for_country(self, code: str) -> list[str]:
        """Keys that become active when a report is about the country `code`: regions, national bodies, towns."""
        national = [k for k, c in self.scope.items() if c == code]
        return self.subdivisions_by_country.get(code, []) + national + self.towns_of(code)

    def towns_of(self, code: str) -> list[str]:
        """Keys of the towns of country `code`, read from its towns file on first use."""
        if code not in self.towns_by_country:
            path = self.towns_folder / f"{code}.tsv" if self.towns_folder else None
            towns = _read_towns(path, code, self._taken_names(code)) if path is not None and path.is_file() else []
            for info in towns:
                self.entities[info.key] = info
            self.towns_by_country[code] = [info.key for info in towns]
        return self.towns_by_country[code]

    def _taken_names(self, code: str) -> set[str]:
        """Folded names a town may not take: those of every global entry and of the country's regions and bodies."""
        keys = [k for k in self.global_keys()] + self.subdivisions_by_country.get(code, [])
        keys += [k for k, c in self.scope.items() if c == code]
        return {fold(n) for k in keys for n in (self.entities[k].label, *self.entities[k].aliases)}


def entity_key(kind: str, ident: str) -> str:
    """The key of an entity; kg.build turns keys into IRIs."""
    if kind == "sdg":
        return f"sdg/{ident}"
    if kind in organisation_kinds():
        return f"org/{ident}"
    if kind in place_kinds():
        return f"place/{ident}"
    return f"{kind}/{ident}"


def key_slug(text: str) -> str:
    """The part of an entity key made from a name: "Ministry of Health" -> "ministry-of-health"."""
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and hyphen-insensitive key, one apostrophe: how two spellings of one place name meet."""
    text = re.sub(r"[\u2018\u2019\u02bb\u02bc`]", "'", text)
    text = strip_accents(text).casefold().replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def admin1_subdivisions() -> tuple:
    """ISO 3166-2 units of the first administrative level: those without a parent, and those whose parent is a
    top-level unit of another type while their own type is a top-level type of the country (a country's provinces
    inside an autonomous region)."""
    import pycountry  # imported here: reading its database is work, and importing must do none

    subs = list(pycountry.subdivisions)
    by_code = {s.code: s for s in subs}
    top_types: dict[str, set[str]] = {}
    for s in subs:
        if not s.parent_code:
            top_types.setdefault(s.country_code, set()).add(s.type)
    out = []
    for s in subs:
        parent = by_code.get(s.parent_code) if s.parent_code else None
        if parent is None or (not parent.parent_code and s.type != parent.type
                              and s.type in top_types.get(s.country_code, ())):
            out.append(s)
    return tuple(out)


def region_names(names: list[str], unit_type: str) -> list[str]:
    """A region's names with the type words reports put after them ("Puno Region", "Province of X")."""
    types = (unit_type, *(t for t in REGION_TYPES if t != unit_type))
    ends = tuple(" " + t.casefold() for t in types)
    out = list(names)
    for n in names:
        if not n.casefold().endswith(ends):
            out += [f"{n} {t}" for t in types] + [f"{unit_type} of {n}"]
    return out


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
    """The entries of one JSON Lines file, each checked for its fields and their types."""
    rows = []
    for n, row in read_jsonl(path, GazetteerError):
        check_fields(path, n, row, ENTRY_FIELDS, GazetteerError, ENTRY_OPTIONAL)
        if row["kind"] not in load_kinds().classes:
            raise GazetteerError(f"{path}:{n}: unknown kind {row['kind']!r}; use a kind code of ontology/reportkg.ttl "
                                 f"(rk:kindCode), or add a class with that code there")
        rows.append({**row, "_line": n})
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
                raise GazetteerError(f"{national}:{row['_line']}: entry {row['id']!r} needs a 'country' (ISO alpha-2)")
            info = _entry(row)
            gaz.entities[info.key] = info
            gaz.scope[info.key] = row["country"]

    extra = {}
    places = folder / PLACES_FILE
    if places.exists():
        for n, row in read_jsonl(places, GazetteerError):
            check_fields(places, n, row, PLACE_FIELDS, GazetteerError, PLACE_OPTIONAL)
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
    for s in admin1_subdivisions():
        x = extra.get(s.code, {})
        aliases = [s.name, *x.get("aliases", ())]
        key = f"place/{s.code}"
        gaz.region_types[key] = s.type
        gaz.entities[key] = EntityInfo(
            key=key, kind="region", label=x.get("label", s.name), aliases=tuple(aliases), wikidata=x.get("wikidata"),
            notations=(s.code,), country=s.country_code,
        )
        if x.get("exclude"):
            gaz.bare_excluded[key] = frozenset(x["exclude"])
        gaz.subdivisions_by_country.setdefault(s.country_code, []).append(key)
    _add_region_groups(gaz, *region_lexicon())
    gaz.towns_folder = folder / TOWNS_FOLDER
    return gaz


@lru_cache(maxsize=1)
def region_lexicon(path: Path = REGIONS_LEXICON) -> tuple[frozenset[str], frozenset[str]]:
    """The compass words that open a region's name to say which part of a larger area it is, and the generic
    words that alone name no area (lang/en/regions.json)."""
    data = read_lexicon(path, {"compass": list, "generic": list}, GazetteerError)
    return frozenset(fold(w) for w in data["compass"]), frozenset(fold(w) for w in data["generic"])


def compass_words() -> frozenset[str]:
    return region_lexicon()[0]


def split_compass(name: str, compass: frozenset[str]) -> tuple[str, str] | None:
    """("north", "Kivu") for "North Kivu" or "North-Kivu"; None when the name opens with no compass word."""
    for sep in (" ", "-"):
        first, _, rest = name.partition(sep)
        if rest and fold(first) in compass and len(rest) >= 3 and fold(rest) not in compass:
            if sep == "-" and fold(first) + "-" + fold(rest).split(" ")[0] in compass:
                continue
            return fold(first), rest
    return None


def _add_region_groups(gaz: Gazetteer, compass: frozenset[str], generic: frozenset[str]) -> None:
    """A region group for each name that two or more admin-1 regions of one country share after a compass word
    ("North Kivu", "South Kivu": "Kivu"), unless it already names a place or an entry, is
    a unit type ("North Region") or a generic word ("North Coast"): a region of its country, linked to it,
    with no ISO code of its own."""
    named = {n.casefold() for e in gaz.entities.values() if e.kind != "region" for n in (e.label, *e.aliases)}
    types = {fold(t) for t in (*REGION_TYPES, *gaz.region_types.values())}
    for code, keys in list(gaz.subdivisions_by_country.items()):
        splits = []
        for k in keys:
            unit = gaz.region_types.get(k, "")
            for name in (gaz.entities[k].label, *gaz.entities[k].aliases):     # label first: it names the group
                if name.replace("-", " ").split(" ", 1)[0].casefold() not in compass:
                    continue                 # most names open with no compass word: skip them cheaply
                bare = name[:-len(unit)].strip() if unit and name.endswith(" " + unit) else name
                split = split_compass(bare, compass)
                if split is not None and split[1][:1].isupper():
                    splits.append((k, split[1], fold(split[1])))
        if not splits:
            continue
        taken = named | {n.casefold() for k in keys for n in (gaz.entities[k].label, *gaz.entities[k].aliases)}
        groups: dict[str, tuple[str, set[str]]] = {}
        for k, rest, folded in splits:
            if rest.casefold() not in taken and not set(re.split(r"[\s-]+", folded)) & types and folded not in generic:
                groups.setdefault(folded, (rest, set()))[1].add(k)
        by_members: dict[frozenset, list[str]] = {}     # spellings of one group ("Bahr al/el Ghazal") are one
        for label, members in groups.values():
            if len(members) >= GROUP_MIN:
                by_members.setdefault(frozenset(members), []).append(label)
        for members, names in by_members.items():
            label = max(names, key=lambda n: sum(fold(gaz.entities[k].label).endswith(fold(n)) for k in members))
            key = f"place/{code}-{key_slug(label)}"
            if key in gaz.entities:
                continue
            gaz.entities[key] = EntityInfo(key=key, kind="region", label=label, country=code,
                                           aliases=tuple(n for n in names if n != label),
                                           description=f"the area of {len(members)} regions named after it",
                                           found_by=GROUP_FOUND_BY)
            gaz.subdivisions_by_country[code].append(key)


def _read_towns(path: Path, country: str, taken: set[str]) -> list[EntityInfo]:
    """Towns of one country's file. A name another entry has (a region, an organisation, a country) or that a
    more populous town of the country already took is not the town's: the file lists towns by population."""
    out, used = [], set(taken)
    fix = "regenerate it with scripts/make_towns.py"
    for n, row in read_tsv(path, TOWN_COLUMNS, GazetteerError, fix, comments=False):
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except ValueError:
            raise GazetteerError(f"{path}:{n}: lat {row['lat']!r} and lon {row['lon']!r} must be numbers; {fix}") from None
        if not row["geonames"].isdigit() or not row["name"].strip():
            raise GazetteerError(f"{path}:{n}: a town needs its GeoNames number and a name; {fix}")
        names = [m for m in (row["name"], *filter(None, row["aliases"].split("|"))) if fold(m) not in used]
        if not names or names[0] != row["name"]:
            continue
        used.update(fold(m) for m in names)
        out.append(EntityInfo(
            key=f"place/gn{row['geonames']}", kind="place_local", label=row["name"], aliases=tuple(names[1:]),
            country=country, region=row["region"] or None, geonames=row["geonames"], lat=lat, lon=lon,
        ))
    return out


@lru_cache(maxsize=1)
def load_demonyms() -> dict[str, str]:
    """Nationality adjective -> ISO alpha-2 code, from gazetteer/demonyms.tsv."""
    path = data_path("gazetteer") / "demonyms.tsv"
    out: dict[str, str] = {}
    for n, row in read_tsv(path, ("code", "demonym"), GazetteerError):
        if not re.fullmatch(r"[A-Z]{2}", row["code"]) or not row["demonym"].strip():
            raise GazetteerError(f"{path}:{n}: {row['code']!r} {row['demonym']!r} is not 'ISO alpha-2 <tab> demonym'; "
                                 f"fix that line")
        out[row["demonym"].strip()] = row["code"]
    return out
