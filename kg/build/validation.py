"""Check a built dataset against the SHACL shapes in ontology/shapes.ttl."""
from __future__ import annotations

import logging
import re
import sys
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable
from uuid import uuid4

from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import SH

from extract.errors import DataError, read_data_text, read_turtle
from extract.resources import data_path
from kg.build.graph import union_graph
from kg.ontology import load_ontology


@dataclass(frozen=True)
class Conformance:
    conforms: bool
    violations: int
    report: str


SHAPES_FILE = "shapes.ttl"


@lru_cache(maxsize=1)
def load_shapes() -> Graph:
    """The SHACL shapes every built graph must pass; a broken file raises a DataError naming its line."""
    return read_turtle(data_path("ontology") / SHAPES_FILE)


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@lru_cache(maxsize=1)
def batched_shapes() -> Graph:
    """The shapes as written, with each property shape of a node shape also given that node shape's targets.

    The same checks, the same results (each result's source shape is the property shape either way): pyshacl
    checks a property shape reached through `sh:property` once per focus node, setting up its constraints each
    time, but a property shape with targets of its own once for all its focus nodes (about 3x faster on a
    corpus). A node shape another shape refers to (sh:node, sh:or, ...) keeps its property shapes, and so does a
    property shape referred to from elsewhere too, where lifting would merge or drop results.
    """
    lifted = Graph()
    for prefix, ns in load_shapes().namespaces():
        lifted.bind(prefix, ns)
    lifted += load_shapes()
    for shape in set(lifted.subjects(RDF.type, SH.NodeShape)):
        targets = [(p, t) for p in _TARGETS for t in lifted.objects(shape, p)]
        if not targets or (None, None, shape) in lifted or (shape, SH.deactivated, None) in lifted:
            continue
        for prop in list(lifted.objects(shape, SH.property)):
            if len(set(lifted.subject_predicates(prop))) > 1:
                continue
            lifted.remove((shape, SH.property, prop))
            lifted.add((prop, RDF.type, SH.PropertyShape))
            for p, t in targets:
                lifted.add((prop, p, t))
    return lifted


def validate(data: Dataset | Graph) -> Conformance:
    """Run pyshacl on the union of the reports' graphs with the ontology mixed in, so that shapes on a
    class also target its subclasses (a shape on rk:Organization checks every rk:DonorGovernment).

    A dataset is checked in place, through a union view of its own store that holds the ontology in a
    named graph of its own for the check, removed afterwards: copying every report's graph into one
    cost more than checking them. A plain graph is checked on a copy with the ontology added. The shapes
    use SHACL Core only, so pyshacl runs without its SHACL-AF ("advanced") features.
    """
    if not isinstance(data, Dataset):
        graph = union_graph(data)
        graph += load_ontology()
        return _check(graph)
    view = Dataset(store=data.store, default_union=True)
    view.namespace_manager = data.namespace_manager     # a manager of its own would rebind the store's prefixes
    ontology = view.graph(URIRef(f"urn:x-reportkg:validation:{uuid4()}"))
    ontology += load_ontology()
    try:
        return _check(view)
    finally:
        view.remove_graph(ontology)     # the dataset as it was: a triple the ontology shares stays in its report


def validate_aside(data: Dataset | Graph) -> Callable[[], tuple[Conformance, float]]:
    """Start `validate(data)` in a forked process, which checks its copy of the data as it is now (nothing is
    sent to it), and return a function that waits for (the result, the check's seconds): the build goes on
    writing meanwhile, on the machine's other core. Where no process can be forked, or the check's process
    fails, that function checks here, raising what `validate` raises."""
    import multiprocessing

    def here() -> tuple[Conformance, float]:
        t0 = time.perf_counter()
        return validate(data), time.perf_counter() - t0

    if "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return here     # a daemonic process (a pool's worker) may not start processes of its own
    ctx = multiprocessing.get_context("fork")
    for stream in (sys.stdout, sys.stderr):     # else the child would write out a copy of what they hold
        stream.flush()
    try:
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_validate_into, args=(data, send), daemon=True)
        proc.start()
    except OSError:
        return here
    send.close()

    def wait() -> tuple[Conformance, float]:
        try:
            return recv.recv()
        except (EOFError, OSError):
            return here()
        finally:
            recv.close()
            proc.join()

    return wait


def _validate_into(data, conn) -> None:
    """The forked process: check, send the result; on any failure send nothing (the parent then checks itself)."""
    t0 = time.perf_counter()
    try:
        conn.send((validate(data), time.perf_counter() - t0))
    except BaseException:
        pass
    finally:
        conn.close()


def _copy(shapes: Graph) -> Graph:
    copy = Graph()
    for prefix, ns in shapes.namespaces():
        copy.bind(prefix, ns)
    copy += shapes
    return copy


def _check(graph: Dataset | Graph) -> Conformance:
    import pyshacl
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError

    # pyshacl logs a shape it cannot load to stderr itself (its logger gets a fresh handler each call, so it is
    # silenced, not redirected); the error below says it in one line
    pyshacl_log = logging.getLogger("pyshacl-validate")
    try:
        pyshacl_log.disabled = True
        with warnings.catch_warnings():     # rdflib's union reads warn of its own deprecated default_context, per read
            warnings.simplefilter("ignore", DeprecationWarning)
            conforms, results, text = pyshacl.validate(   # on a copy: pyshacl adds RDFS/OWL axioms to the shapes it gets
                graph, shacl_graph=_copy(batched_shapes()), inference="none", advanced=False, allow_warnings=True,
            )
    except (ConstraintLoadError, ShapeLoadError, ReportableRuntimeError) as exc:
        # pyshacl names the shape, not the line: a shape whose values are of the wrong type
        path = data_path("ontology") / SHAPES_FILE
        why = str(getattr(exc, "message", exc)).splitlines()[0]
        raise DataError(_shape_at_fault(path) or f"{path}: a shape cannot be used ({why}); fix it or restore the "
                                                 f"project's copy") from None
    finally:
        pyshacl_log.disabled = False
    violations = len(set(results.subjects(predicate=SH.resultSeverity)))
    return Conformance(bool(conforms), violations, text)


def _shape_at_fault(path) -> str | None:
    """`FILE:LINE: what is wrong` for the first value of the shapes that SHACL's own shapes (pyshacl's meta-SHACL)
    reject, found by its parameter and value in the file's text; None when they find nothing. Run only once the
    shapes have failed to load: the check takes seconds."""
    from pyshacl.entrypoints import meta_validate

    conforms, results, _ = meta_validate(load_shapes(), inference="none")
    if conforms:
        return None
    text = read_data_text(path)
    for result in sorted(results.subjects(SH.resultSeverity, None)):
        parameter, value = results.value(result, SH.resultPath), results.value(result, SH.value)
        if parameter is None or value is None:
            continue
        name = re.split(r"[#/]", str(parameter))[-1]
        written = re.split(r"[#/]", str(value))[-1] if isinstance(value, URIRef) else str(value)
        found = re.search(rf"\bsh:{re.escape(name)}\s+(?:\S*?:)?\"?{re.escape(written)}\b", text)
        if found:
            line = text[:found.start()].count("\n") + 1
            why = results.value(result, SH.resultMessage) or "a value SHACL does not allow"
            return (f"{path}:{line}: sh:{name} {written!r} cannot be used ({why}); fix that line or restore the "
                    f"project's copy")
    return None
