"""The endpoint's event loop over raw sockets: kept answers replayed, pipelining, 100-continue, closing, a loop never blocked."""
from __future__ import annotations

import socket
import threading
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import httpx
import pytest

from kg.serve.cache import REPLY_MAX, Replies, Reply

EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(out_dir):
    """`kg.serve` in this process (its cache and replies can be looked at), one query worker."""
    from kg.serve.app import make_server

    s = make_server(out_dir, port=0, workers=1, timeout_s=30, watch_s=None)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    yield s
    s.close()


def post(query: str, extra: str = "") -> bytes:
    body = urlencode({"query": query}).encode()
    return (f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Accept: application/sparql-results+json\r\n{extra}Content-Length: {len(body)}\r\n\r\n").encode() + body


def read_response(f) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response read off a socket file: status, headers (lower-cased names), body."""
    status = int(f.readline().split()[1])
    headers = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, f.read(int(headers.get("content-length", 0)))


def exchange(server, *requests: bytes) -> list[tuple[int, dict, bytes]]:
    """Send the requests on one connection, all at once (pipelined), and read as many responses."""
    with socket.create_connection(server.server_address[:2], timeout=60) as sock:
        sock.sendall(b"".join(requests))
        f = sock.makefile("rb")
        return [read_response(f) for _ in requests]


def library_query(server) -> str:
    from kg.serve.app import load_query_library

    return load_query_library()[0]["sparql"]


def test_a_request_seen_before_is_answered_with_its_response_and_a_fresh_date(server):
    q = library_query(server)
    raw = post(q)
    (s1, h1, b1), = exchange(server, raw)
    assert raw in server.endpoint.build.replies.items  # kept: the library's queries are answered at start
    time.sleep(1.1)  # so that a Date kept with the response would show
    (s2, h2, b2), (s3, h3, b3) = exchange(server, raw, raw)
    assert s1 == s2 == s3 == 200 and b1 == b2 == b3 and b1.startswith(b'{"head"')
    assert {k: v for k, v in h1.items() if k != "date"} == {k: v for k, v in h3.items() if k != "date"}
    assert parsedate_to_datetime(h1["date"]) < parsedate_to_datetime(h3["date"])
    # the same rows as a client that is no raw socket gets, through the handler
    fresh = httpx.post(server.url + "sparql", data={"query": q, "x": "1"}, headers={"Accept": "application/sparql-results+json"})
    assert fresh.json() == httpx.post(server.url + "sparql", data={"query": q}).json()


def test_pipelined_requests_are_answered_in_order(server):
    responses = exchange(server, post("ASK { ?s ?p ?o }"), b"GET /no-such-page HTTP/1.1\r\nHost: x\r\n\r\n",
                         post("ASK { <urn:x:none> ?p ?o }"), post("ASK { ?s ?p ?o }"))
    assert [r[0] for r in responses] == [200, 404, 200, 200]
    assert [b'"boolean":true' in r[2] for r in responses] == [True, False, False, True]


def test_a_response_ends_the_connection_when_the_request_asks(server):
    for _ in range(2):  # the second time from the replies
        with socket.create_connection(server.server_address[:2], timeout=60) as sock:
            sock.sendall(post(library_query(server), "Connection: close\r\n"))
            f = sock.makefile("rb")
            status, headers, body = read_response(f)
            assert status == 200 and headers["connection"] == "close" and body
            assert f.read() == b""  # closed by the server


def test_expect_100_continue_is_answered_before_the_body_is_sent(server):
    body = urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
    head = (f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(server.server_address[:2], timeout=60) as sock:
        sock.sendall(head)
        f = sock.makefile("rb")
        assert f.readline() == b"HTTP/1.1 100 Continue\r\n" and f.readline() == b"\r\n"
        sock.sendall(body)
        status, _, answer = read_response(f)
    assert status == 200 and b'"boolean":true' in answer


def test_a_kept_answer_is_written_while_the_only_worker_runs_a_query(server):
    """The event loop never waits for a worker: with the one worker busy, a kept answer still comes."""
    def run_away():
        try:
            httpx.post(server.url + "sparql", data={"query": EXPLOSIVE}, timeout=120)
        except httpx.HTTPError:  # the server closes at the end of the module, before the query's time limit
            pass

    runaway = threading.Thread(target=run_away, daemon=True)
    runaway.start()
    deadline = time.monotonic() + 30
    while server.endpoint.pool.idle.qsize() and time.monotonic() < deadline:  # until the worker has taken it
        time.sleep(0.05)
    assert server.endpoint.pool.idle.qsize() == 0, "the runaway query never reached the worker"
    (status, _, body), = exchange(server, post(library_query(server)))
    assert status == 200 and body.startswith(b'{"head"')
    assert runaway.is_alive() and server.endpoint.pool.idle.qsize() == 0  # answered while the worker was busy


def test_replies_keep_the_newest_within_their_byte_limit():
    def reply(n: int) -> Reply:
        return Reply(("q", n), b"HTTP/1.1 200 OK\r\nServer: s\r\nDate: then\r\nContent-Length: 1\r\n\r\n", b"x", False)

    replies = Replies(limit=1000)
    for n in range(20):
        replies.put(b"%03d" % n + b" " * 100, reply(n))
    kept = [r.key[1] for r in replies.items.values()]
    assert kept == list(range(20 - len(kept), 20)) and 0 < replies.size <= 1000
    assert reply(0).head(b"now") == b"HTTP/1.1 200 OK\r\nServer: s\r\nDate: now\r\nContent-Length: 1\r\n\r\n"
    replies.put(b"x" * (REPLY_MAX + 1), reply(99))
    assert b"x" * (REPLY_MAX + 1) not in replies.items
    raw = next(iter(replies.items))
    replies.drop(raw)
    assert raw not in replies.items and replies.size == sum(len(k) + len(r.before_date) + len(r.after_date)
                                                             for k, r in replies.items.items())


def test_a_file_larger_than_a_read_comes_whole_and_the_connection_goes_on(server, out_dir):
    from kg.serve.app import FILE_CHUNK

    big = max(out_dir.glob("*.t*"), key=lambda p: p.stat().st_size)  # graph.trig or graph.ttl
    assert big.stat().st_size > 2 * FILE_CHUNK
    (status, headers, body), (s2, _, answer) = exchange(
        server, f"GET /{big.name} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), post("ASK { ?s ?p ?o }"))
    assert status == 200 and int(headers["content-length"]) == len(body) and body == big.read_bytes()
    assert s2 == 200 and b'"boolean":true' in answer  # the next request on the connection, after the file


def test_a_head_over_the_limit_is_refused_and_the_connection_closed(server):
    from kg.serve.app import MAX_HEAD

    with socket.create_connection(server.server_address[:2], timeout=60) as sock:
        sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (MAX_HEAD + 10))
        f = sock.makefile("rb")
        status, _, _ = read_response(f)
        assert status == 431 and f.read() == b""


def test_a_client_that_stops_reading_holds_up_no_one_else(server):
    """A connection whose client reads nothing while it pipelines requests for big answers: others are answered."""
    q = library_query(server)
    with socket.create_connection(server.server_address[:2], timeout=60) as stalled:
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.setblocking(False)
        sent = 0
        try:
            for _ in range(2000):
                sent += stalled.send(post(q))
        except BlockingIOError:
            pass
        assert sent
        (status, _, body), = exchange(server, post(q))
        assert status == 200 and body.startswith(b'{"head"')


def test_the_event_loop_is_uvloop_where_it_is_installed():
    from kg.serve.app import new_event_loop

    uvloop = pytest.importorskip("uvloop")
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_closing_the_pool_while_a_query_runs_ends_its_worker_once(out_dir):
    """close() and the handler whose query it stops both end that worker: one of them does, the other nothing."""
    from kg.serve.workers import QueryPool, QueryRejected

    pool = QueryPool(out_dir, 1)
    failed: list = []

    def run_away():
        try:
            pool.run({"query": EXPLOSIVE, "solution_type": "application/sparql-results+json", "graph_type": None,
                      "max_result": 10**9}, timeout=120)
        except QueryRejected as exc:
            failed.append(exc)

    runaway = threading.Thread(target=run_away)
    runaway.start()
    deadline = time.monotonic() + 30
    while pool.idle.qsize() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.idle.qsize() == 0, "the runaway query never reached the worker"
    worker, = pool.workers
    kills = []
    kill = worker.kill
    worker.kill = lambda: (kills.append(threading.current_thread().name), kill())
    pool.close()  # raised OSError (a pipe closed twice) when the handler's thread ended the worker at the same time
    runaway.join(30)
    assert not runaway.is_alive() and len(failed) == 1 and not pool.workers
    assert len(kills) == 1 and not worker.process.is_alive() and worker.conn.closed
