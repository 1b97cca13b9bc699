"""`kg serve` serves what was built: `kg build` into the served folder while clients query, and the answers follow."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MALI = "unicef-mali-2021-country-office-annual-report"
HAITI = "wfp-haiti-2025-10-country-brief"
REPORTS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a rk:Sentence } } ORDER BY ?g"


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=600)


def served_reports(c: httpx.Client) -> list[str]:
    r = c.get("/sparql", params={"query": REPORTS})
    r.raise_for_status()
    return [b["g"]["value"].rsplit("/", 1)[-1] for b in r.json()["results"]["bindings"]]


@pytest.fixture()
def haiti_folder(tmp_path):
    """A folder built from one report (the Haiti brief), by `kg build` as a user runs it."""
    reports = tmp_path / "reports"
    reports.mkdir()
    for slug in (MALI, HAITI):
        for suffix in (".txt", ".meta.json"):
            shutil.copy(ROOT / "reports" / f"{slug}{suffix}", reports / f"{slug}{suffix}")
    out = tmp_path / "out"
    r = kg("build", str(reports / f"{HAITI}.txt"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return reports, out


def test_a_build_under_a_running_server_is_served(haiti_folder):
    reports, out = haiti_folder
    script = ("import sys; from kg.serve.app import make_server\n"
              "s = make_server(sys.argv[1], port=0, timeout_s=10, workers=2)\n"
              "print(s.url, flush=True)\ns.serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip().rstrip("/")
        assert url.startswith("http://127.0.0.1:"), "the server did not start"
        with httpx.Client(base_url=url, timeout=60) as c:
            assert served_reports(c) == [HAITI]
            old_index = c.get("/").text

            # clients keep asking while the build runs and lands; every answer must be a whole, right one
            answers: list[tuple[float, int, list[str] | str]] = []
            stop = threading.Event()

            def client():
                with httpx.Client(base_url=url, timeout=60) as cc:
                    while not stop.is_set():
                        try:
                            r = cc.get("/sparql", params={"query": REPORTS})
                            got = [b["g"]["value"].rsplit("/", 1)[-1] for b in r.json()["results"]["bindings"]] \
                                if r.status_code == 200 else r.text
                            answers.append((time.monotonic(), r.status_code, got))
                        except httpx.HTTPError as exc:
                            answers.append((time.monotonic(), 0, str(exc)))
                        time.sleep(0.01)

            clients = [threading.Thread(target=client) for _ in range(3)]
            for t in clients:
                t.start()
            try:
                r = kg("build", str(reports / f"{MALI}.txt"), "--out", str(out))
                built_at = time.monotonic()
                assert r.returncode == 0, r.stderr
                made = (out / "store" / "source.json").stat()  # the build landed with its store made
                deadline = built_at + 60  # a generous bound on a loaded machine, not the measure
                while time.monotonic() < deadline and (not answers or answers[-1][2] != [MALI]):
                    time.sleep(0.05)
                time.sleep(0.5)  # a few answers more after the switch
            finally:
                stop.set()
                for t in clients:
                    t.join(60)

            failed = [a for a in answers if a[1] != 200]
            assert not failed, f"requests failed during the rebuild: {failed[:3]}"
            seen = [a[2] for a in answers]
            assert set(map(tuple, seen)) <= {(HAITI,), (MALI,)}, "an answer mixed the two builds"
            assert [MALI] in seen, "the server never answered from the new build"
            first_new = seen.index([MALI])
            assert all(a == [MALI] for a in seen[first_new:]), "an answer from the old build came after the new one"
            switched = answers[first_new][0] - built_at
            print(f"answers switched {switched:.2f} s after kg build returned; {len(answers)} requests, none failed")

            assert served_reports(c) == [MALI]
            now = (out / "store" / "source.json").stat()
            assert (now.st_ino, now.st_mtime_ns) == (made.st_ino, made.st_mtime_ns), \
                "the server remade the store the build wrote instead of opening it"
            index = c.get("/").text
            assert index != old_index and MALI in index  # the pages are the new build's too
            assert c.get("/summary.json").json() == __import__("json").loads((out / "summary.json").read_text())
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def test_a_broken_build_keeps_the_old_one_served(haiti_folder):
    """A graph.trig that cannot be read (written by hand, not by kg build) does not take the endpoint down."""
    from kg.serve.app import make_server

    _, out = haiti_folder
    server = make_server(out, port=0, workers=1, watch_s=None)
    try:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with httpx.Client(base_url=server.url.rstrip("/"), timeout=60) as c:
            assert served_reports(c) == [HAITI]
            (out / "graph.trig").write_text("this is not TriG {", encoding="utf-8")
            assert server.endpoint.refresh() is False
            assert served_reports(c) == [HAITI]
    finally:
        server.shutdown()
        server.close()


def test_what_was_asked_of_the_old_build_is_answered_by_the_new_one_before_the_switch(haiti_folder):
    """When a new build is served, the requests clients asked most recently of the old one have been answered
    again by the new one's workers: they are in its cache from the switch on, with the new build's rows."""
    from kg.serve.app import make_server

    reports, out = haiti_folder
    server = make_server(out, port=0, workers=1, watch_s=None)
    try:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with httpx.Client(base_url=server.url.rstrip("/"), timeout=60) as c:
            assert served_reports(c) == [HAITI]
            r = kg("build", str(reports / f"{MALI}.txt"), "--out", str(out))
            assert r.returncode == 0, r.stderr
            assert server.endpoint.refresh() is True
            kept = [a for key, a in server.endpoint.build.cache.items.items() if key[0] == REPORTS]
            assert len(kept) == 1, "the request asked of the old build was not answered ahead"
            # only what clients asked: the library's answers made ahead at start, never asked, are not made again
            assert {key[0] for key in server.endpoint.build.cache.items} == {REPORTS}
            bindings = json.loads(kept[0].body)["results"]["bindings"]
            assert [b["g"]["value"].rsplit("/", 1)[-1] for b in bindings] == [MALI]
            assert served_reports(c) == [MALI]
    finally:
        server.shutdown()
        server.close()


@pytest.mark.parametrize("graph", [None, "this is not TriG {\n<urn:x:a> <urn:x:b> .\n"])
def test_kg_serve_without_a_readable_graph_is_one_line(tmp_path, graph):
    if graph is not None:
        (tmp_path / "graph.trig").write_text(graph, encoding="utf-8")
    r = kg("serve", "--out", str(tmp_path), "--port", "0")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    lines = (r.stdout + r.stderr).strip().splitlines()
    assert len(lines) == 1 and "graph.trig" in lines[0], lines
