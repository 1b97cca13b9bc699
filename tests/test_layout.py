"""The house's layout: every module of kg/ and extract/ imports, opens with a docstring, and the imports form no cycle."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import ROOT

PACKAGES = ("kg", "extract")


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the project's packages."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules a module imports, anywhere in its body (a function-level import counts too)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def import_graph() -> nx.DiGraph:
    mods = modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        for target in imported(name, path, set(mods)):
            # importing a package's module runs the package's __init__ first; that edge is not a cycle
            if not name.startswith(target + "."):
                g.add_edge(name, target)
    return g


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_imports_and_opens_with_a_docstring(name):
    assert importlib.import_module(name).__name__ == name
    text = modules()[name].read_text(encoding="utf-8")
    if text.strip():   # an empty __init__.py only marks a package
        doc = ast.get_docstring(ast.parse(text))
        assert doc and doc.splitlines()[0].strip(), f"{modules()[name]}: no opening docstring"


def test_the_imports_form_no_cycle():
    g = import_graph()
    cycles = list(nx.simple_cycles(g))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:10])


def test_extract_never_imports_kg():
    g = import_graph()
    wrong = sorted((a, b) for a, b in g.edges if a.startswith("extract") and b.startswith("kg"))
    assert not wrong, wrong


def test_kg_is_packages_that_read_as_the_pipeline():
    """kg/ holds the CLI and the shared vocabulary at the top; everything else is in a package per stage."""
    top = sorted(p.name for p in (ROOT / "kg").glob("*.py"))
    assert top == ["__init__.py", "cli.py", "namespace.py", "ontology.py"], top
    stages = sorted(p.name for p in (ROOT / "kg").iterdir() if (p / "__init__.py").is_file())
    assert stages == ["ask", "build", "dataset", "eval", "pages", "push", "query", "serve"], stages


def test_one_reader_of_query_files_and_no_library_code_writes_tests():
    """queries/*.rq are read (headers and all) by kg.query.library alone; no library code writes tests/golden or
    looks for the development material outside the project."""
    wrong = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if name != "kg.query.library" and ('"*.rq"' in text or ".rq\")" in text):
            wrong.append(f"{path}: reads .rq files")
        if '"golden"' in text or "../shared" in text or '"shared"' in text:
            wrong.append(f"{path}: names tests/golden or ../shared")
    assert not wrong, wrong
