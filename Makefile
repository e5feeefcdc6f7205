# One entry point for people and CI. Everything installs into .venv from PyPI.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
AXE     = tests/browser/node_modules/axe-core/axe.min.js

.PHONY: install demo test test-slow test-all lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install sna with its dev tools

# axe-core for the accessibility tests, from npm (they skip without it).
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility tests will skip"; fi

demo: $(STAMP)     ## generate the synthetic data and build the full demo report
	$(BIN)/sna demo

test: $(STAMP) $(AXE) ## what CI runs: lint, then the test suite (fast: tests marked slow excluded)
	$(BIN)/ruff check snalib tests tools bench notebooks
	$(BIN)/ruff format --check snalib tests tools bench notebooks
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-slow: $(STAMP) ## statistical simulations and full-size builds
	$(BIN)/python -m pytest -m slow

test-all: $(STAMP)
	$(BIN)/python -m pytest -m "slow or not slow"

lint: $(STAMP)
	$(BIN)/ruff check snalib tests tools bench notebooks
	$(BIN)/ruff format --check snalib tests tools bench notebooks

format: $(STAMP)
	$(BIN)/ruff format snalib tests tools bench notebooks
	$(BIN)/ruff check --fix snalib tests tools bench notebooks

clean:
	rm -rf $(VENV) outputs/*/ .pytest_cache
