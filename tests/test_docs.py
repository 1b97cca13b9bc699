"""The README, run: its commands are run as written on the bundled build, and the output it shows is compared.

Where commands run. Every command line of a fenced block (a `sh` block, or a `$ ` line of a transcript) runs
through bash, as written, in a temporary copy of the project folder (every top-level entry symlinked) whose
`out/` is a copy of the session build of both bundled reports: `kg query`, `kg ask`, `kg eval` and
`kg pages` then read or rewrite that copy, never the shared session folder nor the project's own `out/`.
An absolute `/tmp/NAME` in a command is that copy's `tmp/NAME` (seeded with the same build, so
`kg build reports/ --out /tmp/kg` is up to date there, as it is after the build it stands for). Commands that
name the user's own files (`my-report.txt`, `path/to/...`, `my-gold.tsv`, `my-query.rq`) run in a second copy
with no build, where those files are written first (short reports written for this test): they really build.

What output is compared. A transcript line `$ CMD` is followed by what CMD printed; a `sh` block followed
at once by a plain block shows that block as the command's output. They are compared with doctest's
`ELLIPSIS` and `NORMALIZE_WHITESPACE`: `...` stands for text the README leaves out (a long sentence, the
SPARQL listing that ends every `kg ask` answer), and runs of spaces and tabs are equal. Nothing else may
vary: the commands compared print no timings, temp paths or build-dependent counts beyond those the README
states, and those are the bundled build's.

Exceptions, each with its reason, are in `NOT_RUN`; what they use is still checked: every `kg` command line
anywhere in the README (fenced or inline) is parsed by the CLI's own option parser, and every option the
README gives `kg serve` and `kg push` is in their `--help`. The curl examples are run against a real
`kg serve` of the build on a free port (the README's 7878 replaced by it).
"""
from __future__ import annotations

import doctest
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
COMMAND_START = re.compile(r"^(kg|\.venv/bin/kg|make|curl)(\s|$)")

# Commands not run here, and why. Matched against the command as written (a regular expression, searched).
NOT_RUN = {
    r"^make (run|test|fuzz)\b": "sets up the venv and system packages (make test runs this very suite); "
                                "the target exists: `make -n` is checked; make run's kg is checked by "
                                "test_kg_is_on_the_path_as_the_readme_says",
    r"^make bench\b": "about 6 minutes of benchmarks (benchmarks/run.py); the target exists: `make -n` is checked",
    r"^kg serve\b": "runs until stopped; a real kg serve answers the curl examples here, on a free port, and "
                    "tests/test_serve*.py test it; its options are parsed and in `kg serve --help`",
    r"(^|\s)kg push\b(?!.*localhost:7999)": "needs an external SPARQL store: tests/push/test_push.py (a real oxigraph serve) and "
                        "tests/push/test_push_virtuoso.py (a real Virtuoso) run these pushes and their failures; "
                        "the options are parsed and in `kg push --help` (the push to a port where no "
                        "store listens is run)",
    r"^oxigraph serve\b": "the external store of the push transcript (tests/push/test_push.py starts one)",
    r"^export KG_PUSH_PASSWORD": "part of the push transcript (tests/push/test_push_virtuoso.py)",
    r"\.\./shared\b": "names the development corpus or gold outside the project, which tests never read; "
                      "the options are parsed; the same commands run on the project's own copies elsewhere",
}

# The user's own files the README names: what this test writes for them (in the second copy).
OWN_FILES = {
    "my-report.txt": "Annual Report 2023\n\nIn 2023 UNICEF worked with WFP in Mopti, Mali, to reopen 40 schools.\n",
    "other-report.txt": "Country Brief\n\nWFP delivered food to 12,000 people in Haiti with funding from Canada.\n",
    "path/to/annual-report-2023.txt": "Annual Report 2023\n\nUNICEF worked with WFP in Gao, Mali. UNICEF "
                                      "vaccinated 5,000 children in Mopti with funding from Japan.\n",
    "my-gold.tsv": "kind\tlabel\tsurface_forms\twikidata\tcode\tnote\n"
                   "un_agency\tUNICEF\tUNICEF\tQ740308\t\t\nun_agency\tWFP\tWFP\tQ192347\t\t\n",
    "my-query.rq": "# Which UN agencies does the graph hold?\nPREFIX rk: <https://w3id.org/reportkg/ontology#>\n"
                   "SELECT ?agency WHERE { ?agency a rk:UnAgency } ORDER BY ?agency\n",
}


@dataclass
class Command:
    text: str            # as written, comments included
    line: int            # line of README.md
    output: str | None   # the output the README shows for it, if any

    @property
    def own(self) -> bool:
        """Run in the copy with the user's own files (and no bundled build)."""
        return any(name in self.text for name in OWN_FILES) or "my-out" in self.text

    @property
    def skipped(self) -> str | None:
        return next((why for pattern, why in NOT_RUN.items() if re.search(pattern, self.text)), None)


def fenced_blocks() -> list[tuple[str, str, int, int, int]]:
    """(language, text, first line, start and end offsets) of every fenced block of README.md."""
    text = README.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start(2)) + 1, m.start(), m.end())
            for m in FENCE.finditer(text)]


def readme_commands() -> list[Command]:
    """Every command of a fenced block: each line of a `sh` block, each `$ ` line of a transcript."""
    text = README.read_text(encoding="utf-8")
    blocks = fenced_blocks()
    found = []
    for i, (lang, body, first, _, end) in enumerate(blocks):
        lines = body.splitlines()
        if lang == "sh":
            joined, start = "", None
            for n, line in enumerate(lines):
                start = first + n if start is None else start
                joined += line[:-1] + " " if line.endswith("\\") else line
                if line.endswith("\\"):
                    continue
                if COMMAND_START.match(joined.strip()) or " && " in joined:
                    found.append(Command(joined.strip(), start, None))
                joined, start = "", None
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if nxt and nxt[0] == "" and not text[end:nxt[3]].strip() and found and found[-1].line >= first:
                found[-1].output = nxt[1]   # a plain block right after: the output of the block's last command
        elif lang == "" and any(l.startswith("$ ") for l in lines):
            current = None
            for n, line in enumerate(lines):
                if line.startswith("$ "):
                    current = Command(line[2:].strip(), first + n, "")
                    found.append(current)
                elif current is not None:
                    current.output += line + "\n"
            for c in found:
                if c.output is not None and not c.output.strip():
                    c.output = None
    return found


def inline_commands() -> list[tuple[str, int]]:
    """Every `kg ...` in backticks in the prose and tables, with its line."""
    out = []
    for n, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        for span in re.findall(r"`([^`\n]*)`", line):
            for part in span.split("&&"):
                part = part.strip()
                if part.startswith("kg ") or part.startswith(".venv/bin/kg ") or part == "kg":
                    out.append((part, n))
    return out


def _cli():
    import click
    import typer.main

    from kg.cli import app

    group = typer.main.get_command(app)
    return group, click.Context(group)


def _kg_args(command: str) -> list[list[str]]:
    """The argument lists of every `kg` call in a shell line (pipes and && split; comments dropped)."""
    calls, words = [], shlex.split(command, comments=True)
    current = None
    for w in words + ["|"]:
        if w in ("|", "&&", ";", "||"):
            if current is not None:
                calls.append(current)
            current = None
        elif current is None and w in ("kg", ".venv/bin/kg"):
            current = []
        elif current is not None:
            current.append(w)
    return calls


COMMANDS = readme_commands()
RUN = [c for c in COMMANDS if c.skipped is None]


def test_the_readme_has_commands_to_check():
    """The extraction finds what the README shows (a change of fence style must not silently empty the test)."""
    assert len([c for c in COMMANDS if c.text.startswith("kg ")]) >= 30
    assert len([c for c in COMMANDS if c.output]) >= 8
    assert {"kg build", "kg query --list", "kg ask", "kg eval"} <= {c.text.split("#")[0].strip() for c in COMMANDS}


@pytest.mark.parametrize("command", [c for c in COMMANDS if "kg" in c.text.split()], ids=lambda c: f"L{c.line}")
def test_every_kg_command_line_parses(command):
    """The CLI's own parser accepts every `kg` call of a fenced block: its subcommand, options and values."""
    import click

    group, ctx = _cli()
    for args in _kg_args(command.text):
        if not args or args[0] in ("--help",):
            continue
        sub = group.get_command(ctx, args[0])
        assert sub is not None, f"README.md:{command.line}: no command kg {args[0]}"
        try:
            sub.make_context(args[0], args[1:], parent=ctx)
        except click.UsageError as exc:
            pytest.fail(f"README.md:{command.line}: {command.text}: {exc.format_message()}")


def test_every_inline_kg_command_names_real_options():
    """A `kg ...` in the prose or a table names a real subcommand and only options it has (synopses such
    as `kg serve [--port N]` included); values are not checked here, since prose often names an option alone."""
    group, ctx = _cli()
    wrong = []
    for span, line in inline_commands():
        words = span.replace("[", " ").replace("]", " ").split()[1:]
        if not words or words in (["--help"], ["..."]):
            continue
        sub = group.get_command(ctx, words[0])
        if sub is None:
            wrong.append(f"README.md:{line}: `{span}`: no command kg {words[0]}")
            continue
        options = {o for p in sub.params for o in p.opts + p.secondary_opts} | {"--help"}
        for w in words[1:]:
            if w.startswith("-") and w.split("=")[0] not in options:
                wrong.append(f"README.md:{line}: `{span}`: kg {words[0]} has no option {w}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", ["serve", "push"])
def test_help_lists_every_option_the_readme_gives(name):
    """`kg serve` and `kg push` are not run here; every option the README uses with them is in their --help."""
    used = set()
    readme = README.read_text(encoding="utf-8")
    for m in re.finditer(rf"\bkg {name}\b([^`\n#]*)", readme):
        used |= set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", m.group(1)))
    assert used, name
    run = subprocess.run([str(BIN / "kg"), name, "--help"], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    assert {o for o in used if o not in run.stdout} == set()


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"(?:`|^|\$ )make ([a-z]+)\b", README.read_text(encoding="utf-8"), re.M))
    assert {"run", "test", "bench", "fuzz"} <= targets
    for target in targets:
        run = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert run.returncode == 0, f"make {target}: {run.stderr}"


def _project_copy(folder: Path) -> Path:
    folder.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in ("out", ".git"):
            (folder / entry.name).symlink_to(entry)
    return folder


@pytest.fixture(scope="module")
def bundled(out_dir, tmp_path_factory):
    """A project copy whose out/ (and tmp/kg, for the README's /tmp/kg) is the session build."""
    cwd = _project_copy(tmp_path_factory.mktemp("docs") / "project")
    shutil.copytree(out_dir, cwd / "out", symlinks=True)
    shutil.copytree(out_dir, cwd / "tmp" / "kg", symlinks=True)
    return cwd


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """A project copy with no build, holding the user's own files the README names."""
    cwd = _project_copy(tmp_path_factory.mktemp("docs") / "own")
    for name, content in OWN_FILES.items():
        (cwd / name).parent.mkdir(parents=True, exist_ok=True)
        (cwd / name).write_text(content, encoding="utf-8")
    return cwd


@pytest.fixture(scope="module")
def server(bundled):
    """A real `kg serve` of the build, on a free port; its port, stopped after the module."""
    proc = subprocess.Popen([str(BIN / "kg"), "serve", "--port", "0", "--out", "out"], cwd=bundled,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line + (proc.stderr.read() if proc.poll() is not None else "")
        yield int(m.group(1))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_as_written(command: Command, cwd: Path, port: int | None = None) -> subprocess.CompletedProcess:
    text = re.sub(r"(?<![\w./])/tmp/", f"{cwd}/tmp/", command.text)
    if port is not None:
        text = text.replace("127.0.0.1:7878", f"127.0.0.1:{port}").replace("localhost:7878", f"localhost:{port}")
    stdin = "Who funds UNICEF?\n" if text.split("#")[0].split() == ["kg", "ask"] else ""   # the line-by-line mode
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "200",
           "NO_COLOR": "1"}
    return subprocess.run(["bash", "-o", "pipefail", "-c", text], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=env, timeout=300)


CHECKER = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_every_command_runs_and_prints_what_the_readme_shows(bundled, own, server):
    """Each runnable command exits 0 (or, where the README shows an error, prints that error) and prints
    the output the README shows for it."""
    failures = []
    for command in RUN:
        cwd = own if command.own else bundled
        got = run_as_written(command, cwd, server if command.text.startswith("curl") else None)
        where = f"README.md:{command.line}: {command.text}"
        shows_error = command.output is not None and command.output.lstrip().startswith("error:")
        printed = got.stderr if shows_error else got.stdout
        if "Traceback" in got.stderr:
            failures.append(f"{where}\n  traceback:\n{got.stderr[-1500:]}")
        elif shows_error and got.returncode != 1:
            failures.append(f"{where}\n  the README shows an error; exit {got.returncode}")
        elif got.returncode != 0 and not shows_error:
            failures.append(f"{where}\n  exit {got.returncode}: {got.stderr.strip()[-800:]}")
        elif command.output is not None and not CHECKER.check_output(command.output, printed, FLAGS):
            failures.append(f"{where}\n  README shows:\n{command.output}\n  printed:\n{printed[:4000]}")
    assert not failures, "\n\n".join(failures)


def test_the_readme_sparql_example_runs(bundled):
    """The README's ```sparql blocks are queries a user can paste into `kg query`: each runs on the build."""
    blocks = [body for lang, body, *_ in fenced_blocks() if lang == "sparql"]
    assert blocks
    for body in blocks:
        got = subprocess.run([str(BIN / "kg"), "query", body], cwd=bundled, capture_output=True, text=True)
        assert got.returncode == 0 and "rows)" in got.stdout, got.stderr


def test_the_readme_json_examples_are_json():
    for lang, body, line, *_ in fenced_blocks():
        if lang == "json":
            try:
                json.loads(body)
            except ValueError:
                for row in body.splitlines():   # a JSONL example: one object per line
                    try:
                        json.loads(row)
                    except ValueError as exc:
                        pytest.fail(f"README.md:{line}: not JSON: {exc}")


def test_kg_is_on_the_path_as_the_readme_says():
    """After `make run`, `kg` is `.venv/bin/kg`; the README says so and says how to put it on the PATH,
    and doing what it says gives the project's `kg`."""
    readme = README.read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in readme and ".venv/bin/kg" in readme
    venv = ROOT / ".venv"
    if not (venv / "bin" / "activate").is_file():
        pytest.skip("no .venv here (make run creates it)")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"
    got = subprocess.run(["bash", "-c", "source .venv/bin/activate && command -v kg && kg --help"], cwd=ROOT,
                         capture_output=True, text=True, env=env)
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines()[0] == str(venv / "bin" / "kg")
    assert "build" in got.stdout and "query" in got.stdout
    make = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True)
    assert "source .venv/bin/activate" in make.stdout, make.stdout   # make run ends by saying so


def _relation_rows() -> list[tuple[int, str, list[str], str]]:
    """(line, class, the properties it is said to carry, example triple) of the README's relations table."""
    rows = []
    for n, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        cells = line.split(" | ")
        if not line.startswith("| ") or len(cells) < 3 or "shortcut" not in cells[0]:
            continue
        described = cells[0].split("shortcut")[0]
        curies = re.findall(r"(⊑ )?`([a-z-]+:\w+)", described)
        example = re.search(r"`([^`]+)`", cells[1])
        if curies and example:
            rows.append((n, curies[0][1], [c for sup, c in curies[1:] if not sup], example.group(1)))
    return rows


def test_the_relations_table_is_what_the_build_holds(dataset):
    """Each relation the README's table describes carries, in the bundled build, every property the table
    gives it (on at least one node), and its example triple is in the graph."""
    from rdflib import RDF, URIRef

    from kg.query.library import query_prefixes

    prefixes = query_prefixes()

    def term(curie: str) -> URIRef:
        prefix, _, local = curie.partition(":")
        return URIRef(prefixes[prefix] + local)

    rows = _relation_rows()
    assert len(rows) >= 8, rows
    wrong = []
    for line, cls, props, example in rows:
        nodes = [(g, s) for g in dataset.graphs() for s in g.subjects(RDF.type, term(cls))]
        assert nodes, f"README.md:{line}: no {cls} in the build"
        for prop in props:
            if not any((s, term(prop), None) in g for g, s in nodes):
                wrong.append(f"README.md:{line}: no {cls} has {prop}")
        parts = example.split()
        if len(parts) == 3 and all(":" in p for p in parts):
            triple = tuple(term(p) for p in parts)
            if not any(triple in g for g in dataset.graphs()):
                wrong.append(f"README.md:{line}: the example {example} is not in the graph")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("row", ["`kg build missing.txt`", "`kg eval` before any build"])
def test_bad_input_rows_print_the_line_the_readme_shows(tmp_path, row):
    """A row of "Bad input, and what you see" whose input is a command: run where it applies (a project copy
    with no build), it prints exactly the README's line on stderr, nothing else, and exits with its code."""
    line = next(l for l in README.read_text(encoding="utf-8").splitlines() if l.startswith(f"| {row} |"))
    cells = [c.strip() for c in line.strip("|").split(" | ")]
    command, shown, code = re.match(r"`([^`]+)`", cells[0]).group(1), cells[1][1:-1], int(cells[2])
    got = run_as_written(Command(command, 0, None), _project_copy(tmp_path / "project"))
    assert got.returncode == code
    assert got.stderr.splitlines() == [shown] and got.stdout == ""
