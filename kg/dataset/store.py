"""Turn a built output folder into an Oxigraph store under out/store/, made once and reused until the build changes."""
from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
import warnings
from pathlib import Path

from extract.errors import KGError
from kg.build.output import replace_folder

GRAPH_FILE = "graph.trig"
INPUT_FILES = (GRAPH_FILE, "candidates.tsv")  # what load_dataset reads from the output folder
STORE_DIR = "store"
DB_DIR = "oxigraph"  # the RocksDB folder inside out/store/
STAMP_FILE = "source.json"  # which inputs, pipeline, loader and pyoxigraph made the store
LAYOUT = 3  # bump when what the store holds changes shape, so old stores are reloaded


class StoreError(KGError, OSError):
    """The built graph is missing or the store under out/store/ cannot be made or opened."""


def store_path(out_dir: Path) -> Path:
    """The RocksDB folder of the store of a built output folder."""
    return Path(out_dir) / STORE_DIR / DB_DIR


def loader_digest() -> str:
    """A digest of what turns graph.trig into the one dataset: the ontology, and the code of the loader package
    (kg/dataset/) with the kg modules it reads the vocabulary and IRIs from."""
    import kg.build.iris
    import kg.dataset
    import kg.namespace
    import kg.ontology
    from extract.resources import data_path

    h = hashlib.sha256()
    code = sorted(Path(kg.dataset.__file__).parent.glob("*.py"))
    code += [Path(m.__file__) for m in (kg.ontology, kg.namespace, kg.build.iris)]
    for f in sorted(data_path("ontology").glob("*.ttl")) + code:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _built_pipeline(out_dir: Path) -> str | None:
    """The pipeline version the build in out_dir was made with (its summary.json), if it says."""
    try:
        return json.loads((Path(out_dir) / "summary.json").read_text(encoding="utf-8")).get("pipeline")
    except (OSError, ValueError, AttributeError):
        return None


def _source_stamp(out_dir: Path, pipeline: str | None = None) -> dict:
    """What a store is made from: the build's input files (by identity), the pipeline version that built them
    (`pipeline`, else as summary.json says), the loader's digest and pyoxigraph's version. A store whose stamp
    differs is made again."""
    import pyoxigraph

    files = {}
    for name in INPUT_FILES:
        f = Path(out_dir) / name
        if f.is_file():
            st = f.stat()
            files[name] = [st.st_size, st.st_mtime_ns]
    return {"files": files, "pipeline": pipeline or _built_pipeline(out_dir), "loader": loader_digest(),
            "pyoxigraph": pyoxigraph.__version__, "layout": LAYOUT}


def build_stamp(out_dir: Path) -> tuple | None:
    """Which build out_dir holds now (its input files' identity: a build writes new files), or None mid-swap."""
    parts = []
    for name in INPUT_FILES:
        try:
            st = (Path(out_dir) / name).stat()
        except OSError:
            if name == GRAPH_FILE:
                return None
            parts.append(None)
            continue
        parts.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(parts)


def store_is_fresh(out_dir: Path) -> bool:
    """True when out/store/ was made from the current build, ontology and code."""
    out_dir = Path(out_dir)
    stamp = out_dir / STORE_DIR / STAMP_FILE
    if not ((out_dir / GRAPH_FILE).is_file() and stamp.is_file() and store_path(out_dir).is_dir()):
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == _source_stamp(out_dir)
    except (OSError, ValueError):
        return False


def _with_union(quads):
    """Each quad, and its triple again in the default graph (where the store keeps each triple once)."""
    import pyoxigraph

    for q in quads:
        yield q
        if not isinstance(q.graph_name, pyoxigraph.DefaultGraph):
            yield pyoxigraph.Quad(q.subject, q.predicate, q.object)


def _missing(out_dir: Path) -> StoreError:
    return StoreError(f"{Path(out_dir) / GRAPH_FILE}: no built graph here; run `kg build --out {out_dir}` first")


def _oxigraph_term(term):
    """An rdflib term as the pyoxigraph term of the same RDF term (the lexical form of a literal kept as it is)."""
    import pyoxigraph
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return pyoxigraph.NamedNode(term)
    if isinstance(term, Literal):
        if term.language:
            return pyoxigraph.Literal(term, language=term.language)
        return pyoxigraph.Literal(term, datatype=pyoxigraph.NamedNode(term.datatype) if term.datatype else None)
    if isinstance(term, BNode):
        return pyoxigraph.BlankNode(term)
    raise StoreError(f"{term!r} is not an RDF term")


def oxigraph_quads(triples_by_graph) -> list:
    """Pyoxigraph quads of (graph name, triples) pairs of rdflib terms; rdflib's default graph is the default graph."""
    import pyoxigraph
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    terms: dict = {}

    def term(t):
        got = terms.get(t)
        if got is None:
            got = terms[t] = _oxigraph_term(t)
        return got

    out = []
    for name, triples in triples_by_graph:
        g = pyoxigraph.DefaultGraph() if name == DATASET_DEFAULT_GRAPH_ID else pyoxigraph.NamedNode(name)
        out += [pyoxigraph.Quad(term(s), term(p), term(o), g) for s, p, o in triples]
    return out


def dataset_quads(dataset) -> list:
    """An rdflib Dataset's quads as pyoxigraph quads."""
    return oxigraph_quads((g.identifier, g) for g in dataset.graphs())


def _served_quads(out_dir: Path) -> list:
    """The quads of the one dataset (`kg.dataset.load.load_dataset(out_dir)`, graph.trig read back), as pyoxigraph quads."""
    from kg.dataset.load import load_dataset
    from kg.query.library import QueryError

    with warnings.catch_warnings():  # rdflib's TriG parser calls its own deprecated API
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        try:
            dataset = load_dataset(out_dir)
        except QueryError as exc:  # one line, though a parser's message may span several
            raise StoreError(" ".join(str(exc).split())) from None
    return dataset_quads(dataset)


def write_store(out_dir: Path, quads: list | None = None, pipeline: str | None = None) -> Path:
    """(Re)make out/store/ from the build in out_dir, swapped in with one rename; return the RocksDB folder.

    `kg build` passes the quads of the one dataset it made (its report graphs and `dataset_additions`), so that
    nothing is read back, and its pipeline version, as the summary.json it writes meanwhile will say; without
    them, graph.trig is read by `load_dataset` itself and the version is summary.json's.
    """
    import pyoxigraph

    out_dir = Path(out_dir)
    if not (out_dir / GRAPH_FILE).is_file():
        raise _missing(out_dir)
    stamp = _source_stamp(out_dir, pipeline)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{STORE_DIR}.staging-", dir=out_dir))
    except OSError as exc:
        raise StoreError(f"{out_dir}: cannot write the store here ({exc.strerror})") from None
    try:
        store = pyoxigraph.Store(str(stage / DB_DIR))
        store.bulk_extend(_with_union(_served_quads(out_dir) if quads is None else quads))
        store.flush()
        store.optimize()
        del store  # release the RocksDB lock before the folder moves
        (stage / STAMP_FILE).write_text(json.dumps(stamp) + "\n", encoding="utf-8")
        replace_folder(stage, out_dir / STORE_DIR)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return store_path(out_dir)


def load_store(out_dir: Path, in_memory: bool = False):
    """A read-only pyoxigraph Store of the build in out_dir, making out/store/ first if it is missing or stale.

    The store holds the dataset `kg query` answers from (`kg.dataset.load.load_dataset`: each report's named
    graph with its entailments, the ontology graph, the candidates graph) and, in the default graph,
    their union with each triple once: a query without GRAPH sees everything and gets the rows rdflib's
    union default graph gives. (Oxigraph's `use_default_graph_as_union` keeps a triple once per graph
    holding it, which repeats rows of non-DISTINCT queries, and runs several times slower.)

    Read-only, so several processes (queries, server workers) can open it at once. `in_memory=True`
    copies it into memory: slower to open, but queries run 2-5x faster than on RocksDB, which pays in
    a long-running server.
    """
    import pyoxigraph

    out_dir = Path(out_dir)
    if not store_is_fresh(out_dir):
        if not (out_dir / GRAPH_FILE).is_file():
            raise _missing(out_dir)
        # one loader at a time; whoever waited finds the store fresh and reuses it
        with open(out_dir / f".{STORE_DIR}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not store_is_fresh(out_dir):
                write_store(out_dir)
    try:
        disk = pyoxigraph.Store.read_only(str(store_path(out_dir)))
    except OSError as exc:
        raise StoreError(f"{store_path(out_dir)}: cannot open the store ({exc}); delete the folder and retry") from None
    if not in_memory:
        return disk
    memory = pyoxigraph.Store()
    memory.bulk_extend(iter(disk))
    return memory
