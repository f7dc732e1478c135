# Two entry points for a fresh machine: `make build` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build check test lint typecheck golden bench clean

build: $(STAMP)
	$(BIN)/mappingc build

check: $(STAMP)
	$(BIN)/mappingc check

# The whole suite, as CI runs it.
test: $(STAMP)
	$(BIN)/pytest
	$(BIN)/mypy mappingc generated/sync
	$(BIN)/ruff check mappingc generated tests benchmarks
	$(BIN)/mappingc check

# Rewrite the golden files (tests/__snapshots__) after an intended change to generated output.
golden: $(STAMP)
	$(BIN)/pytest tests/test_golden.py --snapshot-update

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
