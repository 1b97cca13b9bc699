"""Regenerate gazetteer/organisations.jsonl entries from the reference identifiers table.

Usage: python scripts/make_organisations.py ../shared/reference/identifiers.tsv > /tmp/orgs.jsonl
The output is a starting point that was then reviewed by hand; the committed gazetteer is the data.
"""
import csv
import json
import re
import sys

KIND = {
    "un_agency": "un_agency", "un_service": "un_service", "un_fund": "global_fund",
    "un_peacekeeping_mission": "un_body", "regional_igo": "intergovernmental", "ifi": "financial_institution",
    "global_partnership": "global_fund", "global_fund": "global_fund", "supranational": "intergovernmental",
    "eu_directorate_general": "intergovernmental", "donor_ministry": "government_body",
    "development_bank": "financial_institution", "development_agency": "government_body", "initiative": "initiative",
}


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            kind = KIND.get(row["kind"])
            if not kind:
                continue
            aliases = []
            m = re.search(r"aliases=([^;]*)", row["other"])
            if m:
                aliases = [a.strip() for a in m.group(1).split("|") if a.strip()]
            rec = {"id": re.sub(r"[^a-z0-9]+", "-", row["label"].lower()).strip("-"), "kind": kind,
                   "label": row["label"], "aliases": aliases}
            if row["wikidata"]:
                rec["wikidata"] = row["wikidata"]
            if row["iati_org_id"]:
                rec["iati"] = row["iati_org_id"]
            print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
