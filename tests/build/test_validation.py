"""SHACL validation: the shapes pyshacl runs (property shapes given their node shape's targets) find exactly what the shapes as written find."""
from __future__ import annotations

import pyshacl
from rdflib import RDF, RDFS, SKOS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg.build.iris import entity_iri, report_iri
from kg.build.graph import union_graph
from kg.build.validation import batched_shapes, load_shapes, validate
from kg.namespace import OA, RK
from kg.ontology import load_ontology
from tests.conftest import HAITI, MALI


def _results(data: Graph, shapes: Graph) -> set[tuple]:
    """Every validation result as (focus, path, component, value, source shape, severity, message)."""
    graph = Graph()
    graph += data
    graph += load_ontology()
    fresh = Graph()
    fresh += shapes                  # pyshacl adds axioms to the shapes graph it is given
    _, results, _ = pyshacl.validate(graph, shacl_graph=fresh, inference="none", advanced=False, allow_warnings=True)
    fields = (SH.focusNode, SH.resultPath, SH.sourceConstraintComponent, SH.value, SH.sourceShape,
              SH.resultSeverity, SH.resultMessage)
    return {tuple(results.value(r, f) for f in fields) for r in results.subjects(RDF.type, SH.ValidationResult)}


def _broken_mali(dataset) -> Graph:
    """The Mali report's graph with one fact broken for each kind of check the shapes make."""
    g = Graph()
    g.addN((s, p, o, g) for s, p, o in dataset.graph(report_iri(MALI)))
    canada, sdg2, mali = entity_iri("place/CA"), entity_iri("sdg/2"), entity_iri("place/ML")
    g.remove((canada, RDFS.label, None))                                 # minCount, through a subclass
    g.add((entity_iri("org/unicef"), RDFS.label, Literal("Another name")))   # maxCount
    g.set((sdg2, RK.goalNumber, Literal(18)))                            # maxInclusive
    g.remove((mali, SKOS.notation, None))                                # minCount and qualified count
    sentence = next(g.subjects(RDF.type, RK.Sentence))
    g.set((sentence, OA.start, Literal(10**9)))                          # lessThan
    mention = next(g.subjects(RDF.type, RK.Mention))
    g.set((mention, RK.denotes, URIRef("https://example.org/not-an-entity")))   # class
    relation = next(g.subjects(RDF.type, RK.Partnership))
    g.remove((relation, RK.evidence, None))                              # minCount with its own message
    g.set((report_iri(MALI), RDFS.label, Literal(3)))                     # datatype
    return g


def test_batched_shapes_give_every_property_shape_its_node_shapes_targets():
    written, batched = load_shapes(), batched_shapes()
    targeted = lambda shape: any(written.value(shape, p) is not None for p in (SH.targetClass, SH.targetNode,
                                                                                SH.targetSubjectsOf, SH.targetObjectsOf))
    links = [(s, o) for s, o in written.subject_objects(SH.property) if targeted(s)]
    kept = [(s, o) for s, o in written.subject_objects(SH.property) if not targeted(s)]
    assert len(links) > 20
    for shape, prop in links:
        assert (shape, SH.property, prop) not in batched
        assert set(written.objects(shape, SH.targetClass)) <= set(batched.objects(prop, SH.targetClass))
    # a shape without targets of its own, reached through another (sh:or), keeps its property shapes
    assert set(batched.subject_objects(SH.property)) == set(kept)
    assert set(written) - set(batched) == {(s, SH.property, o) for s, o in links}    # only the links are gone
    lifted = {o for _, o in links}
    for s, p, o in set(batched) - set(written):                                     # and only targets are new
        assert s in lifted and (p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                                or (p, o) == (RDF.type, SH.PropertyShape)), (s, p, o)


def test_batched_shapes_find_the_same_results_as_the_shapes_as_written(dataset):
    broken = _broken_mali(dataset)
    found = _results(broken, batched_shapes())
    assert found == _results(broken, load_shapes())
    components = {r[2] for r in found}
    assert len(found) >= 9 and {SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent,
                                SH.LessThanConstraintComponent, SH.ClassConstraintComponent,
                                SH.DatatypeConstraintComponent} <= components, found
    result = validate(broken)
    assert not result.conforms and result.violations == len(found)


def test_batched_shapes_find_nothing_on_the_bundled_build(dataset):
    assert _results(dataset.graph(report_iri(MALI)), batched_shapes()) == set()
    assert validate(dataset).conforms


def _copy(dataset: Dataset, broken: Graph | None = None) -> Dataset:
    """The bundled dataset's reports as a new dataset (with the Mali graph replaced by `broken`, if given)."""
    copy = Dataset()
    for prefix, ns in dataset.namespaces():
        copy.bind(prefix, ns)
    for slug in (MALI, HAITI):
        g = copy.graph(report_iri(slug))
        source = broken if broken is not None and slug == MALI else dataset.graph(report_iri(slug))
        g.addN((s, p, o, g) for s, p, o in source)
    return copy


def _state(ds: Dataset) -> tuple:
    return (set(ds.quads()), sorted(str(g.identifier) for g in ds.graphs()), sorted(ds.namespaces()))


def test_a_dataset_is_checked_in_place_and_left_as_it_was(dataset):
    """validate(dataset) finds what a check of the reports' union copied into one graph finds, and leaves the
    dataset as it was: its quads (also one the ontology holds too), its named graphs and its prefixes."""
    ds = _copy(dataset, _broken_mali(dataset))
    shared = next(iter(load_ontology().triples((None, RDFS.subClassOf, None))))
    ds.graph(report_iri(HAITI)).add(shared)
    before = _state(ds)
    in_place = validate(ds)
    assert _state(ds) == before and shared in ds.graph(report_iri(HAITI))
    copied = validate(union_graph(ds))
    assert not in_place.conforms and (in_place.conforms, in_place.violations) == (copied.conforms, copied.violations)
    assert sorted(in_place.report.splitlines()) == sorted(copied.report.splitlines())
    assert validate(_copy(dataset)).conforms


def test_a_check_made_aside_finds_what_a_check_here_finds(dataset):
    """kg build checks its dataset in a forked process while it writes: the same result, the dataset untouched."""
    import multiprocessing

    from kg.build.validation import validate_aside

    ds = _copy(dataset, _broken_mali(dataset))
    here = validate(ds)
    before = _state(ds)
    wait = validate_aside(ds)
    assert len(multiprocessing.active_children()) == 1, "the check is not running in a process of its own"
    aside, seconds = wait()
    assert not multiprocessing.active_children()
    assert not aside.conforms and seconds > 0
    assert (aside.conforms, aside.violations) == (here.conforms, here.violations)
    assert sorted(aside.report.splitlines()) == sorted(here.report.splitlines())
    assert _state(ds) == before
