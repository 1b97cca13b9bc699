"""Writing a build: the store is made while the pages are written, and a failure in either leaves the old output."""
from __future__ import annotations

import hashlib
import shutil
import threading

import pytest

from kg.build.write import write_build


def _digest(folder) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def old_out(out_dir, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(out_dir, out)
    return out


def test_pages_that_fail_while_the_store_is_made_leave_the_old_output(built, old_out, monkeypatch):
    """The store's thread is waited for before the staging folder goes: nothing is left half-written."""
    import kg.build.write
    from kg.pages.site import PageError

    def fail(*args):
        raise PageError(f"{old_out}: cannot write the pages (disk full)")

    before, threads = _digest(old_out), threading.active_count()
    monkeypatch.setattr(kg.build.write, "write_pages", fail)
    with pytest.raises(PageError):
        write_build(built[0], old_out)
    assert _digest(old_out) == before
    assert not [p.name for p in old_out.parent.iterdir() if p.name.startswith(".")], "a staging folder was left behind"
    assert threading.active_count() == threads, "the store's thread outlived the build"


def test_a_store_that_cannot_be_made_fails_the_build_and_leaves_the_old_output(built, old_out, monkeypatch):
    import kg.build.write
    from kg.dataset.store import StoreError

    def fail(folder, quads, pipeline):
        raise StoreError(f"{folder}: cannot write the store here (No space left on device)")

    before = _digest(old_out)
    monkeypatch.setattr(kg.build.write, "write_store", fail)
    with pytest.raises(StoreError):
        write_build(built[0], old_out)
    assert _digest(old_out) == before
    assert not [p.name for p in old_out.parent.iterdir() if p.name.startswith(".")]


def test_the_write_leaves_the_build_as_it_was_and_times_its_steps(built, tmp_path):
    b = built[0]
    triples = len(b.dataset)
    graphs = {g.identifier for g in b.dataset.graphs() if len(g)}
    write_build(b, tmp_path / "out")
    assert len(b.dataset) == triples and {g.identifier for g in b.dataset.graphs() if len(g)} == graphs
    assert {"extraction", "graph", "validation", "files", "pages", "store"} <= set(b.phases)
    assert all(v >= 0 for v in b.phases.values())
