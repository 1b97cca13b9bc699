"""Measure build speed, scaling, memory, query latency and the endpoint under load, side by side in one run.

Run by `make bench`; prints a table and writes out/benchmarks.md (`--results PATH`; the tracked
benchmarks/results.md only on request: `make bench RESULTS=benchmarks/results.md`). Numbers never fail anything:
each row gives the measurement, its target and whether this run met it.

    .venv/bin/python benchmarks/run.py [--sizes 1 10 50] [--clients 20] [--load-seconds 180] [--keep DIR]

Children (`--child build|spacy|rdflib-query`) are this script run in a subprocess, so each measured step
has its own process: its peak memory is its own and model loading is timed apart from the work.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "out" / "benchmarks.md"
PY = sys.executable
KG = str(Path(PY).parent / "kg")
OXIGRAPH = str(Path(PY).parent / "oxigraph")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
LOAD_SCRIPT = Path(__file__).with_name("load.lua")  # the requests wrk sends
RDFLIB_MEMORY = 6 * 2**30
MALI = ROOT / "reports" / "unicef-mali-2021-country-office-annual-report.txt"
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------- corpus

def make_corpus(n: int, dest: Path, seed: int = 2021) -> list[Path]:
    """n distinct report files made from the bundled reports: paragraphs shuffled within sections, renamed."""
    from kg.build.reports import bundled_reports

    bases = [(p, p.read_text(encoding="utf-8")) for p in bundled_reports()]
    dest.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files = []
    for i in range(n):
        path, text = bases[i % len(bases)]
        blocks = re.split(r"\n\s*\n", text)
        out, run = [], []
        for b in blocks:  # headings (one short line) stay put; the paragraphs between two headings are shuffled
            if _is_heading(b):
                rng.shuffle(run)
                out += run + [b]
                run = []
            else:
                run.append(b)
        rng.shuffle(run)
        out += run
        f = dest / f"{path.stem}-copy-{i + 1:03d}.txt"
        f.write_text("\n\n".join(out) + "\n", encoding="utf-8")
        files.append(f)
    return files


def _is_heading(block: str) -> bool:
    lines = [x for x in block.strip().splitlines() if x.strip()]
    return len(lines) == 1 and len(lines[0].split()) <= 12 and not lines[0].rstrip().endswith(".")


def count_words(files: list[Path]) -> int:
    return sum(len(f.read_text(encoding="utf-8").split()) for f in files)


# ---------------------------------------------------------------- children

def child_build(inputs: list[str], out: str) -> dict:
    """Load the extractor, build and write; time each step."""
    t0 = time.perf_counter()
    from extract.report import load_extractor
    from kg.build.reports import build
    from kg.build.write import write_build

    extractor = load_extractor()
    t1 = time.perf_counter()
    b = build([Path(p) for p in inputs], extractor)
    b.conformance  # the SHACL check (made in its own process) is part of the build rate, as it always was
    t2 = time.perf_counter()
    write_build(b, Path(out))
    t3 = time.perf_counter()
    return {"load_s": t1 - t0, "build_s": t2 - t1, "write_s": t3 - t2, "triples": len(b.dataset), "phases": b.phases}


def child_spacy(inputs: list[str]) -> dict:
    """spaCy alone on the same texts: load the model, then nlp.pipe (or nlp(text) for one)."""
    t0 = time.perf_counter()
    import spacy

    from extract.entities import MODEL

    nlp = spacy.load(MODEL)
    t1 = time.perf_counter()
    texts = [Path(p).read_text(encoding="utf-8") for p in inputs]
    if len(texts) == 1:
        nlp(texts[0])
    else:
        for _ in nlp.pipe(texts):
            pass
    return {"load_s": t1 - t0, "parse_s": time.perf_counter() - t1}


def with_values(text: str, bound: dict[str, list[str]]) -> str:
    """The query with its parameters fixed by a VALUES block at the top of WHERE, as a user would write it."""
    if not bound:
        return text
    names = " ".join(f"?{k}" for k in bound)
    rows = " ".join("(" + " ".join(combo) + ")" for combo in _product(list(bound.values())))
    return re.sub(r"WHERE\s*\{", lambda m: f"{m.group(0)}\n  VALUES ({names}) {{ {rows} }}", text, count=1, flags=re.I)


def _product(lists: list[list[str]]) -> list[tuple]:
    import itertools

    return list(itertools.product(*lists))


def child_rdflib_queries(out: str, per_query_s: float) -> dict:
    """rdflib's default in-memory store with the dataset `kg query` reads: every library query, with the
    example parameters of its header (resolved to every term they name) fixed in a VALUES block."""
    import signal
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from kg.dataset.load import load_dataset
    from kg.query.library import QueryError, example_parameters, list_queries
    from kg.query.run import resolve, run_query

    import resource

    # a runaway rdflib query must not take the machine's memory: past this it fails with MemoryError
    resource.setrlimit(resource.RLIMIT_AS, (RDFLIB_MEMORY, RDFLIB_MEMORY))
    t0 = time.perf_counter()
    ds = load_dataset(Path(out))
    load_s = time.perf_counter() - t0

    class Stop(BaseException):
        """Not an Exception, so rdflib's own `except Exception` clauses cannot swallow the time limit."""

    def stop(*_):
        raise Stop

    signal.signal(signal.SIGALRM, stop)
    results = []
    for q in list_queries():
        declared = {p.name: p for p in q.parameters}
        bound = {k: [t.n3() for t in resolve(v, ds, declared[k].cls)] for k, v in example_parameters(q).items()}
        text = with_values(q.text, {k: v for k, v in bound.items() if v})
        # as `kg query NAME --param ...` runs it (initBindings); a value naming several terms needs the VALUES text
        single = all(len(v) == 1 for v in bound.values())
        times, rows = [], None
        signal.setitimer(signal.ITIMER_REAL, per_query_s)
        try:
            while len(times) < 3 and sum(times) < 2:
                t = time.perf_counter()
                try:
                    rows = len(run_query(q, ds, example_parameters(q)).rows) if single else len(list(ds.query(text)))
                except QueryError:
                    rows = len(list(ds.query(text)))
                times.append(time.perf_counter() - t)
        except (Stop, MemoryError):
            times = []  # over the limit: reported as not finished
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        print(f"rdflib {q.name}: {times}", file=sys.stderr, flush=True)
        results.append({"name": q.name, "text": text, "rdflib_s": statistics.median(times) if times else None,
                        "rows": rows, "params": {k: example_parameters(q)[k] for k in bound}})
    return {"load_s": load_s, "queries": results}


def run_child(args: list[str], timeout: float = 600) -> tuple[dict, float, int]:
    """Run this script as a child; return its JSON result, wall seconds and peak RSS in bytes."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([PY, __file__, "--child", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1]), wall, usage.ru_maxrss * 1024


def timed_command(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


# ---------------------------------------------------------------- measurements

class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, figure: str, value: str, target: str = "", met: bool | None = None, note: str = "") -> None:
        verdict = "" if met is None else ("yes" if met else "**no**")
        if note:
            verdict = f"{verdict} ({note})" if verdict else note
        self.rows.append((figure, value, target, verdict))
        print(f"  {figure}: {value}" + (f"   target {target}" if target else "") + (f"   {verdict}" if verdict else ""),
              flush=True)

    def markdown(self) -> str:
        lines = ["| figure | measured | target | met |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows]
        return "\n".join(lines)


def command_times(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, with the processes it waited for) of one command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({os.waitstatus_to_exitcode(status)})")
    return wall, usage.ru_utime + usage.ru_stime


def bench_mali(table: Table, work: Path, repeat: int = 2) -> None:
    """`kg build` of the Mali report vs a bare spaCy parse of it, both whole commands, alternated `repeat` times:
    the faster of each (a cold disk cache favours neither), each pair's ratio (a shared machine's noise), and the
    ratio of their CPU seconds, which other jobs on the machine disturb less than their wall times."""
    print("Mali report: kg build end to end vs bare spaCy parse", flush=True)
    code = ("import spacy, sys; from extract.entities import MODEL; "
            "nlp = spacy.load(MODEL); nlp(open(sys.argv[1], encoding='utf-8').read())")
    build_times, spacy_times = [], []
    for i in range(repeat):
        build_times.append(command_times([KG, "build", str(MALI), "--out", str(work / f"mali-{i}")]))
        spacy_times.append(command_times([PY, "-c", code, str(MALI)]))
        (bw, bc), (sw, sc) = build_times[-1], spacy_times[-1]
        print(f"    run {i + 1}: {bw:.2f} s vs {sw:.2f} s = {bw / sw:.2f}x; CPU {bc:.2f} s vs {sc:.2f} s = {bc / sc:.2f}x",
              flush=True)
    b, s = min(w for w, _ in build_times), min(w for w, _ in spacy_times)
    pairs = ", ".join(f"{x[0] / y[0]:.2f}" for x, y in zip(build_times, spacy_times))
    cpu = ", ".join(f"{x[1] / y[1]:.2f}" for x, y in zip(build_times, spacy_times))
    table.add("Mali build end to end vs bare spaCy (load + nlp(text)), both as commands",
              f"{b:.2f} s vs {s:.2f} s = {b / s:.2f}x (each run: {pairs}; CPU seconds: {cpu})", "<= 2.0x", b / s <= 2.0)


def bench_corpus(table: Table, work: Path, sizes: list[int]) -> dict[int, tuple[Path, float]]:
    print(f"corpora of {sizes} reports: build vs spaCy nlp.pipe", flush=True)
    outs, per_word = {}, {}
    for n in sizes:
        files = make_corpus(n, work / f"corpus-{n}")
        words = count_words(files)
        out = work / f"out-{n}"
        res, wall, rss = run_child(["build", str(out), *map(str, files)])
        sp, sp_wall, _ = run_child(["spacy", *map(str, files)])
        ours, theirs = words / res["build_s"], words / sp["parse_s"]
        per_word[n] = res["build_s"] / words
        outs[n] = (out, wall)
        table.add(f"{n} report(s), {words:,} words: build rate vs spaCy nlp.pipe rate (model load excluded)",
                  f"{ours:,.0f} vs {theirs:,.0f} words/s = {ours / theirs:.2f}", ">= 0.70", ours / theirs >= 0.7)
        phases = res.get("phases", {})
        table.add(f"{n} report(s): the build's steps (extraction with spaCy / RDF graph / SHACL) vs nlp.pipe",
                  " / ".join(f"{phases.get(k, 0):.1f}" for k in ("extraction", "graph", "validation"))
                  + f" s vs {sp['parse_s']:.1f} s", "")
        table.add(f"{n} report(s): end to end wall time, build vs spaCy (model load included)",
                  f"{wall:.1f} s vs {sp_wall:.1f} s", "")
        table.add(f"{n} report(s): peak memory of the build", f"{rss / 2**20:,.0f} MiB", "<= 2048 MiB at 50",
                  rss <= 2 * 2**30 if n == max(sizes) else None)
        table.add(f"{n} report(s): triples / time per word",
                  f"{res['triples']:,} / {per_word[n] * 1e6:.0f} us", "")
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        ratio = per_word[hi] / per_word[lo]
        table.add(f"scaling: time per word at {hi} vs at {lo} report(s)", f"{ratio:.2f}x", "<= 1.2x (flat)", ratio <= 1.2)
    return outs


CLI_CALLS = (("kg query partners", ["query", "partners"]), ('kg ask "Who funds UNICEF?"', ["ask", "Who funds UNICEF?"]))


def bench_cli(table: Table, small: Path, large: Path, n_small: int, n_large: int, repeat: int = 5) -> None:
    """`kg query` and `kg ask` as whole command-line calls on a small and a large build, measured alternately
    (median of `repeat`), after one call each that makes the store and the sentence index, once per build."""
    print(f"whole CLI calls on {n_small} and {n_large} report(s)", flush=True)
    for name, args in CLI_CALLS:
        samples: dict[int, list[float]] = {n_small: [], n_large: []}
        for out in (small, large):
            timed_command([KG, *args, "--out", str(out)])
        for _ in range(repeat):
            for n, out in ((n_small, small), (n_large, large)):
                samples[n].append(timed_command([KG, *args, "--out", str(out)]))
        lo, hi = statistics.median(samples[n_small]), statistics.median(samples[n_large])
        table.add(f"`{name}`, whole CLI call, {n_large} vs {n_small} report(s) (median of {repeat})",
                  f"{hi:.2f} s vs {lo:.2f} s = {hi / lo:.2f}x", "<= 2x and <= 1.5 s", hi / lo <= 2 and hi <= 1.5)


def bench_rebuild(table: Table, corpus: Path, out: Path, full_wall: float) -> None:
    """`kg build` again on a corpus already built into `out` (its cache is there) vs that full build."""
    print("rebuild with nothing changed", flush=True)
    again = timed_command([KG, "build", str(corpus), "--out", str(out)])
    n = len(list(corpus.glob("*.txt")))
    table.add(f"rebuild of {n} unchanged reports (`kg build` again) vs their full build (both whole processes)",
              f"{again:.1f} s vs {full_wall:.1f} s = {again / full_wall:.0%}", "<= 10%", again / full_wall <= 0.10,
              "" if (out / "cache").exists() else "TODO: no per-report cache in kg/build.py yet")


def library_queries() -> list[Path]:
    from extract.resources import data_path

    return sorted(data_path("queries").glob("*.rq"))


def median_query_s(store, text: str) -> tuple[float, int]:
    """Median seconds of a query (one warm-up, then up to 7 runs within about 2 s) and its row count."""
    import pyoxigraph

    times, rows = [], 0
    while len(times) < 8 and sum(times) < 2:
        t = time.perf_counter()
        res = store.query(text)
        rows = 1 if isinstance(res, pyoxigraph.QueryBoolean) else len(list(res))
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:] or times), rows


def bench_queries(table: Table, out: Path, n_reports: int, rdflib_timeout: float) -> list[str]:
    """Per-query latency on Oxigraph and rdflib; return the query texts fast enough for the load test."""
    from kg.dataset.store import load_store, write_store

    print(f"queries on the {n_reports}-report graph: Oxigraph vs rdflib", flush=True)
    t0 = time.perf_counter()
    write_store(out)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    disk = load_store(out)
    reopen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    memory = load_store(out, in_memory=True)
    memory_s = time.perf_counter() - t0
    table.add(f"{n_reports}-report dataset as `kg query` reads it ({len(disk):,} quads with the union graph): "
              "make out/store/ / reopen it / copy it into memory",
              f"{load_s:.1f} s / {reopen_s * 1000:.0f} ms / {memory_s:.1f} s", "")
    if not library_queries():
        table.add("query library", "no queries/*.rq found", "", None, "TODO: needs the query library")
        return []
    rd, _, _ = run_child(["rdflib-queries", str(out), str(rdflib_timeout)], timeout=rdflib_timeout * 20 + 300)
    table.add(f"rdflib: load the same dataset (`kg.dataset.load.load_dataset`: parse + entailments)", f"{rd['load_s']:.1f} s", "")
    rows, fast = [], []
    for q in rd["queries"]:
        t_mem, n = median_query_s(memory, q["text"])
        # RocksDB is measured only where it takes seconds, not minutes (it runs 2-5x slower than memory)
        t_disk = median_query_s(disk, q["text"])[0] if t_mem <= 0.25 else None
        rows.append((q, t_mem, t_disk, n))
        if t_mem <= 1.0:
            fast.append(q["text"])
    within = sum(1 for _, t, _, _ in rows if t <= 0.1)
    table.add("library queries with median latency <= 100 ms (Oxigraph in memory, as `kg serve` runs them)",
              f"{within} of {len(rows)}", f"{len(rows)} of {len(rows)}", within == len(rows))
    for q, t_mem, t_disk, n in sorted(rows, key=lambda r: -r[1]):
        params = ", ".join(f"{k}={v}" for k, v in q["params"].items()) or "no parameter"
        rdflib_ms = f"{q['rdflib_s'] * 1000:,.0f}" if q["rdflib_s"] is not None else f"> {rdflib_timeout * 1000:,.0f}"
        ratio = f"{q['rdflib_s'] / t_mem:,.1f}x" if q["rdflib_s"] is not None else f"> {rdflib_timeout / t_mem:,.0f}x"
        disk_ms = f"{t_disk * 1000:,.1f}" if t_disk is not None else "-"
        table.add(f"  `{name_of(q)}` ({params}; {n:,} rows): Oxigraph in memory / on RocksDB / rdflib, ms",
                  f"{t_mem * 1000:,.1f} / {disk_ms} / {rdflib_ms} ({ratio})", "<= 100 ms", t_mem <= 0.1)
    def rd_s(q):
        return q["rdflib_s"] if q["rdflib_s"] is not None else float("inf")
    heavy_q, heavy_t, _, _ = max(rows, key=lambda r: rd_s(r[0]))
    speedup = rd_s(heavy_q) / heavy_t
    shown = f"{speedup:,.0f}x" if speedup != float("inf") else f"> {rdflib_timeout / heavy_t:,.0f}x"
    table.add(f"heaviest query on rdflib (`{name_of(heavy_q)}`): Oxigraph in memory vs rdflib's default store",
              f"{shown} faster", ">= 10x", speedup >= 10)
    return fast


def name_of(q: dict) -> str:
    return q["name"]


def load_test(url: str, queries: list[str], clients: int, seconds: float) -> dict:
    """`clients` connections send the query library round robin for `seconds`, from wrk (Debian's `wrk`).

    A load generator in C rather than Python threads: with 20 httpx threads the client took 80% of a core and
    the server 15%, so the latencies measured the client (its GIL, and reading a 7 MB answer), not the server.
    Both servers get the same requests with the same headers as httpx sends (form POST, JSON results, gzip).
    """
    import resource
    from urllib.parse import urlencode

    if not Path(WRK).exists():
        raise RuntimeError("wrk is missing: apt-get install wrk (make system-deps)")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as bodies:
        bodies.write("".join(urlencode({"query": q}) + "\n" for q in queries))
        bodies.flush()
        cmd = [WRK, "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "60s", "-s", str(LOAD_SCRIPT),
               url, "--", bodies.name]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    wall = r["duration_us"] / 1e6
    kinds = ("connect", "read", "write", "status", "timeout")
    return {"errors": sum(r[k] for k in kinds), "first_error": ", ".join(f"{r[k]} {k}" for k in kinds if r[k]),
            "rps": r["requests"] / wall, "done": r["requests"], "p50": r["p50_us"] / 1e6, "p99": r["p99_us"] / 1e6,
            "client_cpu": (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall}


def _wait_http(url: str, proc, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode})")
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def endpoint_queries(out: Path) -> list[str]:
    """The library queries as the load test sends them: example parameters fixed in a VALUES block, those
    Oxigraph answers within a second (as bench_queries picks them); parameters resolved on the store."""
    from kg.query.library import example_parameters, list_queries
    from kg.query.run import resolve
    from kg.dataset.store import load_store

    memory = load_store(out, in_memory=True)
    texts = []
    for q in list_queries():
        declared = {p.name: p for p in q.parameters}
        bound = {k: [t.n3() for t in resolve(v, memory, declared[k].cls)] for k, v in example_parameters(q).items()}
        text = with_values(q.text, {k: v for k, v in bound.items() if v})
        if median_query_s(memory, text)[0] <= 1.0:
            texts.append(text)
    return texts


def warm_up(url: str, queries: list[str]) -> None:
    """Each query once, one after another, untimed: both servers are measured warm (pages, caches, plans)."""
    import httpx

    with httpx.Client(timeout=120) as c:
        for q in queries:
            c.post(url, data={"query": q}, headers={"Accept": "application/sparql-results+json"})


def _serve_under_load(out: Path, queries: list[str], clients: int, seconds: float, options: str) -> dict:
    """`kg serve` on `out` in its own process (make_server with `options`), loaded by `clients` connections.

    Stopped with Ctrl-C (SIGINT), as a user stops it, so that it closes its query workers: ended by SIGTERM, they
    ran on to the end of the query they held, into the next server's measurement.
    """
    import signal

    # Ctrl-C as in a terminal, also when this script was started in the background (which ignores SIGINT)
    script = ("import signal, sys; from kg.serve.app import make_server\n"
              "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
              f"s = make_server(sys.argv[1], port=0{options})\nprint(s.url, flush=True)\n"
              "try:\n    s.serve_forever()\nexcept KeyboardInterrupt:\n    pass\nfinally:\n    s.close()\n")
    proc = subprocess.Popen([PY, "-c", script, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip() + "sparql"
        _wait_http(url, proc)
        warm_up(url, queries)
        return load_test(url, queries, clients, seconds)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _oxigraph_under_load(out: Path, queries: list[str], clients: int, seconds: float) -> tuple[dict, dict]:
    """The same load on `oxigraph serve-read-only` over the same store (RocksDB); then, for scale, the same server
    answering `ASK {}` (no work at all) for a few seconds: the tail this machine gives any server."""
    from kg.dataset.store import store_path

    port = _free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(store_path(out)), "--bind",
                             f"127.0.0.1:{port}", "--timeout-s", "10"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/query"
        _wait_http(url, proc)
        warm_up(url, queries)
        loaded = load_test(url, queries, clients, seconds)
        time.sleep(11)  # the queries wrk left unanswered run on in Oxigraph up to its 10 s limit: let them end first
        return loaded, load_test(url, ["ASK {}"], clients, 8)
    finally:
        proc.terminate()
        proc.wait(10)


def _figures(r: dict) -> str:
    return (f"{r['errors']} / {r['done']:,} / {r['rps']:,.1f} req/s / {r['p50'] * 1000:,.0f} ms / "
            f"{r['p99'] * 1000:,.0f} ms ({r['p99'] / r['p50']:.1f}x)")


def bench_endpoint(table: Table, out: Path, n_reports: int, queries: list[str], clients: int, seconds: float) -> None:
    """`kg serve` as it runs, `kg serve` with its answer cache off and `oxigraph serve-read-only`, one after the
    other on the same store, each warmed by one round of the queries and then loaded for a share of `seconds`."""
    from kg.dataset.store import load_store

    n_library = len(library_queries())
    if not queries:
        queries = ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]
    print(f"endpoint under load: {clients} connections, {len(queries)} queries round robin, {seconds:.0f} s", flush=True)
    load_store(out)
    left_out = f"; {n_library - len(queries)} queries over 1 s left out" if n_library > len(queries) else ""
    what = f"{n_reports} reports, {len(queries)} library queries round robin{left_out}, {clients} connections (wrk)"
    runs = {"kg serve": _serve_under_load(out, queries, clients, seconds / 5, "")}
    # every request evaluated: what a stream of new queries meets
    runs["kg serve, answer cache off"] = _serve_under_load(out, queries, clients, seconds * 2 / 5, ", cache_bytes=0")
    floor = None
    if Path(OXIGRAPH).exists():
        runs["oxigraph serve-read-only"], floor = _oxigraph_under_load(out, queries, clients, seconds * 2 / 5)
    for name, r in runs.items():
        table.add(f"`{name}` ({what}): errors / requests / throughput / p50 / p99 (p99 / p50)", _figures(r),
                  "0 errors" if name == "kg serve" else "", r["errors"] == 0 if name == "kg serve" else None,
                  r["first_error"])
    r = runs["kg serve"]
    table.add("`kg serve`: p99 / p50 latency", f"{r['p99'] / r['p50']:.1f}x", "<= 3x", r["p99"] <= 3 * r["p50"])
    if floor:
        table.add("for scale, `oxigraph serve-read-only` answering `ASK {}` under the same load: p50 / p99 (p99 / p50)",
                  f"{floor['p50'] * 1000:.1f} ms / {floor['p99'] * 1000:.1f} ms ({floor['p99'] / floor['p50']:.1f}x)", "")
    table.add("load generator (wrk) busy, share of one core, per run",
              " / ".join(f"{x['client_cpu']:.0%}" for x in runs.values()), "")
    ox = runs.get("oxigraph serve-read-only")
    if ox:
        fresh = runs["kg serve, answer cache off"]
        table.add("throughput, `kg serve` vs `oxigraph serve-read-only` (cache on / cache off)",
                  f"{r['rps'] / ox['rps']:,.1f}x / {fresh['rps'] / ox['rps']:.1f}x", ">= 2x", r["rps"] >= 2 * ox["rps"])


# ---------------------------------------------------------------- push to external stores

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_store(kind: str, folder: Path) -> tuple[str, subprocess.Popen]:
    """A fresh Oxigraph server or Virtuoso (Debian's, its database in `folder`) on free loopback ports."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    if kind == "Oxigraph":
        cmd = [OXIGRAPH, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        query = f"http://127.0.0.1:{port}/query"
    else:
        lines, ports = [], iter((_free_port(), port))
        for line in VIRTUOSO_INI.read_text(encoding="utf-8").splitlines():
            key = line.split("=", 1)[0].strip()
            if key == "ServerPort":
                line = f"ServerPort = {next(ports)}"
            elif key in ("DatabaseFile", "ErrorLogFile", "LockFile", "TransactionFile", "xa_persistent_file"):
                line = f"{key} = {folder / Path(line.split('=', 1)[1].strip()).name}"
            elif key == "ServerRoot":
                line = f"ServerRoot = {folder}"
            lines.append(line)
        (folder / "virtuoso.ini").write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")]
        query = f"http://127.0.0.1:{port}/sparql"
    proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(query, proc, 120)
    except BaseException:
        proc.terminate()
        proc.wait(60)
        raise
    return f"http://127.0.0.1:{port}", proc


def bench_push(table: Table, work: Path, out: Path | None = None) -> None:
    """`kg push` of a build (default: the bundled reports) to a fresh Oxigraph and a fresh Virtuoso, by the Graph
    Store Protocol and by SPARQL Update with their default chunks: triples per second, each confirmed by the store."""
    from kg.push.upload import push
    from kg.dataset.store import load_store

    if out is None:
        out = work / "push-out"
        subprocess.run([KG, "build", "--out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    load_store(out)            # made once, as `kg serve` would have: not part of the push
    stores = ["Oxigraph"] + (["Virtuoso"] if Path(VIRTUOSO).exists() and VIRTUOSO_INI.exists() else [])
    print(f"push of {out} to {', '.join(stores)}", flush=True)
    for kind in stores:
        url, proc = _start_store(kind, work / f"push-{kind.lower()}")
        auth = {"user": "dba", "password": "dba"} if kind == "Virtuoso" else {}
        try:
            rates = {}
            for method in ("graph-store", "update"):
                runs = []
                for _ in range(2 if method == "graph-store" else 1):
                    t0 = time.perf_counter()
                    pushed = push(out, url, method=method, **auth)
                    runs.append(time.perf_counter() - t0)
                triples, s = sum(p.triples for p in pushed), min(runs)
                rates[method] = triples / s
                table.add(f"`kg push` to {kind} ({method}, {max(p.requests for p in pushed)} request(s) per graph at most, "
                          f"confirmed by COUNT): {triples:,} triples", f"{s:.2f} s = {triples / s:,.0f} triples/s", "")
            table.add(f"`kg push` to {kind}: Graph Store Protocol vs SPARQL Update",
                      f"{rates['graph-store'] / rates['update']:.1f}x faster", "")
        finally:
            proc.terminate()
            proc.wait(60)


def machine() -> str:
    import pyoxigraph
    import rdflib
    import spacy

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPU(s) {cpu}; Python {platform.python_version()}; "
            f"spaCy {spacy.__version__}; rdflib {rdflib.__version__}; pyoxigraph {pyoxigraph.__version__}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    p.add_argument("--push-only", nargs="?", type=Path, const=True, metavar="OUT",
                   help="only the push benchmark, on the bundled reports (or a folder already built); prints, writes nothing")
    p.add_argument("--clients", type=int, default=20, help="concurrent connections of the endpoint load test")
    p.add_argument("--rdflib-timeout", type=float, default=10, help="seconds one rdflib query may run")
    p.add_argument("--load-seconds", type=float, default=180, help="time budget of the endpoint load test")
    p.add_argument("--keep", type=Path, help="keep the corpora and outputs in this folder")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--endpoint-only", type=Path, metavar="OUT",
                   help="only the endpoint load test, on an output folder already built; prints, writes nothing")
    p.add_argument("--child", nargs=argparse.REMAINDER)
    p.add_argument("--corpus-only", action="store_true",
                   help="only the corpus builds vs nlp.pipe (build rate, memory, scaling) at --sizes; prints, writes nothing")
    p.add_argument("--mali-only", nargs="?", type=int, const=3, metavar="N",
                   help="only the Mali build vs bare spaCy, alternated N times (default 3); prints, writes nothing")
    p.add_argument("--cli-only", nargs=2, type=Path, metavar=("SMALL_OUT", "LARGE_OUT"),
                   help="only the kg query / kg ask call times, on two builds made before (e.g. of 1 and 50 reports)")
    a = p.parse_args()
    if a.cli_only:
        table = Table()
        small, large = a.cli_only
        bench_cli(table, small, large, *(len(json.loads((o / "summary.json").read_text())["reports"]) for o in (small, large)))
        print(f"\n{table.markdown()}")
        return
    if a.child:
        kind, *rest = a.child
        if kind == "build":
            result = child_build(rest[1:], rest[0])
        elif kind == "spacy":
            result = child_spacy(rest)
        else:
            result = child_rdflib_queries(rest[0], float(rest[1]))
        print(json.dumps(result))
        return

    if a.endpoint_only:
        table = Table()
        out = a.endpoint_only.resolve()
        n_reports = len(json.loads((out / "summary.json").read_text(encoding="utf-8"))["reports"])
        bench_endpoint(table, out, n_reports, endpoint_queries(out), a.clients, a.load_seconds)
        print(f"\n{machine()}\n\n{table.markdown()}")
        return
    t_start = time.perf_counter()
    work = a.keep or Path(tempfile.mkdtemp(prefix="reportkg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if a.mali_only:
        table = Table()
        try:
            bench_mali(table, work, a.mali_only)
        finally:
            if not a.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(f"\n{machine()}\n\n{table.markdown()}")
        return
    if a.corpus_only:
        table = Table()
        try:
            bench_corpus(table, work, sorted(a.sizes))
        finally:
            if not a.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(f"\n{machine()}\n\n{table.markdown()}")
        return
    if a.push_only:
        table = Table()
        try:
            bench_push(table, work, None if a.push_only is True else a.push_only.resolve())
        finally:
            if not a.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(f"\n{machine()}\n\n{table.markdown()}")
        return
    table = Table()
    def phase(name, fn, *args):
        """Run one measurement; a failure becomes a row of the table, and the run goes on."""
        try:
            return fn(*args)
        except Exception as exc:  # a benchmark reports, it does not stop at the first broken step
            table.add(f"{name}: FAILED", " ".join(f"{type(exc).__name__}: {exc}".split())[:200], "")
            return None

    try:
        phase("Mali build", bench_mali, table, work)
        outs = phase("corpus builds", bench_corpus, table, work, sorted(a.sizes))
        if outs:
            largest = max(outs)
            mid = sorted(outs)[len(outs) // 2] if len(outs) > 1 else largest
            phase("rebuild", bench_rebuild, table, work / f"corpus-{mid}", *outs[mid])
            fast = phase("queries", bench_queries, table, outs[largest][0], largest, a.rdflib_timeout)
            if len(outs) > 1:
                phase("cli calls", bench_cli, table, outs[min(outs)][0], outs[largest][0], min(outs), largest)
            phase("endpoint", bench_endpoint, table, outs[largest][0], largest, fast or [], a.clients, a.load_seconds)
        phase("push", bench_push, table, work)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - t_start
    text = (f"# Benchmarks\n\nMeasured by `make bench` (`benchmarks/run.py`) in one run of {total / 60:.1f} minutes.\n"
            f"{machine()}.\n\n{table.markdown()}\n")
    a.results.parent.mkdir(parents=True, exist_ok=True)
    a.results.write_text(text, encoding="utf-8")
    print(f"\n{table.markdown()}\n\nwrote {a.results} in {total:.0f} s")


if __name__ == "__main__":
    main()
