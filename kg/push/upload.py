"""Push the dataset `kg serve` answers from into an external SPARQL store, graph by graph, each one counted back.

What is pushed is what the endpoint serves (`kg.dataset.store.load_store`, made by `kg.dataset.load.load_dataset`): each
report's named graph with its entailments, the ontology graph and the candidates graph; `asserted_only`
sends what `load_dataset(reason=False)` reads instead. A graph is replaced, never added to: the first
request replaces it (Graph Store `PUT`, or `DROP SILENT GRAPH` + `INSERT DATA`), later chunks add to it,
so running a push again converges. A push succeeds only when a COUNT query per graph shows the store
holds every triple sent."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from kg.push.endpoints import (Endpoints, GSP_UNSUPPORTED, PushError, PushHttpError, TIMEOUT_S, _client, _request,
                               _select, find_endpoints)

# Triples per request, by method. A Graph Store request is parsed as a stream (Virtuoso takes 10,000+
# triples in one PUT); Virtuoso compiles an INSERT DATA into SQL and refuses one of 2,000 triples.
DEFAULT_CHUNK = {"graph-store": 20000, "update": 1000}


@dataclass
class Pushed:
    graph: str
    triples: int
    method: str              # "graph-store" (PUT, then POST per chunk) or "update" (DROP + INSERT DATA)
    requests: int
    seconds: float


def load_push_graphs(out_dir: Path, asserted_only: bool = False) -> dict[str, list]:
    """The named graphs to push, IRI -> pyoxigraph triples: what `kg serve` answers from, or only what was read."""
    import pyoxigraph as ox

    if asserted_only:
        from kg.dataset.load import load_dataset
        from kg.query.library import QueryError

        try:
            ds = load_dataset(out_dir, reason=False)
        except QueryError as exc:
            raise PushError(str(exc)) from None
        quads = ox.parse(ds.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    else:
        from kg.dataset.store import StoreError, load_store

        try:
            store = load_store(out_dir)
        except StoreError as exc:
            raise PushError(str(exc)) from None
        # graph by graph: the store's default graph holds their union again, which is not pushed
        quads = (q for g in store.named_graphs() for q in store.quads_for_pattern(None, None, None, g))
    graphs: dict[str, list] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            graphs.setdefault(q.graph_name.value, []).append(q.triple)
    if not graphs:
        raise PushError(f"{Path(out_dir) / 'graph.trig'}: holds no named graph to push; run `kg build` first")
    return dict(sorted(graphs.items()))


def chunk_triples(triples: list, size: int) -> list[list]:
    """Split triples into requests of at most `size` (more only where blank nodes tie triples together): a blank
    node means one node only within one request, so every triple that shares one goes in the same chunk."""
    import pyoxigraph as ox

    parent: dict = {}

    def find(b):
        while parent.setdefault(b, b) != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    def blanks(t):
        return [x for x in (t.subject, t.object) if isinstance(x, ox.BlankNode)]

    for t in triples:
        bs = blanks(t)
        for b in bs[1:]:
            parent[find(b)] = find(bs[0])
    groups: dict = {}
    units = []
    for t in triples:
        bs = blanks(t)
        if not bs:
            units.append([t])
        else:
            key = find(bs[0])
            if key not in groups:
                groups[key] = []
                units.append(groups[key])
            groups[key].append(t)
    chunks, current = [], []
    for unit in units:
        if current and len(current) + len(unit) > size:
            chunks.append(current)
            current = []
        current.extend(unit)
    if current:
        chunks.append(current)
    return chunks


def _graph_param(graph: str) -> dict:
    return {"graph": graph}


def _with_query(url: str, params: dict) -> tuple[str, dict]:
    """Split any query string the URL already carries into params, so httpx keeps both."""
    from urllib.parse import parse_qsl

    parts = urlsplit(url)
    merged = dict(parse_qsl(parts.query))
    merged.update(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), merged


def _send_graph(client, ends: Endpoints, graph: str, chunks: list[bytes], use_gsp: bool) -> tuple[str, int]:
    """Replace `graph` with the chunks; return the method used and the requests made."""
    total = len(chunks)
    for i, data in enumerate(chunks):
        step = f"sending graph <{graph}> (request {i + 1} of {total})"
        try:
            if use_gsp:
                url, params = _with_query(ends.graph_store, _graph_param(graph))
                _request(client, "PUT" if i == 0 else "POST", url, step, params=params, content=data,
                         headers={"Content-Type": "application/n-triples"})
            else:
                text = (f"DROP SILENT GRAPH <{graph}> ;\n" if i == 0 else "") + _insert(graph, data.decode("utf-8"))
                _request(client, "POST", ends.update, step, content=text.encode("utf-8"),
                         headers={"Content-Type": "application/sparql-update"})
        except PushError as exc:
            if i == 0:
                raise
            raise PushError(f"{exc} -- graph <{graph}> is half-pushed ({i} of {total} requests); "
                            f"run `kg push` again to replace it") from None
    return ("graph-store" if use_gsp else "update"), total


def _insert(graph: str, ntriples: str) -> str:
    """INSERT DATA, or, when the triples hold blank nodes, the same as `INSERT {...} WHERE {}`: SPARQL 1.1
    allows both, and Virtuoso refuses blank nodes in INSERT DATA."""
    if "_:" in ntriples and any(line.startswith("_:") or " _:" in line for line in ntriples.splitlines()):
        return f"INSERT {{ GRAPH <{graph}> {{\n{ntriples}}} }} WHERE {{ }}\n"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{ntriples}}} }}\n"


def count_remote(client, query_url: str, graph: str) -> int:
    """How many triples the store holds in one named graph (a COUNT query)."""
    got = _select(client, query_url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                  f"counting the triples of <{graph}>")
    try:
        return int(got["results"]["bindings"][0]["n"]["value"])
    except (KeyError, IndexError, ValueError, TypeError):
        raise PushError(f"{query_url}: no count in the answer to counting <{graph}>; is this a SPARQL query endpoint?") from None


def push(out_dir: Path, endpoint: str, update_endpoint: str | None = None, query_endpoint: str | None = None,
         user: str | None = None, password: str | None = None, asserted_only: bool = False,
         chunk: int | None = None, method: str = "auto", timeout: float = TIMEOUT_S) -> list[Pushed]:
    """Replace each named graph of the built dataset in the store; return what was pushed, graph by graph.

    `endpoint` is the store's root (its services are found by probing, see `find_endpoints`) or its
    Graph Store URL. Each graph goes as N-Triples, `chunk` triples per request (default: DEFAULT_CHUNK) (`PUT ?graph=IRI`, then
    `POST`), or, where the store has no Graph Store at that URL (or `method="update"`), as SPARQL Update
    (`DROP SILENT GRAPH` + `INSERT DATA`) posted to `update_endpoint`. Raises PushError unless the store
    then holds exactly the triples sent in every graph.
    """
    import pyoxigraph as ox

    if method not in ("auto", "graph-store", "update"):
        raise PushError(f"method {method!r}: use auto, graph-store or update")
    if chunk is not None and chunk < 1:
        raise PushError(f"--chunk {chunk}: give at least 1 triple per request")
    graphs = load_push_graphs(out_dir, asserted_only)
    pushed = []
    with _client(user, password, timeout) as client:
        ends = find_endpoints(endpoint, client, update_endpoint, query_endpoint, authenticated=bool(user))
        use_gsp = method != "update" and ends.graph_store is not None
        for graph, triples in graphs.items():
            t0 = time.perf_counter()

            def chunks_for(gsp: bool) -> list[bytes]:
                size = chunk or DEFAULT_CHUNK["graph-store" if gsp else "update"]
                return [ox.serialize(c, format=ox.RdfFormat.N_TRIPLES) for c in chunk_triples(triples, size)]
            try:
                try:
                    how, requests = _send_graph(client, ends, graph, chunks_for(use_gsp), use_gsp)
                except PushHttpError as exc:
                    # no Graph Store here: fall back to SPARQL Update, unless it worked for an earlier graph
                    if not use_gsp or method == "graph-store" or exc.status not in GSP_UNSUPPORTED or pushed:
                        raise
                    use_gsp = False
                    how, requests = _send_graph(client, ends, graph, chunks_for(use_gsp), use_gsp)
            except PushError as exc:
                if not pushed:
                    raise
                raise PushError(f"{exc} ({len(pushed)} of {len(graphs)} graphs were replaced before this; "
                                f"run `kg push` again)") from None
            pushed.append(Pushed(graph, len(triples), how, requests, time.perf_counter() - t0))
        short = [(p.graph, n, p.triples) for p in pushed
                 if (n := count_remote(client, ends.query, p.graph)) != p.triples]
    if short:
        graph, held, sent = short[0]
        raise PushError(f"{ends.query}: the store holds {held} of the {sent} triples sent to <{graph}>"
                        + (f" (and {len(short) - 1} more graph(s) differ)" if len(short) > 1 else "")
                        + "; the push did not take: check the store's log, then run `kg push` again")
    return pushed
