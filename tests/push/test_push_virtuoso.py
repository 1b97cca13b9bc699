"""`kg push` to a real Virtuoso 7 (Debian's virtuoso-opensource), started once for this module with its own database
in a temporary folder on free ports: HTTP Digest on its -auth paths, Graph Store and SPARQL Update, and the failures."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from kg.push.compare import check
from kg.push.endpoints import PushError, PushHttpError
from kg.push.upload import push
from tests.push.test_push import (assert_one_clear_line, free_port, graph_counts, kg, mismatches_with_kg_query,
                             remote_counts, stop, wait_until_answers)

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
USER, PASSWORD = "dba", "dba"      # a new Virtuoso database's administrator
MALI_GRAPH = "https://w3id.org/reportkg/report/unicef-mali-2021-country-office-annual-report"


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    """Debian's virtuoso.ini with the database, its logs and the HTTP root in `folder`, on the given ports."""
    lines, ports = [], iter((sql_port, http_port))   # [Parameters] ServerPort comes first, then [HTTPServer]'s
    for line in INI.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "ServerPort":
            line = f"ServerPort = {next(ports)}"
        elif key in ("DatabaseFile", "ErrorLogFile", "LockFile", "TransactionFile", "xa_persistent_file"):
            line = f"{key} = {folder / Path(line.split('=', 1)[1].strip()).name}"
        elif key == "ServerRoot":
            line = f"ServerRoot = {folder}"
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """One Virtuoso for the module; stopped afterwards whatever happens."""
    if not (Path(VIRTUOSO).exists() and INI.exists()):
        pytest.fail("virtuoso-t missing: install Debian's virtuoso-opensource (make system-deps)")
    folder = tmp_path_factory.mktemp("virtuoso")
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(folder, free_port(), free_port()), encoding="utf-8")
    port = int(re.findall(r"^ServerPort = (\d+)", ini.read_text(), re.M)[1])
    proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answers(url + "/sparql", proc, 120)
        yield url
    finally:
        stop(proc, 60)


@pytest.fixture(scope="module")
def local(out_dir):
    from kg.dataset.load import load_dataset

    return load_dataset(out_dir)


def test_cli_push_to_the_server_root_with_digest_answers_as_kg_query(virtuoso, out_dir, local):
    result = kg("push", "--endpoint", virtuoso, "--user", USER, "--out", str(out_dir), env={"KG_PUSH_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    assert "graph-store" in result.stdout and "the store holds them all" in result.stdout
    expected = graph_counts(local)
    assert remote_counts(virtuoso + "/sparql", expected) == expected
    assert mismatches_with_kg_query(virtuoso + "/sparql", local) == []
    checked = kg("push", "--endpoint", virtuoso, "--out", str(out_dir), "--check")
    assert checked.returncode == 0 and "same rows" in checked.stdout, checked.stdout + checked.stderr


def test_sparql_update_with_digest_in_chunks_and_blank_nodes(virtuoso, out_dir, local):
    """/sparql-auth: DROP + INSERT in requests Virtuoso's SPARQL compiler accepts (it refuses 2,000 triples in one
    INSERT DATA, and blank nodes in INSERT DATA at all, which the ontology's property chains need)."""
    pushed = push(out_dir, virtuoso + "/sparql-auth", user=USER, password=PASSWORD)
    assert {p.method for p in pushed} == {"update"} and max(p.requests for p in pushed) > 1
    expected = graph_counts(local)
    assert remote_counts(virtuoso + "/sparql", expected) == expected
    assert check(out_dir, virtuoso) == []


def test_push_again_converges(virtuoso, out_dir, local):
    stray = f"INSERT DATA {{ GRAPH <{MALI_GRAPH}> {{ <urn:x:a> <urn:x:b> 1 }} }}"
    httpx.post(virtuoso + "/sparql-auth", content=stray, headers={"Content-Type": "application/sparql-update"},
               auth=httpx.DigestAuth(USER, PASSWORD), timeout=60).raise_for_status()
    assert remote_counts(virtuoso + "/sparql", [MALI_GRAPH])[MALI_GRAPH] == graph_counts(local)[MALI_GRAPH] + 1
    push(out_dir, virtuoso, user=USER, password=PASSWORD)
    push(out_dir, virtuoso, user=USER, password=PASSWORD)
    assert remote_counts(virtuoso + "/sparql", graph_counts(local)) == graph_counts(local)


def test_wrong_password_is_one_clear_line(virtuoso, out_dir):
    with pytest.raises(PushHttpError) as exc:
        push(out_dir, virtuoso, user=USER, password="not-the-password")
    assert exc.value.status == 401
    result = kg("push", "--endpoint", virtuoso, "--user", USER, "--out", str(out_dir),
                env={"KG_PUSH_PASSWORD": "not-the-password"})
    assert_one_clear_line(result, "HTTP 401", "wrong user or password")


def test_without_a_user_virtuoso_refuses_and_the_line_says_what_to_do(virtuoso, out_dir):
    result = kg("push", "--endpoint", virtuoso, "--out", str(out_dir))
    assert_one_clear_line(result, "HTTP 403", "--user")
    with pytest.raises(PushError, match="permission"):
        push(out_dir, virtuoso + "/sparql")          # the public endpoint answers queries, not updates
