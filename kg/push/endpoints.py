"""Find an external SPARQL store's endpoints (Graph Store Protocol, Update, Query) and talk to them over HTTP, with its authentication."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from extract.errors import KGError

TIMEOUT_S = 120.0
PROBE = "ASK { }"
# Statuses a store answers when it does not offer the Graph Store Protocol at that URL.
GSP_UNSUPPORTED = {400, 404, 405, 406, 415, 501}
JSON_RESULTS = "application/sparql-results+json"

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


class PushError(KGError, OSError):
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


def _answers_default_graph(client, query_url: str) -> bool:
    got = _select(client, query_url, "ASK { ?s ?p ?o }", "asking whether the default graph holds triples")
    return bool(got.get("boolean"))
