"""Every data file the program reads, broken in several ways: one line naming the file and line, exit 1, out/ unchanged.

Each case runs the real `kg` (as `python -m kg.cli`) in a project copy of its own whose `extract/` and `kg/` are
real copies (they find their data beside themselves) and whose data folders are symlinks, except the path down
to the one corrupted file. The copy's `out/` is one build of a short report, made once per module; each case
runs the cheapest command that reads its file (`kg build` reads every extraction data file before the spaCy
model loads) and checks what the user sees: exactly one line on stderr, `error: FILE:LINE: ...`, exit code 1,
no traceback, and the previous `out/` byte for byte as it was.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A short report of our own: it names organisations, a funder and a country (so the country's towns file is read).
NOTE = ("Country note 2024\n\nUNICEF worked in Mali with the World Food Programme in Mopti and Kayes. "
        "Germany funded UNICEF with US$2 million for nutrition. WFP reached 3,000 children in Bamako.\n")
COUNTRY_TOWNS = "gazetteer/towns/ML.tsv"
BUILD = ("build", "note.txt", "--out", "out")
ASK = ("ask", "Who funds UNICEF?", "--out", "out")
PAGES = ("pages", "--out", "out")
EVAL = ("eval", "--gold", "gold.tsv", "--report", "note", "--out", "out")
GOLD = "kind\tlabel\tsurface_forms\twikidata\tcode\nun_agency\tUNICEF\tUNICEF\t\t\n"     # a gold file for the note
BINARY = b"\x00\x9f\x92\x96\xff\xfe binary\n"


def _copy_project(dest: Path, code: Path = ROOT) -> Path:
    """A project folder that runs its own copy of the code (taken from `code`) against (symlinked) data."""
    dest.mkdir()
    for entry in ROOT.iterdir():
        if entry.name in ("out", ".git", "tests"):
            continue
        if entry.name in ("extract", "kg"):
            shutil.copytree(code / entry.name, dest / entry.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / entry.name).symlink_to(entry)
    (dest / "note.txt").write_text(NOTE, encoding="utf-8")
    (dest / "gold.tsv").write_text(GOLD, encoding="utf-8")
    return dest


def _make_real(project: Path, rel: str) -> Path:
    """Turn each symlinked folder on the way to `rel` into a real folder of symlinks, and `rel` into a real copy."""
    here = project
    for part in Path(rel).parts:
        here = here / part
        if here.is_symlink():
            target = here.resolve()
            here.unlink()
            if target.is_dir():
                here.mkdir()
                for child in target.iterdir():
                    (here / child.name).symlink_to(child)
            else:
                shutil.copyfile(target, here)
    return here


def kg(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=project, capture_output=True, text=True,
                          env=env, timeout=600)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A project copy with out/ built from the short report (once per module)."""
    project = _copy_project(tmp_path_factory.mktemp("corruption") / "base")
    got = kg(project, *BUILD)
    assert got.returncode == 0, got.stderr
    return project


# --- how each kind of file is broken: (name, text -> (bytes, the line at fault)) --------------------------

def _data_lines(text: str) -> list[int]:
    """Line numbers (1-based) of the lines that hold data: not blank, not a comment, not an 'about' line."""
    return [n for n, l in enumerate(text.split("\n"), 1)
            if l.strip() and not l.startswith("#") and '"about"' not in l[:12]]


def _replace_line(text: str, n: int, new: str) -> bytes:
    lines = text.split("\n")
    lines[n - 1] = new
    return "\n".join(lines).encode("utf-8")


def _binary_at(text: str, n: int) -> bytes:
    lines = text.split("\n")
    return ("\n".join(lines[:n - 1]) + "\n").encode("utf-8") + BINARY + "\n".join(lines[n - 1:]).encode("utf-8")


def jsonl_ways(missing: str, wrong: tuple[str, object]) -> dict[str, Callable]:
    def line(text):
        return _data_lines(text)[1]          # the second entry: the line number is not trivially 1

    def edit(text, change):
        n = line(text)
        row = json.loads(text.split("\n")[n - 1])
        change(row)
        return _replace_line(text, n, json.dumps(row, ensure_ascii=False)), n

    return {
        "invalid syntax": lambda t: (_replace_line(t, line(t), t.split("\n")[line(t) - 1].rstrip()[:-1]), line(t)),
        "a missing field": lambda t: edit(t, lambda row: row.pop(missing)),
        "a wrong type": lambda t: edit(t, lambda row: row.__setitem__(*wrong)),
        "an empty file": lambda t: (b"", 1),
        "binary bytes": lambda t: (_binary_at(t, line(t)), line(t)),
    }


def tsv_ways(column: str, wrong: tuple[str, str]) -> dict[str, Callable]:
    def header(text):
        return _data_lines(text)[0]

    def line(text):
        return _data_lines(text)[2]

    def cells(text):
        return text.split("\n")[header(text) - 1].split("\t"), text.split("\n")[line(text) - 1].split("\t")

    def wrong_cell(text):
        names, row = cells(text)
        row[names.index(wrong[0])] = wrong[1]
        return _replace_line(text, line(text), "\t".join(row)), line(text)

    def no_column(text):
        names, _ = cells(text)
        return _replace_line(text, header(text), "\t".join(n for n in names if n != column)), header(text)

    return {
        "invalid syntax": lambda t: (_replace_line(t, line(t), t.split("\n")[line(t) - 1] + "\textra"), line(t)),
        "a missing field": no_column,
        "a wrong type": wrong_cell,
        "an empty file": lambda t: (b"", 1),
        "binary bytes": lambda t: (_binary_at(t, line(t)), line(t)),
    }


def json_ways(missing: str, wrong: tuple[str, object]) -> dict[str, Callable]:
    def at(text, key):
        return text[:text.index(f'"{key}"')].count("\n") + 1

    def retyped(text):
        data = json.loads(text)
        data[wrong[0]] = wrong[1]
        new = json.dumps(data, indent=1, ensure_ascii=False)
        return new.encode("utf-8"), at(new, wrong[0])

    def dropped(text):
        data = json.loads(text)
        del data[missing]
        return json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"), 1

    return {
        "invalid syntax": lambda t: (t.replace(f'"{missing}":', f'"{missing}": ,', 1).encode("utf-8"), at(t, missing)),
        "a missing field": dropped,
        "a wrong type": retyped,
        "an empty file": lambda t: (b"", 1),
        "binary bytes": lambda t: (_binary_at(t, 3), 3),
    }


def _first_two_fields(rel: str) -> tuple[str, tuple[str, object]]:
    """A lexicon's first field (to drop) and its second (to give a number instead of its value)."""
    fields = [k for k in json.loads((ROOT / rel).read_text(encoding="utf-8")) if k != "about"]
    return fields[0], (fields[1], 5)


def turtle_ways(prefix: str, wrong: tuple[str, str] | None) -> dict[str, Callable]:
    """Turtle: a garbage statement, the prefix declaration its terms need dropped, a value of the wrong type."""
    def used_at(text):
        return next(n for n, l in enumerate(text.split("\n"), 1)
                    if not l.startswith(("#", "@prefix")) and re.search(rf"(^|[\s;,(\[]){prefix}:", l))

    def no_prefix(text):
        new = "\n".join(l for l in text.split("\n") if not l.startswith(f"@prefix {prefix}:"))
        return new.encode("utf-8"), used_at(new)

    def retyped(text):
        new = text.replace(wrong[0], wrong[1], 1)
        return new.encode("utf-8"), new[:new.index(wrong[1])].count("\n") + 1

    def between(text):
        """The first line after line 40 that starts a statement (follows a blank line)."""
        lines = text.split("\n")
        return next(n for n in range(41, len(lines)) if not lines[n - 2].strip() and lines[n - 1].strip())

    ways = {
        "invalid syntax": lambda t: (_replace_line(t, between(t), "rk:Broken rk:is ;;; .\n" + t.split("\n")[between(t) - 1]),
                                     between(t)),
        "a missing field": no_prefix,
        "a wrong type": retyped,
        "an empty file": lambda t: (b"", 1),
        "binary bytes": lambda t: (_binary_at(t, between(t)), between(t)),
    }
    if wrong is None:
        del ways["a wrong type"]
    return ways


def rq_ways(every: bool) -> dict[str, Callable]:
    """A query: garbage in its body, its '# question' line dropped, an update instead of a query, empty, binary."""
    def garbage(text):
        n = next(i for i, l in enumerate(text.split("\n"), 1) if "{" in l and not l.startswith("#"))
        return _replace_line(text, n, text.split("\n")[n - 1] + " ?broken ?triple ;; ."), n

    ways = {
        "invalid syntax": garbage,
        "a missing field": lambda t: ("\n".join(l for l in t.split("\n") if not l.startswith("#")).encode("utf-8"), 1),
        "a wrong type": lambda t: (b"# Drops everything.\nDELETE WHERE { ?s ?p ?o }\n", 2),
        "an empty file": lambda t: (b"", 1),
        "binary bytes": lambda t: (_binary_at(t, 2), 2),
    }
    return ways if every else {"invalid syntax": garbage}


@dataclass(frozen=True)
class Target:
    path: str                      # the file, relative to the project
    command: tuple[str, ...]       # the cheapest command that reads it
    ways: dict


TARGETS = [
    Target("gazetteer/organisations.jsonl", BUILD, jsonl_ways("label", ("aliases", 5))),
    Target("gazetteer/programmes.jsonl", BUILD, jsonl_ways("kind", ("label", ["a", "list"]))),
    Target("gazetteer/sdgs.jsonl", BUILD, jsonl_ways("id", ("number", "four"))),
    Target("gazetteer/national.jsonl", BUILD, jsonl_ways("label", ("country", 7))),
    Target("gazetteer/places.jsonl", BUILD, jsonl_ways("code", ("aliases", "one name"))),
    Target("gazetteer/themes.jsonl", BUILD, jsonl_ways("terms", ("sdgs", ["one"]))),
    Target("gazetteer/demonyms.tsv", BUILD, tsv_ways("demonym", ("code", "germany"))),
    Target(COUNTRY_TOWNS, BUILD, tsv_ways("lat", ("lon", "west"))),
    Target("extract/lang/en/relations/partnership.jsonl", BUILD, jsonl_ways("lemma", ("confidence", "high"))),
    Target("extract/lang/en/relations/funding.jsonl", BUILD, jsonl_ways("slot", ("lemma", 3))),
    Target("extract/lang/en/relations/place.jsonl", BUILD, jsonl_ways("confidence", ("slot", None))),
    Target("extract/lang/en/relations/membership.jsonl", BUILD, jsonl_ways("slot", ("confidence", 2))),
    Target("extract/relations/components.tsv", BUILD, tsv_ways("reader", ("reader", "nowhere"))),
    Target("extract/lang/en/regions.json", BUILD, json_ways("compass", ("generic", "river"))),
    Target("extract/lang/en/sites.json", BUILD, json_ways("heads", ("particles", "al"))),
    Target("extract/lang/en/organisations.json", BUILD, json_ways("heads", ("not_heads", "ministry"))),
    Target("extract/lang/en/programmes.json", BUILD, json_ways(*_first_two_fields("extract/lang/en/programmes.json"))),
    Target("note.meta.json", BUILD, {
        "invalid syntax": lambda t: (b'{"title": "A note",\n "year": 2024,\n}\n', 3),
        "a missing field": lambda t: (b'{"title": "A note",\n "yeer": 2024\n}\n', 2),
        "a wrong type": lambda t: (b'{"title": "A note",\n "year": "2024"\n}\n', 2),
        "an empty file": lambda t: (b"", 1),
        "binary bytes": lambda t: (b'{"title": "A note",\n' + BINARY, 2),
    }),
]
QUERIES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "queries").rglob("*.rq"))
FULLY = ("queries/donors.rq", "queries/ask/partners-of.rq")     # every way; the other queries, a syntax error
TARGETS += [
    Target("ontology/reportkg.ttl", BUILD, turtle_ways("owl", ('rk:kindCode "ngo"', "rk:kindCode 7"))),
    Target("ontology/shapes.ttl", BUILD, turtle_ways("sh", ("sh:minCount 1", 'sh:minCount "one"'))),
    Target("queries/ask/words.json", ASK, json_ways("kinds", ("who", 5))),
    *(Target(q, ("query", q.removeprefix("queries/").removesuffix(".rq"), "--out", "out"), rq_ways(q in FULLY))
      for q in QUERIES),
    Target("gazetteer/centroids.tsv", PAGES, tsv_ways("lat", ("lon", "west"))),
    Target("ontology/sdg-colours.tsv", PAGES, tsv_ways("colour", ("goal", "eighteen"))),
    Target("kg/pages/assets/kind-colours.tsv", PAGES, tsv_ways("colour", ("colour", "blue"))),
    Target("kg/eval/kinds.tsv", EVAL, tsv_ways("required", ("required", "maybe"))),
]
CASES = [pytest.param(t, way, id=f"{t.path}-{way}") for t in TARGETS for way in t.ways]


@pytest.mark.parametrize("target, way", CASES)
def test_a_broken_data_file_is_one_line_naming_it(base, tmp_path, target, way):
    project = _copy_project(tmp_path / "project", base)     # the code that built out/, so its store is fresh
    shutil.copytree(base / "out", project / "out", symlinks=True)
    before = snapshot(project / "out")
    path = _make_real(project, target.path) if (project / target.path).exists() else project / target.path
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    broken, line = target.ways[way](text)
    path.write_bytes(broken)

    got = kg(project, *target.command)

    lines = got.stderr.strip().splitlines()
    assert got.returncode == 1, got.stdout + got.stderr
    assert "Traceback" not in got.stderr
    assert len(lines) == 1, got.stderr
    assert re.match(rf"error: \S*{re.escape(target.path)}:{line}: \S", lines[0]), lines[0]
    assert snapshot(project / "out") == before


def quads(path: Path) -> set:
    import pyoxigraph as ox

    return set(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))


def _pickled_dict(entry: bytes) -> bytes:
    import pickle

    return pickle.dumps({"slug": "note", "not": "a record"})


CACHE_WAYS = {
    "cut short": lambda b: b[:len(b) // 2],
    "binary bytes": lambda b: BINARY * 8,
    "an empty file": lambda b: b"",
    "a wrong type": _pickled_dict,
}


@pytest.mark.parametrize("way", CACHE_WAYS)
def test_a_broken_cache_entry_is_analysed_again(base, tmp_path, way):
    """A cache entry is never trusted when it does not hold a report's record: the report is analysed again, the
    entry rewritten, and the graph is the one the whole entry gave."""
    import pickle

    from extract.records import ReportRecord

    project = _copy_project(tmp_path / "project", base)
    shutil.copytree(base / "out", project / "out", symlinks=True)
    (entry,) = (project / "out" / "cache").glob("*.pickle")
    entry.write_bytes(CACHE_WAYS[way](entry.read_bytes()))

    got = kg(project, "build", "note.txt", "--out", "out", "--force")

    assert got.returncode == 0, got.stderr
    assert "reports from cache: 0/1" in got.stdout
    assert quads(project / "out" / "graph.trig") == quads(base / "out" / "graph.trig")
    (entry,) = (project / "out" / "cache").glob("*.pickle")          # rewritten whole
    with entry.open("rb") as f:
        assert isinstance(pickle.load(f), ReportRecord)
