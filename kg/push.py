"""Push each report's named graph from a built output folder into any SPARQL 1.1 store, replacing that graph."""
from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

# Statuses a store answers when it does not offer the Graph Store Protocol at that URL.
GSP_UNSUPPORTED = {400, 404, 405, 406, 415, 501}
TIMEOUT_S = 120


class PushError(OSError):
    """The store cannot be reached or refused a graph."""


class PushHttpError(PushError):
    """The store answered with an HTTP error status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Pushed:
    graph: str
    triples: int
    method: str  # "graph-store" (HTTP PUT) or "update" (DROP + INSERT DATA)
    seconds: float


def _with_graph(url: str, graph: str) -> str:
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + "graph=" + quote(graph, safe="")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _send(method: str, url: str, body: bytes, ctype: str, auth: tuple[str, str] | None, what: str) -> int:
    """Send one request; return its status, or raise PushError naming the URL and what was being done."""
    headers = {"Content-Type": ctype}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", errors="replace").strip().splitlines()
        raise PushHttpError(exc.code, f"{url}: HTTP {exc.code} {exc.reason} while {what}"
                          + (f": {detail[0]}" if detail else "")) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushError(f"{urlsplit(url).netloc or url}: the store is unreachable ({reason}); is it running, and is the URL right?") from None


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError(f"{url!r}: not an http(s) URL; give the store's endpoint, e.g. http://localhost:7878/store")


def _update_text(graph: str, ntriples: str) -> str:
    return f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{ntriples}}} }}\n"


def push(out_dir: Path, endpoint: str, update_endpoint: str | None = None,
         auth: tuple[str, str] | None = None, method: str = "auto") -> list[Pushed]:
    """Replace each named graph of the built dataset in the store at `endpoint`; return what was pushed, graph by graph.

    The graphs are those `kg query` reads (see `kg.store`): one per report, with its entailments, plus
    the ontology graph and the candidates graph, so the query library runs unchanged on the store.

    `endpoint` is the store's Graph Store Protocol URL (Oxigraph `/store`, Fuseki `/ds/data`, GraphDB
    `/repositories/R/rdf-graphs/service`): each graph is sent with `PUT ?graph=IRI` as N-Triples. If the
    store does not offer that protocol there, the graph is replaced with one SPARQL Update request
    (`DROP SILENT GRAPH` + `INSERT DATA`) posted to `update_endpoint` (default: `endpoint` itself).
    `method` forces one way: "graph-store" or "update".
    """
    import pyoxigraph as ox

    from kg.store import load_store

    if method not in ("auto", "graph-store", "update"):
        raise PushError(f"method {method!r}: use auto, graph-store or update")
    _check_url(endpoint)
    update_url = update_endpoint or endpoint
    _check_url(update_url)
    store = load_store(out_dir)
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)
    if not graphs:
        raise PushError(f"{Path(out_dir) / 'graph.trig'}: holds no named graph to push; run `kg build` first")
    use_gsp = method != "update"
    pushed = []
    for g in graphs:
        t0 = time.perf_counter()
        quads = list(store.quads_for_pattern(None, None, None, g))
        data = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
        done = False
        if use_gsp:
            try:
                _send("PUT", _with_graph(endpoint, g.value), data, "application/n-triples", auth,
                      f"replacing graph <{g.value}> (Graph Store Protocol PUT)")
                done, how = True, "graph-store"
            except PushHttpError as exc:
                if method == "graph-store" or exc.status not in GSP_UNSUPPORTED or pushed:
                    raise  # the protocol worked for an earlier graph, so this is a real refusal
                use_gsp = False
        if not done:
            _send("POST", update_url, _update_text(g.value, data.decode("utf-8")).encode("utf-8"),
                  "application/sparql-update", auth, f"replacing graph <{g.value}> (SPARQL Update)")
            how = "update"
        pushed.append(Pushed(g.value, len(quads), how, time.perf_counter() - t0))
    return pushed
