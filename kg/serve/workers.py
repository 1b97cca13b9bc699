"""Answer SPARQL queries in worker processes, each with its own copy of the store, stopped when a query runs too long."""
from __future__ import annotations

import functools
import queue
import threading
import time
from pathlib import Path

from extract.errors import KGError
from kg.query.library import query_prefixes
from kg.serve.guard import QueryRejected, check_query, close_network
from kg.serve.negotiation import GRAPH_TYPES, SOLUTION_TYPES, _content_type

WORKER_MEMORY = 4 * 1024 ** 3  # address-space cap per query worker (its copy of the store included), so one query cannot exhaust the machine


class ServeError(KGError, OSError):
    """The endpoint cannot start: no built graph, or the address is in use."""


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

    from kg.namespace import PREFIXES

    return {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), **{k: str(v) for k, v in PREFIXES.items()}}


def _run_one(store, request: dict) -> tuple:
    import pyoxigraph as ox

    try:
        cacheable = check_query(request["query"])
    except QueryRejected as exc:
        return ("error", exc.status, str(exc))
    try:  # the store's default graph is already the union of the reports (see kg.dataset.store)
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
    from kg.dataset.store import load_store

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
    try:
        conn.send(("ready",))
    except OSError:  # the server stopped while this worker started
        return
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
        try:
            conn.send(reply)
        except OSError:  # the server stopped while this query ran: nobody waits for the answer
            return


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
        """End a worker once: close() and a handler whose query failed may both end the same one."""
        with self.lock:
            if w not in self.workers:
                return
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
        if self.closed:  # a worker ended by close() is not replaced
            return

        def start():
            w = self._start()
            if w.wait_ready(300):
                self._end(w)
            else:
                self._release(w)
        threading.Thread(target=start, daemon=True).start()

    def wait_whole(self, timeout: float) -> bool:
        """Wait, while no query runs, until every worker is idle again (a replaced one started); False if not in time."""
        deadline = time.monotonic() + timeout
        while self.idle.qsize() < self.size:
            if self.closed or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def run(self, request: dict, timeout: float, queue_s: float | None = None) -> tuple:
        """Run one query request: wait up to queue_s (the pool's by default) for a free worker, then allow it `timeout` seconds."""
        try:
            worker = self.idle.get(timeout=self.queue_s if queue_s is None else queue_s)  # first come, first served
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
