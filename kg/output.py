"""Write build outputs into a folder atomically: a failed or interrupted build leaves the old folder intact."""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

JSONLD_FILE = "graph.jsonld"


class OutputError(OSError):
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
            # carry over what this build does not produce (the cache, pages made by other commands)
            for keep in ("cache",):
                if (out_dir / keep).exists():
                    shutil.copytree(out_dir / keep, stage / keep)
        yield stage
        replace_folder(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def jsonld_context() -> dict:
    """A JSON-LD 1.1 context of the ontology's own prefixes and the graph's (id:, report:, sdg:, wd:...)."""
    from rdflib import Graph

    from extract.resources import data_path
    from kg.graph import PREFIXES

    onto = Graph(bind_namespaces="none")
    onto.parse(data_path("ontology") / "reportkg.ttl", format="turtle")
    prefixes = {p: str(ns) for p, ns in onto.namespaces() if p}
    prefixes.update({p: str(ns) for p, ns in PREFIXES.items()})
    return {"@version": 1.1, **dict(sorted(prefixes.items()))}


def write_jsonld(dataset, path: Path) -> None:
    """The dataset as compact JSON-LD 1.1: one `@graph` per named graph (per report), IRIs shortened by the context."""
    with warnings.catch_warnings():   # rdflib's JSON-LD writer calls its own deprecated Dataset.contexts
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        text = dataset.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
    Path(path).write_text(text + "\n", encoding="utf-8")
