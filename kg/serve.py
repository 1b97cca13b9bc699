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
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# Limits, documented in the README: a SPARQL request body over MAX_BODY bytes is refused with 413; a query
# running longer than the time limit is killed (its worker process ends) and answered with 503; a result
# over MAX_RESULT bytes is refused with 503 (add a LIMIT).
MAX_BODY = 1024 * 1024
MAX_RESULT = 64 * 1024 * 1024
WORKER_MEMORY = 4 * 1024 ** 3  # address-space cap per query worker (its copy of the store included), so one query cannot exhaust the machine

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

    kwargs = {}  # the store's default graph is already the union of the reports (see kg.store)
    if request["default_graphs"]:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    if request["named_graphs"]:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    try:
        result = store.query(request["query"], **kwargs)
    except SyntaxError as exc:
        return ("syntax", str(exc))
    except ValueError as exc:  # e.g. a malformed graph IRI
        return ("error", 400, f"bad request: {exc}")
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
    return ("ok", _content_type(mtype), b"".join(out.parts))


def _work(out_dir: str, in_memory: bool, conn, memory: int | None) -> None:
    """A query worker process: open the store (a copy in memory by default), then answer requests until the pipe closes."""
    from kg.store import load_store

    if memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        store = load_store(Path(out_dir), in_memory=in_memory)
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
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

    def _replace(self) -> None:
        def start():
            w = self._start()
            if not w.wait_ready(300) and not self.closed:
                self.idle.put(w)
            else:
                self._end(w)
        threading.Thread(target=start, daemon=True).start()

    def run(self, request: dict, timeout: float) -> tuple:
        """Run one query request: wait up to queue_s for a free worker, then allow it `timeout` seconds."""
        try:
            worker = self.idle.get(timeout=self.queue_s)
        except queue.Empty:
            raise QueryRejected(503, f"all {self.size} query workers stayed busy for {self.queue_s:g} s; try again shortly") from None
        deadline = time.monotonic() + timeout
        try:
            worker.conn.send(request)
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                reply = worker.conn.recv()
                self.idle.put(worker)
                return reply
        except (EOFError, OSError):
            self._end(worker)
            self._replace()
            raise QueryRejected(503, "the query worker died (out of memory?); narrow the query or add a LIMIT") from None
        self._end(worker)
        self._replace()
        raise QueryRejected(503, f"the query ran past the {timeout:g} s time limit and was stopped")

    def close(self) -> None:
        self.closed = True
        for w in list(self.workers):
            self._end(w)


# ---------------------------------------------------------------- SPARQL requests

def is_update(text: str) -> bool:
    """True when the text parses as a SPARQL 1.1 Update (it is never run here)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:  # pyparsing's ParseException and friends: not an update
        return False
    return True


@dataclass
class Endpoint:
    """What the handlers share: the folder served, the query workers and the limits."""

    root: Path
    pool: QueryPool
    timeout_s: float
    max_body: int = MAX_BODY
    max_result: int = MAX_RESULT

    def answer(self, params: dict[str, list[str]], accept: str) -> tuple[str, bytes]:
        """Run the SPARQL query in `params` and return (content type, body); refusals raise QueryRejected."""
        if "update" in params:
            raise QueryRejected(403, "this endpoint is read-only: SPARQL Update is refused")
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
            "default_graphs": params.get("default-graph-uri", []),
            "named_graphs": params.get("named-graph-uri", []),
            "solution_type": negotiate(accept, list(SOLUTION_TYPES)),
            "graph_type": negotiate(accept, list(GRAPH_TYPES)),
            "max_result": self.max_result,
        }
        reply = self.pool.run(request, self.timeout_s)
        if reply[0] == "ok":
            return reply[1], reply[2]
        if reply[0] == "syntax":
            if is_update(queries[0]):
                raise QueryRejected(403, "this endpoint is read-only: SPARQL Update is refused")
            raise QueryRejected(400, f"SPARQL syntax error: {reply[1]}")
        raise QueryRejected(reply[1], reply[2])

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
            return self._error(403, "this endpoint is read-only: SPARQL Update is refused")
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
        try:
            ctype, body = self.endpoint.answer(params, self.headers.get("Accept", "*/*"))
        except QueryRejected as exc:
            return self._error(exc.status, str(exc))
        self._send(200, ctype, body, {"Vary": "Accept", "Cache-Control": "no-store"})

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
        self.endpoint.pool.close()


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
                log=None) -> SparqlServer:
    """Load (or reuse) the store of out_dir, start the query workers and bind the HTTP server; port 0 picks one."""
    from kg.store import load_store

    out_dir = Path(out_dir)
    load_store(out_dir)  # makes out/store/ once, before the workers open it
    pool = QueryPool(out_dir, workers or max(2, os.cpu_count() or 2), in_memory)
    try:
        return SparqlServer(Endpoint(out_dir, pool, timeout_s, max_body), host, port, log)
    except OSError as exc:
        pool.close()
        raise ServeError(f"{host}:{port}: cannot listen here ({exc.strerror}); choose another --port") from None


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 7878, timeout_s: float = 10, **kwargs) -> None:
    """Serve out_dir until interrupted: SPARQL at /sparql, the query page at /query.html, the pages at /."""
    server = make_server(out_dir, host, port, timeout_s, **kwargs)
    try:
        server.serve_forever()
    finally:
        server.close()
