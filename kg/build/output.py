"""Write build outputs into a folder atomically: a failed or interrupted build leaves the old folder intact."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from extract.errors import KGError

JSONLD_FILE = "graph.jsonld"


class OutputError(KGError, OSError):
    """The output folder cannot be written."""


def make_readable(folder: Path) -> None:
    """Folders 0755 and files 0644 (less what the umask withholds), like any build tool's output: the staging
    folder is made private by mkdtemp, and copies keep whatever mode their source had."""
    mask = os.umask(0)
    os.umask(mask)
    dirs, files = 0o777 & ~mask, 0o666 & ~mask
    os.chmod(folder, dirs)
    for root, subdirs, names in os.walk(folder):
        for d in subdirs:
            os.chmod(os.path.join(root, d), dirs)
        for n in names:
            os.chmod(os.path.join(root, n), files)


def replace_folder(stage: Path, final: Path) -> None:
    """Put a complete `stage` folder where `final` is, in two renames: readers see the old or the new, never half."""
    make_readable(stage)
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old-{os.getpid()}"
        os.rename(final, old)
    os.rename(stage, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_output(out_dir: Path):
    """Yield a fresh staging folder beside `out_dir`; on success it replaces `out_dir` in two renames."""
    out_dir = Path(out_dir).resolve()
    parent = out_dir.parent
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder; choose another --out")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write output here ({exc.strerror or exc}); choose another --out") from None
    try:
        if out_dir.is_dir():
            # carry over what this build does not produce (the cache, the results `make bench` writes here)
            for keep in ("cache", "benchmarks.md"):
                if (out_dir / keep).is_dir():
                    shutil.copytree(out_dir / keep, stage / keep)
                elif (out_dir / keep).is_file():
                    shutil.copy2(out_dir / keep, stage / keep)
        yield stage
        replace_folder(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def jsonld_context() -> dict:
    """A JSON-LD 1.1 context of the ontology's own prefixes and the graph's (id:, report:, sdg:, wd:...)."""
    from extract.kinds import load_ontology_graph
    from kg.namespace import PREFIXES

    prefixes = {p: str(ns) for p, ns in load_ontology_graph().namespaces() if p}
    prefixes.update({p: str(ns) for p, ns in PREFIXES.items()})
    return {"@version": 1.1, **dict(sorted(prefixes.items()))}


def write_jsonld(dataset, path: Path) -> None:
    """The dataset as compact JSON-LD 1.1: one `@graph` per named graph (per report), a node object per subject,
    IRIs written as compact IRIs of the context's prefixes, every literal with its exact lexical form and datatype.

    Written here rather than by rdflib's JSON-LD serialiser, which took 83 s on the 50-report benchmark corpus
    (247,000 quads) where this takes about as long as writing graph.trig and graph.ttl (11.5 s vs 12.4 s, side by
    side); the tests read the file back with pyld, rdflib and pyoxigraph.
    """
    from rdflib import RDF, BNode, Literal, URIRef
    from rdflib.namespace import XSD

    context = jsonld_context()
    namespaces = sorted(((ns, p) for p, ns in context.items() if not p.startswith("@")), key=lambda x: -len(x[0]))

    short: dict = {}

    def iri(term) -> str:
        if term in short:
            return short[term]
        text = f"_:{term}" if isinstance(term, BNode) else str(term)
        if not isinstance(term, BNode):
            for ns, prefix in namespaces:
                if text.startswith(ns) and len(text) > len(ns) and not text[len(ns):].startswith("//"):
                    text = f"{prefix}:{text[len(ns):]}"
                    break
        short[term] = text
        return text

    def value(term):
        if not isinstance(term, Literal):
            return {"@id": iri(term)}
        if term.language:
            return {"@value": str(term), "@language": term.language}
        if term.datatype is None or str.__eq__(term.datatype, xsd_string):
            return str(term)
        return {"@value": str(term), "@type": iri(term.datatype)}

    default = dataset.default_graph.identifier
    rdf_type, xsd_string = str(RDF.type), str(XSD.string)
    graphs: dict = {}
    for g in dataset.graphs():   # not Dataset.quads, which calls rdflib's deprecated Dataset.contexts
        if not len(g):
            continue
        name = g.identifier
        nodes = graphs.setdefault(name if isinstance(name, URIRef) and name != default else None, {})
        for s, p, o in g:
            node = nodes.setdefault(s, {"@id": iri(s)})
            if str.__eq__(p, rdf_type) and not isinstance(o, Literal):   # str's ==: rdflib's own is slow here
                node.setdefault("@type", []).append(iri(o))
            else:
                node.setdefault(iri(p), []).append(value(o))

    def lines(subjects: dict, indent: str) -> list[str]:
        """One node object per line (the C JSON encoder, without indentation, is what keeps this fast)."""
        out = []
        for subject in sorted(subjects, key=str):
            node = {k: (sorted(v, key=json.dumps) if len(v) > 1 else v) if isinstance(v, list) else v
                    for k, v in subjects[subject].items()}
            out.append(indent + json.dumps(node, ensure_ascii=False))
        return out

    parts = lines(graphs.pop(None, {}), "  ")
    for g in sorted(graphs, key=str):
        parts.append(f'  {{"@id": {json.dumps(iri(g))}, "@graph": [\n' + ",\n".join(lines(graphs[g], "   ")) + "\n  ]}")
    head = json.dumps(context, ensure_ascii=False, indent=1).replace("\n", "\n ")
    with Path(path).open("w", encoding="utf-8") as f:
        f.write('{"@context": ' + head + ',\n "@graph": [\n' + ",\n".join(parts) + "\n ]\n}\n")
