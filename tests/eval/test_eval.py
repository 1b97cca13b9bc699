"""`kg eval`: scoring rules on small hand-written gold/prediction pairs, and the command on the real build."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from kg.eval.entities import load_gold_entities, score_entities
from kg.eval.gold import gold_kind, kind_families, report_of
from kg.eval.questions import score_item
from kg.eval.relations import Fact, GoldRelation, score_pairs, score_relations
from kg.eval.scoring import EvalError
from tests.conftest import EVAL, HAITI, MALI, ROOT

KG = [sys.executable, "-m", "kg.cli"]
HEADER = "kind\tlabel\tsurface_forms\twikidata\tcode\tnote\n"


def gold_file(tmp_path, rows: list[str]):
    path = tmp_path / "entities.tsv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return load_gold_entities(path)


def pred(kind: str, label: str, *alt: str, codes: set[str] | None = None, wikidata: set[str] | None = None) -> dict:
    return {"iri": f"ex:{label}", "kind": kind, "codes_of_kind": codes or {kind}, "label": label,
            "names": {label, *alt}, "wikidata": wikidata or set(), "codes": {f"ex:{label}"}}


# ---------------------------------------------------------------------------------------------------
# entities

def test_an_organisation_of_any_kind_matches_an_organisation_of_the_gold_and_the_kind_is_reported(tmp_path):
    gold = gold_file(tmp_path, ["ngo\tHarbour Relief Alliance\tHarbour Relief Alliance|HRA\t\t\t",
                                "red_cross\tNorthland Red Crescent\tNorthland Red Crescent|NRC\t\t\t",
                                "government_body\tMinistry of Tides\tMinistry of Tides\t\t\t"])
    ev = score_entities([pred("organization", "HRA"), pred("organization", "Northland Red Crescent"),
                         pred("government_body", "Ministry of Tides")], gold)
    assert (ev.overall.tp_gold, ev.overall.gold, ev.overall.tp_pred, ev.overall.pred) == (3, 3, 3, 3)
    assert ev.per_family["organization"].recall == 1.0 and ev.per_kind["ngo"].recall == 1.0
    assert (ev.kinds_agree, ev.kinds_compared) == (1, 3)
    assert sorted(d[0] for d in ev.disagreements) == ["ngo", "red_cross"]


def test_a_name_of_another_family_is_a_miss_and_a_false_hit_listed_as_one_name(tmp_path):
    gold = gold_file(tmp_path, ["region\tUpper Vale\tUpper Vale\t\tXX-UV\t"])
    ev = score_entities([pred("person", "Upper Vale")], gold)
    assert ev.misses == [("region", "Upper Vale")]
    assert ev.false_hits == [("person", "Upper Vale", "ex:Upper Vale")]
    assert ev.other_family == [("region", "person", "Upper Vale")]


def test_a_donor_country_matches_a_country_of_the_gold(tmp_path):
    gold = gold_file(tmp_path, ["country\tNorthland\tNorthland\tQ999999\tNL\t"])
    ev = score_entities([pred("donor_government", "Northland", codes={"donor_government", "country"})], gold)
    assert ev.misses == [] and ev.false_hits == [] and ev.per_family["place"].recall == 1.0


def test_place_local_is_a_hit_when_found_and_no_miss_when_not(tmp_path):
    gold = gold_file(tmp_path, ["region\tUpper Vale\tUpper Vale\t\t\t",
                                "place_local\tPort Amber\tPort Amber\t\t\ttown",
                                "place_local\tCamp Seven\tCamp Seven\t\t\tcamp"])
    ev = score_entities([pred("region", "Upper Vale"), pred("place", "Port Amber")], gold)
    place = ev.per_family["place"]
    assert (place.tp_pred, place.pred) == (2, 2)            # the town is a hit
    assert (place.tp_gold, place.gold) == (1, 1)            # the camp nobody found is not a miss
    assert ev.misses == []
    assert (ev.everything.tp_gold, ev.everything.gold) == (2, 3)   # with known-only rows required


def test_optional_entities_are_neither_missed_nor_false(tmp_path):
    gold = gold_file(tmp_path, ["un_agency\tOcean Agency\tOcean Agency|OA\t\t\t",
                                "programme\tTide Plan\tTide Plan\t\t\toptional: a plan a reader could leave out",
                                "person\tAda Quay\tAda Quay\t\t\tOptional, named once"])
    ev = score_entities([pred("un_agency", "Ocean Agency"), pred("programme", "Tide Plan")], gold)
    assert (ev.overall.tp_pred, ev.overall.pred, ev.overall.tp_gold, ev.overall.gold) == (1, 1, 1, 1)
    assert ev.misses == [] and ev.false_hits == []
    assert (ev.everything.tp_pred, ev.everything.pred, ev.everything.tp_gold, ev.everything.gold) == (2, 2, 2, 3)


def test_entities_match_by_identifier_alias_and_loose_spelling(tmp_path):
    gold = gold_file(tmp_path, ["region\tSégou Vale\tSégou Vale\t\t\t",
                                "un_agency\tOcean Agency\tOcean Agency\tQ123\t\t",
                                "ngo\tShore Aid\tShore Aid\t\t\t"])
    preds = [pred("region", "Segou-Vale"), pred("un_agency", "OCAG", wikidata={"Q123"}),
             pred("ngo", "SA", "Shore Aid"), pred("ngo", "Shore Aid International")]
    ev = score_entities(preds, gold)
    assert ev.misses == [] and ev.false_hits == [("ngo", "Shore Aid International", "ex:Shore Aid International")]


def test_duplicates_of_one_gold_entity_are_listed(tmp_path):
    gold = gold_file(tmp_path, ["government_body\tMinistry of Tides\tMinistry of Tides|MoT\t\t\t"])
    ev = score_entities([pred("government_body", "MoT"), pred("organization", "Ministry of Tides")], gold)
    assert ev.duplicates == [("Ministry of Tides", ["Ministry of Tides", "MoT"])]


def test_every_gold_kind_has_a_family_and_an_unknown_kind_names_the_line(tmp_path):
    families = kind_families()
    assert families["un_agency"] == families["organization"] == "organization"
    assert families["region"] == families["country"] == "place"
    for kind in ("red_cross", "political_party", "place_local", "supranational_region"):
        assert gold_kind(kind, "here").family in ("organization", "place"), kind
    assert not gold_kind("place_local", "here").required
    with pytest.raises(EvalError, match=r"entities.tsv:3: unknown entity kind 'guild'"):
        gold_file(tmp_path, ["ngo\tShore Aid\tShore Aid\t\t\t", "guild\tThe Guild\tThe Guild\t\t\t"])


# ---------------------------------------------------------------------------------------------------
# relations

def _resolve(name: str) -> set[str]:
    return {f"ex:{name}"}


def test_acts_in_is_an_organisation_and_a_place_in_the_sentence_the_gold_quotes():
    gold = [GoldRelation("acts_in", "Ocean Agency", "Port Amber", "core", "", "Ocean Agency repaired wells in Port Amber"),
            GoldRelation("acts_in", "Ocean Agency", "Upper Vale", "core", "", "The agency also worked in Upper Vale"),
            GoldRelation("acts_in", "Shore Aid", "Camp Seven", "optional", "", "Shore Aid visited Camp Seven")]
    facts = [Fact("acts_in", "ex:Ocean Agency", "ex:Port Amber", "In May, Ocean Agency repaired wells in Port Amber."),
             Fact("acts_in", "ex:Ocean Agency", "ex:Camp Seven", "In May, Ocean Agency repaired wells in Port Amber."),
             Fact("acts_in", "ex:Shore Aid", "ex:Camp Seven", "Shore Aid visited Camp Seven twice."),
             Fact("partnership", "ex:Ocean Agency", "ex:Shore Aid", "Ocean Agency and Shore Aid met.")]
    ev = score_relations(facts, gold, _resolve)
    s = ev.per_type["acts_in"]
    assert (s.tp_pred, s.pred, s.tp_gold, s.gold) == (1, 2, 1, 2)   # the optional row and its fact count neither way
    assert [(m.subject, m.object) for m in ev.misses] == [("Ocean Agency", "Upper Vale")]
    assert [(f[1], f[2]) for f in ev.false_hits] == [("ex:Ocean Agency", "ex:Camp Seven")]
    assert "partnership" not in ev.per_type                     # no partnership rows: not scored


def test_a_funding_read_as_a_partnership_is_neither_hit_nor_false_and_partners_are_undirected():
    gold = [GoldRelation("funds", "Tide Fund", "Ocean Agency", "core", "", "The Tide Fund gave Ocean Agency $2 million"),
            GoldRelation("partners_with", "Shore Aid", "Ocean Agency", "core", "", "together with Shore Aid")]
    sentence = "The Tide Fund gave Ocean Agency $2 million, which it spends together with Shore Aid."
    facts = [Fact("funding", "ex:Tide Fund", "ex:Ocean Agency", sentence),
             Fact("partnership", "ex:Ocean Agency", "ex:Tide Fund", sentence),
             Fact("partnership", "ex:Ocean Agency", "ex:Shore Aid", sentence)]
    ev = score_relations(facts, gold, _resolve)
    assert (ev.overall.tp_pred, ev.overall.pred, ev.overall.tp_gold, ev.overall.gold) == (2, 2, 2, 2)


def test_a_quote_over_two_graph_sentences_matches_each_of_them():
    quote = "Donors of the response: the Tide Fund of Northland. The Harbour Trust."
    gold = [GoldRelation("funds", "Tide Fund", "Ocean Agency", "core", "", quote),
            GoldRelation("funds", "Harbour Trust", "Ocean Agency", "core", "", quote)]
    facts = [Fact("funding", "ex:Tide Fund", "ex:Ocean Agency", "Donors of the response:  the Tide Fund of Northland."),
             Fact("funding", "ex:Harbour Trust", "ex:Ocean Agency", "The Harbour Trust.")]
    ev = score_relations(facts, gold, _resolve)
    # "Harbour Trust." is shorter than a sentence worth matching alone: a miss and a false hit, not a guess
    assert (ev.overall.tp_gold, ev.overall.tp_pred) == (1, 1)


def test_by_pair_a_link_from_another_sentence_is_found_once():
    gold = [GoldRelation("partners_with", "Ocean Agency", "Shore Aid", "core", "", "Ocean Agency works with Shore Aid"),
            GoldRelation("partners_with", "Shore Aid", "Ocean Agency", "core", "", "Shore Aid and Ocean Agency signed"),
            GoldRelation("partners_with", "Ocean Agency", "Harbour Trust", "optional", "", "a word with Harbour Trust"),
            GoldRelation("funds", "Tide Fund", "Ocean Agency", "core", "", "Tide Fund gave Ocean Agency $1"),
            GoldRelation("acts_in", "Shore Aid", "Port Amber", "core", "", "Shore Aid built a school in Port Amber")]
    facts = [Fact("partnership", "ex:Shore Aid", "ex:Ocean Agency", "In May, the two met in the capital."),
             Fact("partnership", "ex:Ocean Agency", "ex:Harbour Trust", "Elsewhere."),
             Fact("partnership", "ex:Tide Fund", "ex:Ocean Agency", "Tide Fund gave Ocean Agency $1."),
             Fact("acts_in", "ex:Shore Aid", "ex:Upper Vale", "Shore Aid built a school in Upper Vale.")]
    by_sentence = score_relations(facts, gold, _resolve)
    assert by_sentence.per_type["partnership"].tp_gold == 0
    pairs = score_pairs(facts, gold, _resolve)
    p = pairs["partnership"]
    assert (p.tp_pred, p.pred, p.tp_gold, p.gold) == (1, 1, 1, 1)   # one pair; optional and funding pairs not counted
    assert (pairs["funding"].tp_gold, pairs["funding"].gold) == (0, 1)
    a = pairs["acts_in"]
    assert (a.tp_pred, a.pred, a.tp_gold, a.gold) == (0, 1, 0, 1)


# ---------------------------------------------------------------------------------------------------
# questions

def test_an_answer_matches_on_either_side_of_a_colon_ignoring_case_accents_and_punctuation():
    item = {"q": "?", "expect": [["SDG 5", "Gender equality"], ["Segou"], ["SDG-2"]]}
    assert score_item(item, ["Goal X: Gender Equality", "Ségou", "SDG 2: Zero hunger"]).passed
    r = score_item(item, ["Gender equality", "Ségou"])
    assert not r.passed and (r.found, r.good) == (2, 2)          # min_recall defaults to 1.0


def test_an_item_needs_min_recall_of_the_expected_and_half_of_the_answers_expected():
    item = {"q": "?", "expect": [["A"], ["B"], ["C"]], "min_recall": 0.66}
    assert score_item(item, ["A", "B"]).passed
    assert not score_item(item, ["A"]).passed                    # 1/3 < 0.66
    assert score_item(item, ["A", "B", "X", "Y"]).passed         # 2 of 4 answers expected: half
    assert not score_item(item, ["A", "B", "X", "Y", "Z"]).passed
    assert not score_item(item, []).passed


# ---------------------------------------------------------------------------------------------------
# gold folders

def test_the_report_of_a_gold_folder(tmp_path):
    built = ["alpha-2024-country-brief", "beta-2023-annual-report"]
    for name in ("dev-alpha-2024-country-brief", "alpha-2024-country-brief", "alpha-2024", "gamma"):
        (tmp_path / name).mkdir()
    assert report_of(tmp_path / "dev-alpha-2024-country-brief", built) == "alpha-2024-country-brief"
    assert report_of(tmp_path / "alpha-2024-country-brief", built) == "alpha-2024-country-brief"
    assert report_of(tmp_path / "alpha-2024", built) == "alpha-2024-country-brief"      # words of one slug
    assert report_of(tmp_path / "gamma", built) == "gamma"                               # not built
    (tmp_path / "gamma" / "questions.json").write_text(json.dumps({"report": "beta-2023-annual-report", "items": []}))
    assert report_of(tmp_path / "gamma", built) == "beta-2023-annual-report"
    assert report_of(EVAL, [MALI, HAITI]) == MALI


# ---------------------------------------------------------------------------------------------------
# the command, on the session build of the bundled reports

def kg(*args):
    return subprocess.run(KG + list(args), capture_output=True, text=True, cwd=ROOT)


def test_eval_all_prints_a_row_per_gold_folder_and_the_totals(out_dir, tmp_path):
    root = tmp_path / "gold"
    shutil.copytree(EVAL, root / "mali-2021")
    (root / HAITI).mkdir()
    (root / HAITI / "entities.tsv").write_text(HEADER + "un_agency\tWFP\tWFP|World Food Programme\t\t\t\n"
                                               "country\tHaiti\tHaiti\t\tHT\t\n", encoding="utf-8")
    (root / "dev-a-report-not-built").mkdir()
    (root / "dev-a-report-not-built" / "entities.tsv").write_text(HEADER, encoding="utf-8")
    run = kg("eval", "--all", "--out", str(out_dir), "--gold-root", str(root), "--no-questions")
    assert run.returncode == 0, run.stderr
    rows = [l for l in run.stdout.splitlines() if l.startswith("│")]
    assert sum(MALI in l for l in rows) == 1 and sum(HAITI in l for l in rows) == 1
    assert any("total (2 reports)" in l for l in rows)
    haiti = next(l for l in rows if HAITI in l)
    assert haiti.split("│")[2].strip().endswith("/1.00")      # organisations: WFP found
    assert "skipped" in run.stdout and "a-report-not-built" in run.stdout
    detailed = kg("eval", "--all", "--out", str(out_dir), "--gold-root", str(root), "--no-questions", "--show", "1")
    assert f"entities of {MALI}" in detailed.stdout and f"entities of {HAITI}" in detailed.stdout
    assert f"entities of {MALI}" not in run.stdout              # without --show: the summary only


def test_eval_all_on_the_project_gold_asks_the_questions(out_dir):
    run = kg("eval", "--all", "--out", str(out_dir))
    assert run.returncode == 0, run.stderr
    mali = next(l for l in run.stdout.splitlines() if l.startswith("│") and MALI in l)
    n = len(json.loads((EVAL / "questions.json").read_text(encoding="utf-8"))["items"])
    assert mali.rstrip(" │").endswith(f"/{n}")


def test_eval_of_one_folder_lists_misses_false_hits_and_answers(out_dir, tmp_path):
    gold = tmp_path / "dev-wfp-haiti-2025-10-country-brief"
    gold.mkdir()
    (gold / "entities.tsv").write_text(HEADER + "un_agency\tWFP\tWFP\t\t\t\nngo\tHarbour Relief Alliance\tHRA\t\t\t\n",
                                       encoding="utf-8")
    (gold / "questions.json").write_text(json.dumps({"items": [{"id": "w1", "q": "Who funds WFP in Haiti?",
                                                                 "expect": [["Nobody Fund"]]}]}), encoding="utf-8")
    run = kg("eval", "--out", str(out_dir), "--gold", str(gold), "--show", "5")
    assert run.returncode == 0, run.stderr
    assert f"entities of {HAITI}" in run.stdout
    assert "miss\tngo\tHarbour Relief Alliance" in run.stdout
    assert "false hit\t" in run.stdout                    # the graph names more than these two
    assert "questions: 0/1 passed" in run.stdout and "FAIL\tw1" in run.stdout


@pytest.mark.parametrize("name,content,message", [
    ("entities.tsv", HEADER + "guild\tThe Guild\tThe Guild\t\t\t\n", "unknown entity kind 'guild'"),
    ("entities.tsv", "name\tid\nWFP\tQ1\n", "lacks columns"),
    ("entities.tsv", b"\xff\xfe\x00binary", "not UTF-8"),
    ("entities.tsv", HEADER.encode() + b"ngo\x00\tA\tA\t\t\t\n", "not UTF-8"),
    ("questions.json", "{not json", "not a JSON questions file"),
    ("questions.json", '{"items": [{"q": "Who?"}]}', "item 1 needs"),
    ("relations.tsv", "relation\tsubject\n", "lacks columns"),
])
def test_bad_gold_input_is_one_line_and_exit_1(out_dir, tmp_path, name, content, message):
    gold = tmp_path / "mali-2021"
    shutil.copytree(EVAL, gold)
    path = gold / name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    run = kg("eval", "--out", str(out_dir), "--gold", str(gold))
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    assert run.returncode == 1 and len(lines) == 1 and message in lines[0], run.stderr
    assert "Traceback" not in run.stderr


def test_eval_all_with_no_gold_folder_or_nothing_built_is_one_line(out_dir, tmp_path):
    run = kg("eval", "--all", "--out", str(out_dir), "--gold-root", str(tmp_path))
    assert run.returncode == 1 and "no gold folder" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    (tmp_path / "dev-a-report-not-built").mkdir()
    (tmp_path / "dev-a-report-not-built" / "entities.tsv").write_text(HEADER, encoding="utf-8")
    run = kg("eval", "--all", "--out", str(out_dir), "--gold-root", str(tmp_path))
    assert run.returncode == 1 and "none of the reports" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    run = kg("eval", "--all", "--out", str(out_dir), "--gold-root", str(EVAL))
    assert run.returncode == 1 and "is one gold folder" in run.stderr and len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args,message", [(["--all", "--gold", "tests/eval/mali-2021"], "leave out --gold"),
                                          (["--gold-root", "tests/eval"], "pass --all")])
def test_eval_flags_that_do_not_go_together_are_one_line(out_dir, args, message):
    run = kg("eval", "--out", str(out_dir), *args)
    assert run.returncode == 1 and message in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_a_name_without_its_place_or_year_qualifier_matches_unless_another_row_has_it(tmp_path):
    gold = gold_file(tmp_path, ["country\tNorthland\tNorthland\t\t\t",
                                "un_body\tCoordinator Office in Northland\tCoordinator Office in Northland\t\t\t",
                                "programme\tHarbour Framework 2025–2029\tHarbour Framework 2025–2029\t\t\t",
                                "government_body\tCabinet of Northland\tCabinet of Northland\t\t\t",
                                "government_body\tCabinet\tCabinet\t\t\tthe party's cabinet, another body",
                                "ngo\tFriends of Southland\tFriends of Southland\t\t\t"])
    ev = score_entities([pred("organization", "Coordinator Office"), pred("programme", "Harbour Framework"),
                         pred("organization", "Friends")], gold)
    assert sorted(m[1] for m in ev.misses) == ["Cabinet", "Cabinet of Northland", "Friends of Southland", "Northland"]
    assert [f[1] for f in ev.false_hits] == ["Friends"]      # Southland is no place of the gold
