"""Shared fixtures: the real pipeline, run once on the real bundled reports with the real spaCy model."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: `make test` (and CI) draws the same examples every run, so a result depends only on
# the code; `make fuzz` draws fresh random examples, many more of them, to look for new failures.
# A failure found by fuzzing is pinned with @example in the test that found it.
settings.register_profile("ci", max_examples=300, derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", max_examples=5000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
MALI = "unicef-mali-2021-country-office-annual-report"
HAITI = "wfp-haiti-2025-10-country-brief"
EVAL = ROOT / "tests" / "eval" / "mali-2021"
GOLDEN = ROOT / "tests" / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Write tests/golden/<query>.csv from this run instead of comparing; then read the diff.")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    """True with --update-golden: tests that compare against a golden file write it instead."""
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def extractor():
    from extract.report import load_extractor

    return load_extractor()


@pytest.fixture(scope="session")
def built(tmp_path_factory, extractor):
    """Build both bundled reports once and write them to a session folder, as `kg build` does."""
    from kg.build.reports import build
    from kg.build.write import write_build

    b = build(None, extractor)
    out = tmp_path_factory.mktemp("out")
    write_build(b, out)
    return b, out


@pytest.fixture(scope="session")
def dataset(built):
    return built[0].dataset


@pytest.fixture(scope="session")
def out_dir(built):
    return built[1]


@pytest.fixture(scope="session")
def records(built):
    return {r.slug: r for r in built[0].records}
