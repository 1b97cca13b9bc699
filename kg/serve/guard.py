"""Keep every query on the served graph: refuse updates, SERVICE and FROM before a query runs, and shut query workers off the network."""
from __future__ import annotations

import functools

from extract.errors import KGError


class QueryRejected(KGError):
    """A SPARQL request the endpoint answers with an HTTP error status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


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
