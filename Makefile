# Two commands: `make run` builds the bundled reports, `make test` runs the tests.
# Both set everything up from a machine with only Python and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: run test fuzz setup system-deps bench clean

run: setup
	$(BIN)/kg build --out $(OUT)
	@echo "kg is $(BIN)/kg; to type kg alone: source $(BIN)/activate"

test: setup system-deps
	$(BIN)/python -m pytest

# The property tests with fresh random examples, many more of them (see tests/conftest.py).
fuzz: setup
	HYPOTHESIS_PROFILE=explore $(BIN)/python -m pytest tests/extract/test_text.py tests/extract/test_sections.py tests/extract/test_results.py

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[model,test]'
	touch $(STAMP)

# Debian packages the tests need: a real browser (chromium), an independent Turtle parser (rapper) and
# libseccomp (kg serve's query workers run under a seccomp filter that keeps them off the network);
# `make bench` loads the endpoints with wrk.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v rapper >/dev/null || ! ldconfig -p | grep -q libseccomp.so.2 || ! command -v wrk >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium raptor2-utils libseccomp2 wrk >/dev/null; \
	fi
	@# a real Virtuoso 7, the SPARQL store kg push is tested against besides Oxigraph
	@if ! command -v virtuoso-t >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends virtuoso-opensource >/dev/null; \
	fi

# Results go to $(OUT)/benchmarks.md; `make bench RESULTS=benchmarks/results.md` updates the tracked file.
bench: setup system-deps
	$(BIN)/python benchmarks/run.py --results $(or $(RESULTS),$(OUT)/benchmarks.md)

clean:
	rm -rf $(VENV) $(OUT) build dist
