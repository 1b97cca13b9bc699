"""Serve a built output folder over HTTP: a read-only SPARQL 1.1 Protocol endpoint at /sparql, the pages, a query page."""
from __future__ import annotations

import asyncio
import functools
import gc
import io
import json
import mimetypes
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from kg.serve.cache import Answer, AnswerCache, CACHE_BYTES, GZIP_MIN, Replies, Reply
from kg.serve.guard import QueryRejected, READ_ONLY
from kg.serve.negotiation import FILE_TYPES, FORMAT_PARAM, GRAPH_TYPES, SOLUTION_TYPES, accepts_gzip, negotiate
from kg.serve.workers import QueryPool, ServeError, _Retired

# Limits, documented in the README: a SPARQL request body over MAX_BODY bytes is refused with 413; a query
# running longer than the time limit is killed (its worker process ends) and answered with 503; a result
# over MAX_RESULT bytes is refused with 503 (add a LIMIT).
MAX_BODY = 1024 * 1024
MAX_RESULT = 64 * 1024 * 1024
MAX_QUESTION = 10_000  # characters of a question /ask reads
WATCH_S = 0.25  # how often the folder is checked for a finished build
# Before a build is served, its cache is filled, for at most WARM_S seconds: at start with the library's queries as
# the query page asks them (JSON results), at a rebuild with the requests clients asked most recently of the old one.
WARM_RECENT = 64
WARM_ACCEPT = "application/sparql-results+json"
WARM_S = 20
# Connections are read and answers kept in the cache written by one event loop, in the order requests arrive; what has
# to wait (a query evaluated by a worker, a file, a question) runs on one of BLOCKING_THREADS threads meanwhile.
BLOCKING_THREADS = 64
IDLE_S = 60  # a client that stops sending is disconnected after this many seconds
MAX_HEAD = 128 * 1024  # bytes of request line and headers (a longer request line gets 414 from the handler)

QUERY_PAGE = Path(__file__).resolve().parents[1] / "pages" / "assets" / "query.html"
HIDDEN_DIRS = ("store",)  # the database files are not pages


@dataclass
class Build:
    """One served build: which files it was made from, its query workers, its answers and their whole responses."""

    stamp: tuple | None
    pool: QueryPool
    cache: AnswerCache
    replies: Replies = field(default_factory=Replies)


class Endpoint:
    """What the handlers share: the folder served, the build being served, the limits; watches for new builds."""

    def __init__(self, root: Path, timeout_s: float, workers: int, in_memory: bool = True,
                 max_body: int = MAX_BODY, max_result: int = MAX_RESULT, cache_bytes: int = CACHE_BYTES, log=None):
        self.root, self.timeout_s, self.workers, self.in_memory = Path(root), timeout_s, workers, in_memory
        self.max_body, self.max_result, self.cache_bytes = max_body, max_result, cache_bytes
        self.log = log
        from kg.dataset.store import load_store

        load_store(self.root)  # a missing or unreadable graph is one clear error here, before any worker starts
        self.build = self._open(None)
        self._failed: tuple | None = None  # a build that could not be served; retried when the folder changes again
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def pool(self) -> QueryPool:
        return self.build.pool

    def _open(self, previous: Build | None) -> Build:
        """The build in the folder now: its store made (once), its query workers started, its cache filled."""
        from kg.dataset.store import build_stamp

        stamp = build_stamp(self.root)  # before loading: a build landing meanwhile is seen as a change next time
        # the first worker makes out/store/ if the build has none yet (the others wait for it and reuse it)
        build = Build(stamp, QueryPool(self.root, self.workers, self.in_memory), AnswerCache(self.cache_bytes))
        try:
            self._warm(build, previous)
        except BaseException:
            build.pool.close()
            raise
        return build

    def _warm(self, build: Build, previous: Build | None) -> None:
        """Answer, on the new build's workers and before it is served, the library's queries as the query page sends
        them (at start) or the requests clients asked most recently of the previous build (at a rebuild, which keeps
        the old build served meanwhile), so those clients are answered from the cache. Each with the usual time
        limit, started within WARM_S seconds; what fails is not kept, and a worker stopped is replaced first."""
        from concurrent.futures import ThreadPoolExecutor

        if not build.cache.limit:
            return
        if previous is None:
            keys = [self._key(self._request(q["sparql"], WARM_ACCEPT)) for q in load_query_library()]
        else:  # what clients ask now (the library's queries among them only if asked)
            keys = previous.cache.recent(WARM_RECENT)
        deadline = time.monotonic() + WARM_S

        def warm(key):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            request = {**dict(zip(("query", "solution_type", "graph_type"), key)), "max_result": self.max_result}
            try:
                reply = build.pool.run(request, self.timeout_s, queue_s=left)
            except (QueryRejected, _Retired):  # over the time limit, no worker came free in time, or closing
                return
            if reply[0] == "ok" and reply[3]:
                build.cache.put(key, Answer(reply[1], reply[2]), asked=False)

        with ThreadPoolExecutor(build.pool.size, thread_name_prefix="kg-warm") as pool:
            list(pool.map(warm, dict.fromkeys(keys)))
        build.pool.wait_whole(300)  # a query stopped at its time limit took its worker with it

    def refresh(self) -> bool:
        """Serve the folder's build if it changed since the served one was opened; True if it did."""
        from kg.dataset.store import StoreError, build_stamp

        stamp = build_stamp(self.root)
        if stamp is None or stamp in (self.build.stamp, self._failed):
            return False  # mid-swap, unchanged, or known broken
        try:
            new = self._open(self.build)
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

    def answer(self, params: dict[str, list[str]], accept: str, gzip_ok: bool = False,
               wait: bool = True) -> tuple[str, bytes, str | None, tuple | None]:
        """Run the SPARQL query in `params`: (content type, body, content coding, (build, key) if the answer is kept
        in that build's cache); refusals raise QueryRejected.

        A cached answer of GZIP_MIN bytes or more goes gzip-compressed to a client that accepts it (compressed
        once, kept beside the answer); an answer evaluated afresh goes as it is. `wait=False`: an answer that is not
        kept raises _WouldBlock instead of being evaluated (the event loop then asks again from a thread).
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
        request = self._request(queries[0], accept)
        key = self._key(request)
        for _ in range(3):  # a build swapped in while this waited for a worker: ask the new one
            build = self.build
            try:
                answer, cached = self._answer(build, key, request, wait)
            except _Retired:
                continue
            kept = (build, key) if cached else None
            if cached and gzip_ok and len(answer.body) >= GZIP_MIN:
                return answer.ctype, answer.gzipped(), "gzip", kept
            return answer.ctype, answer.body, None, kept
        raise QueryRejected(503, "the served build changed three times during this request; try again")

    def _request(self, query: str, accept: str) -> dict:
        """What a query worker is sent for a query and an Accept header."""
        return {"query": query, "solution_type": negotiate(accept, list(SOLUTION_TYPES)),
                "graph_type": negotiate(accept, list(GRAPH_TYPES)), "max_result": self.max_result}

    @staticmethod
    def _key(request: dict) -> tuple:
        """Requests with the same key get the same answer from one build."""
        return request["query"], request["solution_type"], request["graph_type"]

    def _answer(self, build: Build, key: tuple, request: dict, wait: bool = True) -> tuple[Answer, bool]:
        """The answer, and whether it was (or is now) kept in the cache."""
        hit = build.cache.get(key) if build.cache.limit else None
        if hit is not None:
            return hit, True
        if not wait:
            raise _WouldBlock
        if not build.cache.limit:
            return self._run(build, key, request, False)
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


class _WouldBlock(Exception):
    """Answering this request means waiting (a query to evaluate, a file to read): answer it on a thread instead."""


class Handler(BaseHTTPRequestHandler):
    """One request, read whole off a connection by the event loop (`raw`), answered into `wfile` (and `body_file`).

    With `blocking=False` (on the event loop) a request that would wait raises _WouldBlock before writing anything,
    and is handled again on a thread.
    """

    server_version = "reportkg"
    protocol_version = "HTTP/1.1"

    def __init__(self, raw: bytes, client_address, server, blocking: bool = True):
        self.blocking = blocking
        self.body_file: Path | None = None  # a file to send after what is in wfile
        self.kept: tuple | None = None  # (build, key, body) when the response is a kept answer
        super().__init__(raw, client_address, server)

    def setup(self):
        self.rfile, self.wfile = io.BytesIO(self.request), io.BytesIO()

    def handle(self):
        self.close_connection = True  # unless the request asks to keep it (parse_request)
        self.handle_one_request()

    def finish(self):
        pass

    def handle_expect_100(self):
        return True  # the connection already said 100 Continue before reading the body

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
        if not self.blocking and url.path != "/sparql":
            raise _WouldBlock  # files and questions are read on a thread
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

    def _refuse_body(self) -> None:
        """A refused request ends its connection, so no unread bytes of its body become the next request (the
        connection reads and drops a body it did not read, up to a bound, so the client reads the refusal)."""
        self.close_connection = True

    def do_PUT(self):
        self._refuse_body()
        self._error(405, "this endpoint is read-only")

    do_DELETE = do_PATCH = do_PUT

    def _sparql(self, params: dict) -> None:
        gzip_ok = accepts_gzip(self.headers.get("Accept-Encoding", ""))
        try:
            ctype, body, coding, kept = self.endpoint.answer(params, self.headers.get("Accept", "*/*"), gzip_ok,
                                                             self.blocking)
        except QueryRejected as exc:
            return self._error(exc.status, str(exc))
        extra = {"Vary": "Accept, Accept-Encoding", "Cache-Control": "no-store"}
        if coding:
            extra["Content-Encoding"] = coding
        self._send(200, ctype, body, extra)
        if kept is not None:
            self.kept = (*kept, body if self.command != "HEAD" else b"")

    def _ask(self, params: dict) -> None:
        """/ask?q=QUESTION: the JSON of `kg ask --format json`, from the build served now."""
        from kg.ask.answer import answer
        from kg.ask.render import render_answer
        from kg.query.library import QueryError

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
            self.body_file = path


class SparqlServer:
    """The HTTP server; `url` is where it listens. Call serve_forever() (shutdown() from another thread), then close().

    One event loop reads every connection and writes the answers kept in the cache itself, in the order the requests
    came: a thread per connection (http.server's ThreadingHTTPServer) made 20 connections take turns on the GIL in no
    fair order, so a kept answer took 0.4 ms to write at the median and 18 ms at the 99th percentile.
    """

    def __init__(self, endpoint: Endpoint, host: str, port: int, log=None):
        self.endpoint = endpoint
        self.log = log
        self.socket = socket.create_server((host, port), backlog=128)
        self.server_address = self.socket.getsockname()
        self.server_port = self.server_address[1]
        self.threads = ThreadPoolExecutor(BLOCKING_THREADS, thread_name_prefix="kg-serve")
        self.connections: set[_Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def serve_forever(self) -> None:
        self._stopped.clear()
        try:
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                runner.run(self._serve())
        finally:
            self._stopped.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        server = await self._loop.create_server(lambda: _Connection(self), sock=self.socket, backlog=128)
        try:
            async with server:
                await self._stop.wait()
        finally:
            for connection in list(self.connections):
                connection.transport.abort()

    def shutdown(self) -> None:
        """Stop serve_forever (running in another thread) and wait until it has returned."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not self._stopped.is_set():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop has closed already
                return
            self._stopped.wait(10)

    def close(self) -> None:
        self.shutdown()
        self.socket.close()
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.endpoint.close()

    def _exchange(self, raw: bytes, peer, blocking: bool) -> Handler | None:
        """The request in `raw` answered (None: it would wait, and blocking is False)."""
        try:
            return Handler(raw, peer, self, blocking)
        except _WouldBlock:
            return None

    def _replay(self, raw: bytes) -> Reply | None:
        """The response a request seen before got from the build served now, if its answer is still kept."""
        build = self.endpoint.build
        reply = build.replies.get(raw)
        if reply is not None and build.cache.get(reply.key) is None:  # (get marks the answer as asked again)
            build.replies.drop(raw)  # the answer was dropped from the cache: so is its response
            return None
        return reply

    def handle_error(self, peer) -> None:
        """An error answering a request goes to the log (when there is one), not to stderr."""
        import sys
        import traceback

        if self.log:
            self.log(f"{peer[0]} " + "".join(traceback.format_exception(sys.exc_info()[1])).rstrip())


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
HEAD_TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
FAILED = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
JOIN_MAX = 64 * 1024  # a kept response's head and body smaller than this go out in one write (one segment)
FILE_CHUNK = 256 * 1024  # a file is read and written this much at a time
DROP_MAX = 16  # a refused body is read and dropped up to this many times the body limit before the connection closes


class _Connection(asyncio.Protocol):
    """One client connection: its requests cut from the bytes as they arrive and answered in order.

    A request whose whole response is kept is answered in the callback that read it, with no task, future or await
    between reading and writing (with a coroutine per connection each answer waited one more pass of the loop, behind
    every other connection's); so are several pipelined in one read. Only what has to wait (a query to evaluate, a
    file, a question) runs as a task, and the connection's later requests wait for it, so answers keep their order.
    """

    def __init__(self, server: SparqlServer):
        self.server, self.loop = server, server._loop
        self.transport: asyncio.Transport | None = None
        self.peer = ("", 0)
        self.buffer = bytearray()
        self.busy = False  # a request is being answered by a task: the ones after it wait
        self.paused = False  # the client reads slower than answers are written: answer no more until it catches up
        self.reading = True
        self.eof = self.ended = False
        self.continued = False  # 100 Continue was sent for the request at the head of the buffer
        self.drop = 0  # bytes of a refused body still to be read and dropped before the connection closes
        self.last = 0.0  # when the client last sent something (a quiet connection is closed after IDLE_S)
        self.idle: asyncio.TimerHandle | None = None
        self.drained: asyncio.Future | None = None

    # -- transport callbacks
    def connection_made(self, transport) -> None:
        self.transport = transport
        # head and body may go out in two writes: Nagle + delayed ACK would hold the second 40 ms
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peer = transport.get_extra_info("peername") or ("", 0)
        self.server.connections.add(self)
        self.last = self.loop.time()
        self.idle = self.loop.call_later(IDLE_S, self._check_idle)

    def connection_lost(self, exc) -> None:
        self.ended = True
        self.server.connections.discard(self)
        if self.idle is not None:
            self.idle.cancel()
        self._wake()

    def data_received(self, data: bytes) -> None:
        self.last = self.loop.time()
        if self.drop:
            self._dropping(data)
        elif not self.ended:
            self.buffer += data
            if not self.busy:
                self._answer()

    def eof_received(self) -> bool:
        self.eof = True
        if not (self.busy or self.paused):
            self._end()
        return True  # the answers being written go out first; _answer closes after them

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._wake()
        if not self.busy:
            self._answer()

    # -- answering
    def _answer(self) -> None:
        """Answer the whole requests in the buffer, in order, until one has to wait (or the connection ends)."""
        buf, server = self.buffer, self.server
        while buf and not (self.busy or self.paused or self.ended):
            end = buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
            if end < 0:
                if len(buf) > MAX_HEAD:
                    return self._end(HEAD_TOO_LARGE)
                break
            size = end + 4
            length, expect = _framing(bytes(buf[:size]))
            if length and length <= server.endpoint.max_body:
                if len(buf) < size + length:
                    if expect and not self.continued:
                        self.continued = True
                        self.transport.write(CONTINUE)
                    break
                size += length
            raw = bytes(buf[:size])
            del buf[:size]
            self.continued = False
            reply = server._replay(raw)
            if reply is not None:
                head = reply.head(_http_date())
                if len(reply.body) < JOIN_MAX:
                    self.transport.write(head + reply.body)
                else:
                    self.transport.write(head)
                    self.transport.write(reply.body)
                if reply.close:
                    return self._end()
                continue
            try:
                handler = server._exchange(raw, self.peer, False)
            except Exception:
                server.handle_error(self.peer)
                return self._end(FAILED)
            if handler is None:  # it would wait: a task answers it, and the requests after it wait their turn
                self.busy = True
                self.loop.create_task(self._answer_waiting(raw, length))
                break
            if not self._respond(raw, handler, length):
                return
        if self.eof and not (self.busy or self.paused):
            return self._end()
        self._read_while(not (self.busy or self.paused) or len(buf) <= server.endpoint.max_body + MAX_HEAD)

    async def _answer_waiting(self, raw: bytes, length: int | None) -> None:
        server = self.server
        try:
            handler = await self.loop.run_in_executor(server.threads, server._exchange, raw, self.peer, True)
            if self.ended:
                return
            if not self._respond(raw, handler, length):
                return
            if handler.body_file is not None:
                await self._send_file(handler.body_file)
                if self.ended:
                    return
                if handler.close_connection:
                    return self._end()
        except asyncio.CancelledError:  # the server is stopping (Ctrl-C): the connection ends with it, quietly
            return
        except Exception:
            server.handle_error(self.peer)
            return self._end(FAILED)
        self.busy = False
        self._answer()

    def _respond(self, raw: bytes, handler: Handler, length: int | None) -> bool:
        """Write a handled request's response (keeping it if its answer is kept); False if the connection ends."""
        server = self.server
        response = handler.wfile.getvalue()
        if handler.kept is not None and server.log is None:  # a logged request is always handled (and logged)
            build, key, sent = handler.kept
            build.replies.put(raw, Reply(key, response[:len(response) - len(sent)], sent, handler.close_connection))
        self.transport.write(response)
        if length and length > server.endpoint.max_body:  # the body was refused unread: drop it, so that the
            self._drop_then_end(min(length, DROP_MAX * server.endpoint.max_body))  # client reads the refusal
            return False
        if handler.close_connection and handler.body_file is None:
            self._end()
            return False
        return True

    async def _send_file(self, path: Path) -> None:
        """A file's bytes after its head, read on a thread a chunk at a time, each written when the client has room."""
        with path.open("rb") as f:
            while not self.ended:
                chunk = await self.loop.run_in_executor(self.server.threads, f.read, FILE_CHUNK)
                if not chunk or self.ended:
                    break
                self.transport.write(chunk)
                if self.paused:
                    self.drained = self.loop.create_future()
                    await self.drained

    # -- ending
    def _end(self, last: bytes = b"") -> None:
        """Write `last`, then close once what was written has gone out."""
        if self.ended:
            return
        self.ended = True
        if last:
            self.transport.write(last)
        self.transport.close()

    def _drop_then_end(self, n: int) -> None:
        self.drop = n
        data, self.buffer = bytes(self.buffer), bytearray()
        self._read_while(True)
        self._dropping(data)

    def _dropping(self, data: bytes) -> None:
        self.drop -= min(self.drop, len(data))
        if not self.drop or self.eof:
            self.drop = 0
            self._end()

    def _read_while(self, wanted: bool) -> None:
        """Read the socket only while the buffer is being answered (or small), so a client cannot fill memory."""
        if wanted != self.reading and not self.ended:
            self.reading = wanted
            (self.transport.resume_reading if wanted else self.transport.pause_reading)()

    def _wake(self) -> None:
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def _check_idle(self) -> None:
        """A connection that sent nothing for IDLE_S seconds, and waits for no answer, is closed."""
        if self.ended:
            return
        quiet = self.loop.time() - self.last
        if quiet >= IDLE_S and not self.busy:
            self.ended = True
            self.transport.abort()
            return
        self.idle = self.loop.call_later(max(IDLE_S - quiet, 1), self._check_idle)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (libuv, in C: less of the loop's own time per answer), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


_date: list = [0, b""]  # the current second and its HTTP date


def _http_date() -> bytes:
    now = int(time.time())
    if _date[0] != now:
        _date[:] = now, formatdate(now, usegmt=True).encode("ascii")
    return _date[1]


def _framing(head: bytes) -> tuple[int | None, bool]:
    """The Content-Length (None if not given or not a number) and whether `Expect: 100-continue` was sent."""
    length, expect = None, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length" and value.strip().isdigit():
            length = int(value)
        elif name == b"expect":
            expect = value.strip().lower() == b"100-continue"
    return length, expect


@functools.lru_cache(maxsize=1)
def load_query_library() -> list[dict]:
    """The named queries of queries/*.rq as {name, question, sparql}, for the query page (read by kg.query.library)."""
    from kg.query.library import list_queries

    return [{"name": q.name, "question": q.question, "sparql": q.text} for q in list_queries()]


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
    # what start-up made (the library, the cache filled) stays: the collector no longer walks it on every full pass
    gc.collect()
    gc.freeze()
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
