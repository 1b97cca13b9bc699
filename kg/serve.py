"""Serve a built output folder over HTTP: a read-only SPARQL 1.1 Protocol endpoint at /sparql, the pages, a query page."""
from __future__ import annotations

import functools
import json
import mimetypes
import os
import queue
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# Limits, documented in the README: a SPARQL request body over MAX_BODY bytes is refused with 413; a query
# running longer than the time limit is killed (its worker process ends) and answered with 503; a result
# over MAX_RESULT bytes is refused with 503 (add a LIMIT).
MAX_BODY = 1024 * 1024
MAX_RESULT = 64 * 1024 * 1024
MAX_QUESTION = 10_000  # characters of a question /ask reads
WORKER_MEMORY = 4 * 1024 ** 3  # address-space cap per query worker (its copy of the store included), so one query cannot exhaust the machine

CACHE_BYTES = 256 * 1024 ** 2  # answers kept per served build (identical requests are answered from here)
GZIP_MIN, GZIP_LEVEL = 4096, 6  # cached answers at least this big go gzip-compressed to clients that accept it
WATCH_S = 0.25  # how often the folder is checked for a finished build

QUERY_PAGE = Path(__file__).resolve().parent / "assets" / "query.html"
HIDDEN_DIRS = ("store",)  # the database files are not pages

# Offers in the server's order of preference (the first is the default).
SOLUTION_TYPES = {
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML",
    "text/csv": "CSV", "text/tab-separated-values": "TSV", "text/xml": "XML",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE", "application/turtle": "TURTLE",
    "application/ld+json": "JSON_LD", "application/n-triples": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML", "application/xml": "RDF_XML", "text/plain": "N_TRIPLES",
}
CHARSET_TYPES = ("text/", "application/sparql-results+json", "application/json", "application/ld+json")
FORMAT_PARAM = {  # ?format=... overrides Accept, for links typed in a browser
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json", "nt": "application/n-triples",
    "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml",
}
FILE_TYPES = {".trig": "application/trig", ".ttl": "text/turtle", ".rq": "application/sparql-query",
              ".tsv": "text/tab-separated-values", ".nq": "application/n-quads", ".jsonld": "application/ld+json"}


class ServeError(OSError):
    """The endpoint cannot start: no built graph, or the address is in use."""


class QueryRejected(Exception):
    """A SPARQL request the endpoint answers with an HTTP error status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------- content negotiation

def _parse_accept(header: str) -> list[tuple[str, float, int]]:
    ranges = []
    for i, part in enumerate((header or "*/*").split(",")):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if not mtype:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((mtype, q, i))
    return ranges


def negotiate(accept: str, offers: list[str]) -> str | None:
    """The offer the Accept header prefers: highest q, then the most specific range, then the server's order."""
    ranges = _parse_accept(accept)
    best, best_key = None, None
    for order, offer in enumerate(offers):
        major = offer.split("/")[0]
        match = None  # (specificity, q) of the most specific matching range
        for mtype, q, _ in ranges:
            spec = 3 if mtype == offer else 2 if mtype == f"{major}/*" else 1 if mtype == "*/*" else 0
            if spec and (match is None or spec > match[0]):
                match = (spec, q)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -order)
        if best_key is None or key > best_key:
            best, best_key = offer, key
    return best


# ---------------------------------------------------------------- what a query may do

READ_ONLY = "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) is refused"
REMOTE = {  # parse-tree nodes that would read data from elsewhere, and why they are refused
    "ServiceGraphPattern": "SERVICE is refused: this endpoint answers from its own graph and calls no other endpoint",
    "DatasetClause": "FROM and FROM NAMED are refused: this endpoint answers from the built graph only "
                     "(read one report's graph with GRAPH <report IRI> { ... })",
}
UNSTABLE = {"Builtin_NOW", "Builtin_RAND", "Builtin_UUID", "Builtin_STRUUID"}  # answers differ per run: not cached


def _node_names(tree):
    """The names of every node of an rdflib SPARQL parse tree (CompValue), depth first."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n.name
            stack.extend(dict.values(n))
        elif isinstance(n, (ParseResults, list, tuple)):
            stack.extend(n)


@functools.lru_cache(maxsize=4096)
def check_query(text: str) -> bool:
    """Refuse (QueryRejected, 400) anything but a query of the served graph; return whether its answer may be cached.

    Decided by rdflib's SPARQL parser before Oxigraph sees the text: SERVICE (which Oxigraph evaluates by
    fetching the URL), FROM / FROM NAMED, and any Update (LOAD, INSERT, ...), however written (any case,
    comments, \\u escapes, nested in subqueries). Text the parser cannot read is refused, not passed on.
    """
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(text)
    except Exception as exc:  # pyparsing's ParseException, or rdflib's own errors on bad escapes and IRIs
        try:
            parseUpdate(text)
        except Exception:
            raise QueryRejected(400, f"SPARQL syntax error: {' '.join(str(exc).split())}") from None
        raise QueryRejected(400, READ_ONLY) from None
    names = set(_node_names(tree))
    for name, why in REMOTE.items():
        if name in names:
            raise QueryRejected(400, why)
    return not names & UNSTABLE


def query_prefixes() -> dict[str, str]:
    """The prefixes `kg query` predeclares, predeclared here the same way (one definition, in kg.query)."""
    from kg.query import query_prefixes as prefixes

    return prefixes()


def close_network() -> None:
    """Shut this process off the network: opening any socket but a local (Unix) one fails from now on.

    The second lock behind check_query: Oxigraph has no switch to turn SERVICE off, so a query worker runs
    under a seccomp filter (libseccomp, all threads), and a SERVICE that got past the check cannot connect.
    """
    import errno
    import socket

    import pyseccomp as seccomp

    f = seccomp.SyscallFilter(seccomp.ALLOW)
    f.set_attr(seccomp.Attr.CTL_TSYNC, 1)
    f.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "io_uring_setup")  # io_uring opens sockets without socket()
    f.load()


def accepts_gzip(header: str) -> bool:
    """True when an Accept-Encoding header admits gzip (by name or by `*`), without q=0."""
    codings = {c: q for c, q, _ in _parse_accept(header)} if header.strip() else {}
    return codings.get("gzip", codings.get("*", 0)) > 0


# ---------------------------------------------------------------- query workers

def _content_type(mtype: str) -> str:
    return f"{mtype}; charset=utf-8" if mtype.startswith(CHARSET_TYPES) else mtype


class _Capped:
    """A write-only buffer that refuses to grow past a limit."""

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, b) -> int:
        self.size += len(b)
        if self.size > self.limit:
            raise OverflowError
        self.parts.append(bytes(b))
        return len(b)

    def flush(self) -> None:
        pass


@functools.cache
def _prefixes() -> dict[str, str]:
    """The graph's prefixes, for readable Turtle from CONSTRUCT and DESCRIBE."""
    from rdflib import RDF, RDFS, XSD

    from kg.graph import PREFIXES

    return {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), **{k: str(v) for k, v in PREFIXES.items()}}


def _run_one(store, request: dict) -> tuple:
    import pyoxigraph as ox

    try:
        cacheable = check_query(request["query"])
    except QueryRejected as exc:
        return ("error", exc.status, str(exc))
    try:  # the store's default graph is already the union of the reports (see kg.store)
        result = store.query(request["query"], prefixes=query_prefixes())
    except SyntaxError as exc:
        return ("error", 400, f"SPARQL syntax error: {exc}")
    out = _Capped(request["max_result"])
    if isinstance(result, ox.QueryTriples):
        mtype = request["graph_type"]
        if mtype is None:
            return ("error", 406, "no acceptable format for a graph result; accept one of " + ", ".join(GRAPH_TYPES))
        triples = list(dict.fromkeys(result))  # DESCRIBE over several named graphs may repeat a triple
        fmt = getattr(ox.RdfFormat, GRAPH_TYPES[mtype])
        if fmt == ox.RdfFormat.TURTLE:
            ox.serialize(triples, out, format=fmt, prefixes=_prefixes())
        else:
            ox.serialize(triples, out, format=fmt)
    else:
        mtype = request["solution_type"]
        if mtype is None:
            return ("error", 406, "no acceptable format for query results; accept one of " + ", ".join(SOLUTION_TYPES))
        result.serialize(out, format=getattr(ox.QueryResultsFormat, SOLUTION_TYPES[mtype]))
    return ("ok", _content_type(mtype), b"".join(out.parts), cacheable)


def _work(out_dir: str, in_memory: bool, conn, memory: int | None) -> None:
    """A query worker process: open the store (a copy in memory by default), then answer requests until the pipe closes."""
    from kg.store import load_store

    if memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        store = load_store(Path(out_dir), in_memory=in_memory)
        query_prefixes(), check_query("ASK {}")  # import the parser and read the prefixes while files may be read
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    try:
        close_network()
    except Exception as exc:  # no libseccomp, or a kernel without seccomp: refuse to serve rather than serve open
        conn.send(("failed", f"cannot shut the query worker off the network ({type(exc).__name__}: {exc}); "
                             "kg serve needs Linux with libseccomp (Debian: libseccomp2)"))
        return
    conn.send(("ready",))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = _run_one(store, request)
        except OverflowError:
            reply = ("error", 503, f"the result is larger than {request['max_result']} bytes; add a LIMIT")
        except MemoryError:
            reply = ("error", 503, "the query ran out of memory; narrow it or add a LIMIT")
        except Exception as exc:  # an engine error is this request's failure, not the worker's
            reply = ("error", 500, f"query failed: {type(exc).__name__}: {exc}")
        conn.send(reply)


class _Worker:
    def __init__(self, ctx, out_dir: str, in_memory: bool, memory: int | None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_work, args=(out_dir, in_memory, child, memory), daemon=True,
                                   name="kg-query-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> str:
        """"" when the worker is ready, else why not."""
        try:
            if not self.conn.poll(timeout):
                return f"not ready after {timeout:g} s"
            reply = self.conn.recv()
        except (EOFError, OSError):
            return "it exited while opening the store"
        return "" if reply == ("ready",) else reply[1]

    def kill(self) -> None:
        self.process.kill()
        self.process.join(2)
        self.conn.close()


class _Retired(Exception):
    """The pool was retired (a newer build is served) before a worker came free: ask the new pool."""


_RETIRED = object()  # in a retired pool's idle queue instead of a worker


class QueryPool:
    """Worker processes that each hold the store open; a query past its deadline is stopped by killing its worker.

    Oxigraph cannot cancel a running query (and `oxigraph serve --timeout-s` lets it run on, burning a core),
    so each query runs in a process of its own that can be ended, and a fresh worker takes its place.
    """

    def __init__(self, out_dir: Path, size: int, in_memory: bool = True, memory: int | None = WORKER_MEMORY,
                 queue_s: float = 60):
        import multiprocessing

        self.out_dir, self.size, self.in_memory, self.memory = str(out_dir), size, in_memory, memory
        self.queue_s = queue_s
        self.ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self.idle: queue.Queue = queue.Queue()
        self.workers: set[_Worker] = set()  # idle or busy, so close() ends them all
        self.closed = False
        self.lock = threading.Lock()  # `closed` and the idle queue change together
        starting = [self._start() for _ in range(size)]
        for w in starting:
            why = w.wait_ready(300)
            if why:
                for x in starting:
                    self._end(x)
                raise ServeError(f"{out_dir}: a query worker could not open the store: {why}")
            self.idle.put(w)

    def _start(self) -> _Worker:
        w = _Worker(self.ctx, self.out_dir, self.in_memory, self.memory)
        self.workers.add(w)
        return w

    def _end(self, w: _Worker) -> None:
        self.workers.discard(w)
        w.kill()

    def _release(self, w: _Worker) -> None:
        """A worker done with its query goes back to the idle queue, or ends if the pool was retired meanwhile."""
        with self.lock:
            if not self.closed:
                self.idle.put(w)
                return
        self._end(w)

    def _replace(self) -> None:
        def start():
            w = self._start()
            if w.wait_ready(300):
                self._end(w)
            else:
                self._release(w)
        threading.Thread(target=start, daemon=True).start()

    def run(self, request: dict, timeout: float) -> tuple:
        """Run one query request: wait up to queue_s for a free worker, then allow it `timeout` seconds."""
        try:
            worker = self.idle.get(timeout=self.queue_s)  # first come, first served
        except queue.Empty:
            raise QueryRejected(503, f"all {self.size} query workers stayed busy for {self.queue_s:g} s; "
                                     "try again shortly") from None
        if worker is _RETIRED:
            self.idle.put(worker)  # wakes the next waiter, which finds the same
            raise _Retired
        deadline = time.monotonic() + timeout
        try:
            worker.conn.send(request)
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                reply = worker.conn.recv()
                self._release(worker)
                return reply
        except (EOFError, OSError):
            self._end(worker)
            self._replace()
            raise QueryRejected(503, "the query worker died (out of memory?); narrow the query or add a LIMIT") from None
        self._end(worker)
        self._replace()
        raise QueryRejected(503, f"the query ran past the {timeout:g} s time limit and was stopped")

    def retire(self) -> None:
        """Stop taking queries: idle workers end now, busy ones when their query is answered."""
        with self.lock:
            self.closed = True
            idle = []
            while not self.idle.empty():
                idle.append(self.idle.get_nowait())
            self.idle.put(_RETIRED)  # requests waiting for a worker go to the new build
        for w in idle:
            if w is not _RETIRED:
                self._end(w)

    def close(self) -> None:
        self.retire()
        for w in list(self.workers):
            self._end(w)


# ---------------------------------------------------------------- answers kept per build

class Answer:
    """One answer kept in the cache: its content type, its body, and a gzip copy made the first time one is asked for."""

    __slots__ = ("ctype", "body", "_gz")

    def __init__(self, ctype: str, body: bytes):
        self.ctype, self.body, self._gz = ctype, body, None

    def gzipped(self) -> bytes:
        if self._gz is None:
            import gzip

            self._gz = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gz

    def size(self) -> int:
        return len(self.body) + (len(self._gz) if self._gz is not None else len(self.body) // 8)


class AnswerCache:
    """Answers of identical requests against one build, least recently used dropped past a size in bytes.

    A new build gets a new cache (see Endpoint.refresh), so nothing answered here is older than what is served.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.items: OrderedDict = OrderedDict()
        self.running: dict = {}  # key -> Event, so identical requests at once run the query once
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key, answer: Answer) -> bool:
        """Keep an answer (its gzip copy made now, before anyone waits on it); False if it is too big to keep."""
        if len(answer.body) + len(key[0]) > self.limit // 8:
            return False  # one huge answer does not push out every other
        if len(answer.body) >= GZIP_MIN:
            answer.gzipped()
        cost = answer.size() + len(key[0])
        with self.lock:
            if key in self.items:
                return True
            self.items[key] = answer
            self.size += cost
            while self.size > self.limit:
                old, dropped = self.items.popitem(last=False)
                self.size -= dropped.size() + len(old[0])
        return True

    def claim(self, key) -> threading.Event | None:
        """None if this caller should run the query (and call done), else the Event to wait on."""
        with self.lock:
            event = self.running.get(key)
            if event is None:
                self.running[key] = threading.Event()
            return event

    def done(self, key) -> None:
        with self.lock:
            event = self.running.pop(key, None)
        if event is not None:
            event.set()


# ---------------------------------------------------------------- SPARQL requests

@dataclass
class Build:
    """One served build: which files it was made from, its query workers and its answers."""

    stamp: tuple | None
    pool: QueryPool
    cache: AnswerCache


class Endpoint:
    """What the handlers share: the folder served, the build being served, the limits; watches for new builds."""

    def __init__(self, root: Path, timeout_s: float, workers: int, in_memory: bool = True,
                 max_body: int = MAX_BODY, max_result: int = MAX_RESULT, cache_bytes: int = CACHE_BYTES, log=None):
        self.root, self.timeout_s, self.workers, self.in_memory = Path(root), timeout_s, workers, in_memory
        self.max_body, self.max_result, self.cache_bytes = max_body, max_result, cache_bytes
        self.log = log
        from kg.store import load_store

        load_store(self.root)  # a missing or unreadable graph is one clear error here, before any worker starts
        self.build = self._open()
        self._failed: tuple | None = None  # a build that could not be served; retried when the folder changes again
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def pool(self) -> QueryPool:
        return self.build.pool

    def _open(self) -> Build:
        """The build in the folder now: its store made (once) and its query workers started."""
        from kg.store import build_stamp

        stamp = build_stamp(self.root)  # before loading: a build landing meanwhile is seen as a change next time
        # the first worker makes out/store/ if the build has none yet (the others wait for it and reuse it)
        return Build(stamp, QueryPool(self.root, self.workers, self.in_memory), AnswerCache(self.cache_bytes))

    def refresh(self) -> bool:
        """Serve the folder's build if it changed since the served one was opened; True if it did."""
        from kg.store import StoreError, build_stamp

        stamp = build_stamp(self.root)
        if stamp is None or stamp in (self.build.stamp, self._failed):
            return False  # mid-swap, unchanged, or known broken
        try:
            new = self._open()
        except (StoreError, ServeError, OSError) as exc:
            if build_stamp(self.root) == stamp:  # the build itself is at fault, not a swap under our feet
                self._failed = stamp
                self._say(f"{self.root}: the new build cannot be served ({exc}); still serving the previous one")
            return False
        old, self.build = self.build, new
        old.pool.retire()
        self._say(f"{self.root}: serving the new build")
        return True

    def watch(self, interval: float = WATCH_S) -> None:
        """Check the folder every `interval` seconds and serve a finished build as soon as it lands."""
        def loop():
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except Exception as exc:  # the watcher keeps watching; the old build keeps being served
                    self._say(f"{self.root}: checking for a new build failed: {type(exc).__name__}: {exc}")
        self._watcher = threading.Thread(target=loop, daemon=True, name="kg-build-watcher")
        self._watcher.start()

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(5)
        self.build.pool.close()

    def _say(self, line: str) -> None:
        if self.log:
            self.log(line)

    def answer(self, params: dict[str, list[str]], accept: str, gzip_ok: bool = False) -> tuple[str, bytes, str | None]:
        """Run the SPARQL query in `params`: (content type, body, content coding); refusals raise QueryRejected.

        A cached answer of GZIP_MIN bytes or more goes gzip-compressed to a client that accepts it (compressed
        once, kept beside the answer); an answer evaluated afresh goes as it is.
        """
        if "update" in params:
            raise QueryRejected(400, READ_ONLY)
        if "default-graph-uri" in params or "named-graph-uri" in params:
            raise QueryRejected(400, "default-graph-uri and named-graph-uri are refused: this endpoint answers from "
                                     "the built graph only (read one report's graph with GRAPH <report IRI> { ... })")
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            raise QueryRejected(400, "give exactly one SPARQL query (the `query` parameter, or a POST body of type application/sparql-query)")
        fmt = (params.get("format") or [""])[0].lower()
        if fmt:
            if fmt not in FORMAT_PARAM:
                raise QueryRejected(400, f"unknown format {fmt!r}; use one of {', '.join(FORMAT_PARAM)}")
            accept = FORMAT_PARAM[fmt]
        request = {
            "query": queries[0],
            "solution_type": negotiate(accept, list(SOLUTION_TYPES)),
            "graph_type": negotiate(accept, list(GRAPH_TYPES)),
            "max_result": self.max_result,
        }
        key = (request["query"], request["solution_type"], request["graph_type"])
        for _ in range(3):  # a build swapped in while this waited for a worker: ask the new one
            build = self.build
            try:
                answer, cached = self._answer(build, key, request)
            except _Retired:
                continue
            if cached and gzip_ok and len(answer.body) >= GZIP_MIN:
                return answer.ctype, answer.gzipped(), "gzip"
            return answer.ctype, answer.body, None
        raise QueryRejected(503, "the served build changed three times during this request; try again")

    def _answer(self, build: Build, key: tuple, request: dict) -> tuple[Answer, bool]:
        """The answer, and whether it was (or is now) kept in the cache."""
        if not build.cache.limit:
            return self._run(build, key, request, False)
        hit = build.cache.get(key)
        if hit is not None:
            return hit, True
        wait = build.cache.claim(key)
        if wait is not None:  # the same request is running: take its answer when it comes
            wait.wait(self.timeout_s + build.pool.queue_s)
            hit = build.cache.get(key)
            if hit is not None:
                return hit, True
            return self._run(build, key, request, False)
        return self._run(build, key, request, True)

    def _run(self, build: Build, key: tuple, request: dict, claimed: bool) -> tuple[Answer, bool]:
        try:
            reply = build.pool.run(request, self.timeout_s)
            if reply[0] != "ok":
                raise QueryRejected(reply[1], reply[2])
            answer = Answer(reply[1], reply[2])
            return answer, bool(reply[3] and build.cache.limit and build.cache.put(key, answer))
        finally:
            if claimed:
                build.cache.done(key)

    def static_file(self, url_path: str) -> Path | None:
        """The file under the served folder a URL path names, or None (never a file outside it)."""
        path = unquote(url_path)
        if "\x00" in path or "\\" in path:
            return None
        parts = [p for p in path.split("/") if p]
        if any(p in ("..", ".") or p.startswith(".") for p in parts):
            return None
        if parts and parts[0] in HIDDEN_DIRS:
            return None
        root = self.root.resolve()
        target = root.joinpath(*parts).resolve()
        if target != root and root not in target.parents:
            return None  # a symlink pointing out of the folder
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None


class Handler(BaseHTTPRequestHandler):
    server_version = "reportkg"
    protocol_version = "HTTP/1.1"
    timeout = 60  # a client that stops sending does not hold a thread forever
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle + delayed ACK would add 40 ms

    @property
    def endpoint(self) -> Endpoint:
        return self.server.endpoint

    def log_message(self, format, *args):  # the library prints nothing; the CLI may turn logging on
        if getattr(self.server, "log", None):
            self.server.log(f"{self.address_string()} {format % args}")

    # -- responses
    def _send(self, status: int, ctype: str, body: bytes, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    # -- methods
    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/sparql":
            params = parse_qs(url.query, keep_blank_values=True)
            if not params and "text/html" in self.headers.get("Accept", ""):
                return self._send(303, "text/plain; charset=utf-8", b"see /query.html\n", {"Location": "/query.html"})
            return self._sparql(params)
        if url.path == "/query.html":
            return self._file(QUERY_PAGE)
        if url.path == "/queries.json":
            return self._send(200, "application/json; charset=utf-8", json.dumps(load_query_library()).encode("utf-8"))
        if url.path == "/ask":
            return self._ask(parse_qs(url.query, keep_blank_values=True))
        target = self.endpoint.static_file(url.path)
        if target is None:
            return self._error(404, f"not found: {url.path}")
        self._file(target)

    do_HEAD = do_GET

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._refuse_body()
            return self._error(405, "only /sparql accepts POST")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return self._error(411, "a POST needs a Content-Length")
        if int(length) > self.endpoint.max_body:
            self._refuse_body()
            return self._error(413, f"request body of {length} bytes is over the {self.endpoint.max_body} byte limit")
        body = self.rfile.read(int(length))
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        if ctype == "application/sparql-update":
            return self._error(400, READ_ONLY)
        if ctype == "application/sparql-query":
            params["query"] = [body.decode("utf-8", errors="replace")]
        elif ctype == "application/x-www-form-urlencoded":
            for k, v in parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        else:
            return self._error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")
        self._sparql(params)

    def _drain(self, length: int) -> None:
        """Read and drop a refused body (up to a bound), so the client reads the 413 instead of a reset."""
        left = min(length, 16 * self.endpoint.max_body)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)

    def _refuse_body(self) -> None:
        """Before refusing a request, drop its body and end the connection, so no unread bytes become the next request."""
        self.close_connection = True
        length = self.headers.get("Content-Length", "")
        if length.isdigit():
            self._drain(int(length))

    def do_PUT(self):
        self._refuse_body()
        self._error(405, "this endpoint is read-only")

    do_DELETE = do_PATCH = do_PUT

    def _sparql(self, params: dict) -> None:
        gzip_ok = accepts_gzip(self.headers.get("Accept-Encoding", ""))
        try:
            ctype, body, coding = self.endpoint.answer(params, self.headers.get("Accept", "*/*"), gzip_ok)
        except QueryRejected as exc:
            return self._error(exc.status, str(exc))
        extra = {"Vary": "Accept, Accept-Encoding", "Cache-Control": "no-store"}
        if coding:
            extra["Content-Encoding"] = coding
        self._send(200, ctype, body, extra)

    def _ask(self, params: dict) -> None:
        """/ask?q=QUESTION: the JSON of `kg ask --format json`, from the build served now."""
        from kg.ask import answer, render_answer
        from kg.query import QueryError

        question = (params.get("q") or [""])[0]
        if not question.strip():
            return self._error(400, "give a question: /ask?q=Who+funds+WFP%3F")
        try:
            body = render_answer(answer(question[:MAX_QUESTION], self.endpoint.root), "json").encode("utf-8")
        except QueryError as exc:
            return self._error(503, str(exc))
        self._send(200, "application/json; charset=utf-8", body, {"Cache-Control": "no-store"})

    def _file(self, path: Path) -> None:
        ctype = FILE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        size = path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(size))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            with path.open("rb") as f:
                shutil.copyfileobj(f, self.wfile)


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server; `url` is where it listens. Call serve_forever(), then close()."""

    daemon_threads = True

    def __init__(self, endpoint: Endpoint, host: str, port: int, log=None):
        self.endpoint = endpoint
        self.log = log
        super().__init__((host, port), Handler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer is routine; other errors go to the log, not to stderr."""
        import sys
        import traceback

        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, TimeoutError)):
            return
        if self.log:
            self.log("".join(traceback.format_exception(exc)).rstrip())

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def close(self) -> None:
        self.server_close()
        self.endpoint.close()


def load_query_library() -> list[dict]:
    """The named queries of queries/*.rq as {name, question, sparql}, for the query page."""
    from extract.resources import data_path

    try:
        folder = data_path("queries")
    except FileNotFoundError:
        return []
    items = []
    for f in sorted(folder.glob("*.rq")):
        text = f.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        items.append({"name": f.stem, "question": first.lstrip("#").strip(), "sparql": text})
    return items


def make_server(out_dir: Path, host: str = "127.0.0.1", port: int = 7878, timeout_s: float = 10,
                workers: int | None = None, max_body: int = MAX_BODY, in_memory: bool = True,
                cache_bytes: int = CACHE_BYTES, watch_s: float | None = WATCH_S, log=None) -> SparqlServer:
    """Load (or reuse) the store of out_dir, start the query workers and bind the HTTP server; port 0 picks one.

    Every `watch_s` seconds the folder is checked: a finished `kg build` into it is served from then on
    (None: never). `cache_bytes=0` answers every request afresh.
    """
    out_dir = Path(out_dir)
    endpoint = Endpoint(out_dir, timeout_s, workers or max(2, os.cpu_count() or 2), in_memory, max_body,
                        cache_bytes=cache_bytes, log=log)
    try:
        server = SparqlServer(endpoint, host, port, log)
    except OSError as exc:
        endpoint.close()
        raise ServeError(f"{host}:{port}: cannot listen here ({exc.strerror}); choose another --port") from None
    if watch_s:
        endpoint.watch(watch_s)
    return server


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 7878, timeout_s: float = 10, **kwargs) -> None:
    """Serve out_dir until interrupted: SPARQL at /sparql, the query page at /query.html, the pages at /."""
    server = make_server(out_dir, host, port, timeout_s, **kwargs)
    try:
        server.serve_forever()
    finally:
        server.close()
