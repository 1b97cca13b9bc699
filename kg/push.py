"""Push the dataset `kg serve` answers from into an external SPARQL store, graph by graph, and check the store answers alike.

What is pushed is what the endpoint serves (`kg.store.load_store`, made by `kg.query.load_graph`): each
report's named graph with its entailments, the ontology graph and the candidates graph; `asserted_only`
sends what `load_graph(reason=False)` reads instead. A graph is replaced, never added to: the first
request replaces it (Graph Store `PUT`, or `DROP SILENT GRAPH` + `INSERT DATA`), later chunks add to it,
so running a push again converges. A push succeeds only when a COUNT query per graph shows the store
holds every triple sent.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Triples per request, by method. A Graph Store request is parsed as a stream (Virtuoso takes 10,000+
# triples in one PUT); Virtuoso compiles an INSERT DATA into SQL and refuses one of 2,000 triples.
DEFAULT_CHUNK = {"graph-store": 20000, "update": 1000}
TIMEOUT_S = 120.0
PROBE = "ASK { }"
# Statuses a store answers when it does not offer the Graph Store Protocol at that URL.
GSP_UNSUPPORTED = {400, 404, 405, 406, 415, 501}
JSON_RESULTS = "application/sparql-results+json"
NUMERIC = {"integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
           "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"

# Where each store keeps its Graph Store, Update and Query services, relative to its root; "{ds}" is a
# Fuseki dataset. Virtuoso takes writes only on its "-auth" paths (HTTP Digest) unless configured otherwise.
LAYOUTS = {
    "Oxigraph": {"graph_store": "/store", "update": "/update", "query": "/query"},
    "Virtuoso": {"graph_store": "/sparql-graph-crud", "update": "/sparql", "query": "/sparql"},
    "Virtuoso (authenticated)": {"graph_store": "/sparql-graph-crud-auth", "update": "/sparql-auth", "query": "/sparql"},
    "Fuseki": {"graph_store": "/{ds}/data", "update": "/{ds}/update", "query": "/{ds}/sparql"},
}
# Paths that are SPARQL Update or Query services, never a Graph Store (Virtuoso leaves a PUT there unanswered).
UPDATE_PATHS = ("/sparql", "/sparql-auth", "/update")
# A Graph Store or Update path given in full, and where the same store answers queries.
QUERY_BESIDE = (("/sparql-graph-crud-auth", "/sparql"), ("/sparql-graph-crud", "/sparql"), ("/rdf-graphs/service", ""),
                ("/store", "/query"), ("/update", "/query"), ("/data", "/sparql"))


class PushError(OSError):
    """The store cannot be found, reached or written to, or does not hold what was sent."""


class PushHttpError(PushError):
    """The store answered with an HTTP error status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Endpoints:
    """The services of one store: Graph Store Protocol, SPARQL Update and SPARQL Query URLs."""

    graph_store: str | None
    update: str | None
    query: str
    store: str = ""          # which store was recognised ("Oxigraph", "Virtuoso", "Fuseki"), if any


@dataclass
class Pushed:
    graph: str
    triples: int
    method: str              # "graph-store" (PUT, then POST per chunk) or "update" (DROP + INSERT DATA)
    requests: int
    seconds: float


@dataclass
class Difference:
    """One library query whose rows differ between the store and the local graph."""

    query: str
    remote_rows: int
    local_rows: int
    only_remote: list = field(default_factory=list)   # a few rows, normalised, for the message
    only_local: list = field(default_factory=list)
    note: str = ""


def store_auth(user: str, password: str):
    """httpx auth answering whichever challenge the store sends: Digest (Virtuoso's -auth paths) or Basic (Fuseki,
    GraphDB). The first request goes without credentials; they go only where the store asks for them."""
    import httpx

    class StoreAuth(httpx.Auth):
        def __init__(self):
            self.basic = httpx.BasicAuth(user, password)
            self.digest = httpx.DigestAuth(user, password)
            self.scheme = None

        def auth_flow(self, request):
            if self.scheme is not None:
                yield from getattr(self, self.scheme).auth_flow(request)
                return
            response = yield request
            challenge = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
            if response.status_code != 401 or challenge not in ("basic", "digest"):
                return
            self.scheme = challenge
            if challenge == "basic":
                yield from self.basic.auth_flow(request)
                return
            flow = self.digest.auth_flow(request)
            next(flow)                        # digest's unauthenticated first try, already answered by `response`
            try:
                response = yield flow.send(response)
                flow.send(response)
            except StopIteration:
                pass

    return StoreAuth()


def _client(user: str | None, password: str | None, timeout: float):
    import httpx

    auth = store_auth(user, password or "") if user else None
    return httpx.Client(auth=auth, timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError(f"{url!r}: not an http(s) URL; give the store's root (http://host:port) or its Graph Store URL")


def _root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _request(client, method: str, url: str, what: str, **kwargs):
    """One request; an HTTP error status or a transport failure becomes a PushError naming the URL and the step."""
    import httpx

    try:
        r = client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise PushError(f"{url}: no answer within {client.timeout.read:.0f} s while {what}; "
                        f"the store may be overloaded (try a smaller --chunk)") from None
    except httpx.HTTPError as exc:
        raise PushError(f"{urlsplit(url).netloc}: the store is unreachable ({exc or type(exc).__name__}); "
                        f"is it running, and is the URL right?") from None
    if r.status_code >= 400:
        detail = " ".join(re.sub(r"<[^>]*>", " ", r.text[:2000]).split())[:300]   # stores answer errors in HTML too
        hint = ""
        if r.status_code == 401:
            hint = ("; wrong user or password?" if client.auth else
                    "; the store needs a user: pass --user NAME (the password from KG_PUSH_PASSWORD)")
        elif r.status_code == 403 or "permission" in detail.lower():
            hint = "; this user may not write here (Virtuoso writes on /sparql-graph-crud-auth with --user)"
        raise PushHttpError(r.status_code, f"{url}: HTTP {r.status_code} {r.reason_phrase} while {what}"
                            + (f": {detail}" if detail else "") + hint)
    return r


def _select(client, query_url: str, text: str, what: str) -> dict:
    r = _request(client, "POST", query_url, what, data={"query": text}, headers={"Accept": JSON_RESULTS})
    try:
        return r.json()
    except ValueError:
        raise PushError(f"{query_url}: answered {what} with {r.headers.get('content-type', 'no content type')}, "
                        f"not SPARQL JSON results; is this the store's query endpoint? (--query-endpoint)") from None


def _answers_queries(client, url: str) -> bool:
    import httpx

    try:
        r = client.post(url, data={"query": PROBE}, headers={"Accept": JSON_RESULTS})
        return r.status_code == 200 and isinstance(r.json().get("boolean"), bool)
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


def find_endpoints(url: str, client, update_endpoint: str | None = None, query_endpoint: str | None = None,
                   authenticated: bool = False) -> Endpoints:
    """The store's services from its root (`http://host:port`, probed) or from a Graph Store or Update URL."""
    _check_url(url)
    for extra in (update_endpoint, query_endpoint):
        if extra:
            _check_url(extra)
    path = urlsplit(url).path.rstrip("/")
    if path:
        query = query_endpoint or next((url.rstrip("/")[: -len(end)] + beside for end, beside in QUERY_BESIDE
                                        if path.endswith(end)), url)
        graph_store = None if path.endswith(UPDATE_PATHS) else url
        return Endpoints(graph_store, update_endpoint or url, query)
    root = _root(url)
    store, layout = _recognise(client, root, authenticated)
    found = {k: root + v for k, v in layout.items()}
    query = query_endpoint or found["query"]
    if not _answers_queries(client, query):
        raise PushError(f"{root}: looks like {store}, but {query} does not answer SPARQL queries; "
                        f"pass the Graph Store URL as --endpoint and the query URL as --query-endpoint")
    return Endpoints(found["graph_store"], update_endpoint or found["update"], query, store)


def _recognise(client, root: str, authenticated: bool) -> tuple[str, dict]:
    """Which store answers at `root`: from its Server header, Fuseki's admin paths, or Oxigraph's query path."""
    r = _get_quietly(client, root + "/")
    server = (r.headers.get("server", "") if r is not None else "").lower()
    fuseki = r is not None and ("fuseki" in server or "fuseki-request-id" in r.headers)
    if "oxigraph" in server:
        return "Oxigraph", LAYOUTS["Oxigraph"]
    if "virtuoso" in server:
        name = "Virtuoso (authenticated)" if authenticated else "Virtuoso"
        return "Virtuoso", LAYOUTS[name]
    if server.startswith("reportkg"):
        raise PushError(f"{root}: this is `kg serve`, the read-only endpoint of a built folder; push to a SPARQL "
                        f"store (Oxigraph, Virtuoso, Fuseki) instead")
    if fuseki or _get_quietly(client, root + "/$/ping", ok_only=True) is not None:
        return "Fuseki", _fuseki_layout(client, root)
    if _answers_queries(client, root + LAYOUTS["Oxigraph"]["query"]):   # behind a proxy that hides the header
        return "Oxigraph", LAYOUTS["Oxigraph"]
    raise PushError(f"{root}: cannot tell which store this is (Server: {server or 'not given'}); pass its Graph Store "
                    f"URL (Oxigraph /store, Fuseki /DATASET/data, Virtuoso /sparql-graph-crud-auth) or, with "
                    f"--update-endpoint, its SPARQL Update URL")


def _get_quietly(client, url: str, ok_only: bool = False):
    import httpx

    try:
        r = client.get(url)
    except httpx.HTTPError as exc:
        raise PushError(f"{urlsplit(url).netloc}: the store is unreachable ({exc or type(exc).__name__}); "
                        f"is it running, and is the URL right?") from None
    return None if ok_only and r.status_code != 200 else r


def _fuseki_layout(client, root: str) -> dict:
    r = _get_quietly(client, root + "/$/datasets", ok_only=True)
    try:
        names = [d["ds.name"].strip("/") for d in r.json()["datasets"]] if r is not None else []
    except (ValueError, KeyError, TypeError):
        names = []
    if len(names) != 1:
        listed = ", ".join(names) if names else "none listed at /$/datasets"
        raise PushError(f"{root}: a Fuseki server with datasets {listed}; pass the dataset's Graph Store URL, "
                        f"e.g. --endpoint {root}/DATASET/data")
    return {k: v.replace("{ds}", names[0]) for k, v in LAYOUTS["Fuseki"].items()}


def load_push_graphs(out_dir: Path, asserted_only: bool = False) -> dict[str, list]:
    """The named graphs to push, IRI -> pyoxigraph triples: what `kg serve` answers from, or only what was read."""
    import pyoxigraph as ox

    if asserted_only:
        from kg.query import QueryError, load_graph

        try:
            ds = load_graph(out_dir, reason=False)
        except QueryError as exc:
            raise PushError(str(exc)) from None
        quads = ox.parse(ds.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    else:
        from kg.store import StoreError, load_store

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


# ---------------------------------------------------------------- --check

def normal_term(term: dict | None):
    """A SPARQL JSON result term in the form every store agrees on. What stores legitimately differ on:
    - numbers: compared by value (Virtuoso answers xsd:int where Oxigraph keeps xsd:integer, and
      may write a decimal with another number of digits);
    - booleans: by value ("1" and "true" are both xsd:boolean true; Virtuoso answers "1");
    - xsd:string: the same as a plain literal in RDF 1.1 (some stores drop the datatype, some keep it);
    - language tags: case-insensitive (BCP 47); Oxigraph writes them in lower case;
    - blank nodes: their labels are local to each answer, so any blank node equals any other."""
    if term is None:
        return None
    kind = term.get("type")
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", term["value"])
    datatype = term.get("datatype", "")
    if datatype == XSD_BOOLEAN:
        return ("boolean", term["value"] in ("true", "1"))
    if datatype.rsplit("#", 1)[-1] in NUMERIC and datatype.startswith("http://www.w3.org/2001/XMLSchema#"):
        try:
            return ("number", Decimal(term["value"]).normalize())
        except InvalidOperation:
            pass
    if datatype == XSD_STRING:
        datatype = ""
    return ("literal", term["value"], datatype, term.get("xml:lang", "").lower())


def _rows(answer: dict) -> tuple[Counter, bool | None]:
    if "boolean" in answer:
        return Counter(), bool(answer["boolean"])
    names = answer.get("head", {}).get("vars", [])
    return Counter(tuple(normal_term(b.get(v)) for v in names) for b in answer["results"]["bindings"]), None


def library_texts() -> list[tuple[str, str]]:
    """Every library query (queries/*.rq, through the named-query loader), with the predeclared prefixes spelt out."""
    from kg.graph import PREFIXES
    from kg.query import list_queries

    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    return [(q.name, prologue + q.text) for q in list_queries() if q.form in ("SELECT", "ASK")]


def _local_answer(store, text: str) -> dict:
    import pyoxigraph as ox

    result = store.query(text)
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    return json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))


def check(out_dir: Path, endpoint: str, query_endpoint: str | None = None, user: str | None = None,
          password: str | None = None, timeout: float = TIMEOUT_S) -> list[Difference]:
    """Run every library query on the store and on the local store `kg serve` answers from; return where rows differ.

    Queries run with their parameters free (every value), so each compares its whole answer. Rows are
    compared as sets of normalised rows (`normal_term`): a store whose default graph is the union of its
    named graphs repeats a triple held by two graphs, which changes how often a row comes back but not
    which rows do.
    """
    from kg.store import StoreError, load_store

    try:
        store = load_store(out_dir)
    except StoreError as exc:
        raise PushError(str(exc)) from None
    diffs = []
    with _client(user, password, timeout) as client:
        ends = find_endpoints(endpoint, client, None, query_endpoint, authenticated=bool(user))
        for name, text in library_texts():
            remote, remote_bool = _rows(_select(client, ends.query, text, f"running the library query {name!r}"))
            local, local_bool = _rows(_local_answer(store, text))
            if remote_bool != local_bool or set(remote) != set(local):
                d = Difference(name, len(set(remote)), len(set(local)),
                               sorted(set(remote) - set(local), key=repr)[:3], sorted(set(local) - set(remote), key=repr)[:3])
                if d.remote_rows in (1000, 10000, 100000) and d.remote_rows < d.local_rows:
                    d.note = (f"the store stopped at {d.remote_rows} rows: it caps answers (Virtuoso: "
                              f"ResultSetMaxRows in virtuoso.ini)")
                if not remote and local and not _answers_default_graph(client, ends.query):
                    d.note = ("the store's default graph is empty: the library queries read the union of the named "
                              "graphs there (Oxigraph: serve --union-default-graph; Fuseki: unionDefaultGraph)")
                diffs.append(d)
    return diffs


def _answers_default_graph(client, query_url: str) -> bool:
    got = _select(client, query_url, "ASK { ?s ?p ?o }", "asking whether the default graph holds triples")
    return bool(got.get("boolean"))
