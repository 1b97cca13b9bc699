"""Keep the answers of one served build in memory, so identical requests are answered once."""
from __future__ import annotations

import threading
from collections import OrderedDict

CACHE_BYTES = 256 * 1024 ** 2  # answers kept per served build (identical requests are answered from here)
GZIP_MIN, GZIP_LEVEL = 4096, 6  # cached answers at least this big go gzip-compressed to clients that accept it


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
        self.asked: set = set()  # keys a client asked for (not only put here ahead of any request)
        self.lock = threading.Lock()

    def recent(self, n: int) -> list:
        """The keys of the `n` answers clients asked for most recently, the latest first."""
        with self.lock:
            return [k for k in reversed(self.items) if k in self.asked][:n]

    def get(self, key):
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
                self.asked.add(key)
            return hit

    def put(self, key, answer: Answer, asked: bool = True) -> bool:
        """Keep an answer (its gzip copy made now, before anyone waits on it); False if it is too big to keep.
        `asked=False`: put ahead of any request (see Endpoint._warm)."""
        if len(answer.body) + len(key[0]) > self.limit // 8:
            return False  # one huge answer does not push out every other
        if len(answer.body) >= GZIP_MIN:
            answer.gzipped()
        cost = answer.size() + len(key[0])
        with self.lock:
            if asked:
                self.asked.add(key)
            if key in self.items:
                return True
            self.items[key] = answer
            self.size += cost
            while self.size > self.limit:
                old, dropped = self.items.popitem(last=False)
                self.asked.discard(old)
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


REPLY_BYTES = 16 * 1024 ** 2  # request bytes kept per served build to recognise a request seen before
REPLY_MAX = 16 * 1024  # a request longer than this is not kept (its answer is, in AnswerCache)


class Reply:
    """A whole HTTP response of a kept answer: the head around its Date header, and the answer's body."""

    __slots__ = ("key", "before_date", "after_date", "body", "close")

    def __init__(self, key, head: bytes, body: bytes, close: bool):
        start = head.index(b"\r\nDate: ") + 2
        end = head.index(b"\r\n", start) + 2
        self.key, self.before_date, self.after_date, self.body, self.close = key, head[:start], head[end:], body, close

    def head(self, date: bytes) -> bytes:
        return self.before_date + b"Date: " + date + b"\r\n" + self.after_date


class Replies:
    """The responses of kept answers by the exact bytes of the request (head and body) that got them, so a request
    seen before is answered without being parsed again. Only the event loop's thread reads and writes it; the
    oldest go first past REPLY_BYTES. The body is the kept answer's own bytes, not a copy."""

    def __init__(self, limit: int = REPLY_BYTES):
        self.limit, self.size = limit, 0
        self.items: dict[bytes, Reply] = {}

    def get(self, raw: bytes) -> Reply | None:
        return self.items.get(raw)

    def put(self, raw: bytes, reply: Reply) -> None:
        if len(raw) > REPLY_MAX or raw in self.items:
            return
        self.items[raw] = reply
        self.size += len(raw) + len(reply.before_date) + len(reply.after_date)
        while self.size > self.limit:
            old = next(iter(self.items))
            dropped = self.items.pop(old)
            self.size -= len(old) + len(dropped.before_date) + len(dropped.after_date)

    def drop(self, raw: bytes) -> None:
        reply = self.items.pop(raw, None)
        if reply is not None:
            self.size -= len(raw) + len(reply.before_date) + len(reply.after_date)
