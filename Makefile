# Two entry points for a fresh machine: `make build` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build check test packages golden translations docs manual bench fuzz clean

# Debian packages need root; use sudo where we are not root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

build: $(STAMP)
	$(BIN)/mappingc build

check: $(STAMP)
	$(BIN)/mappingc check

# The whole suite, as CI runs it (mappings/ must be formatted and generated/ fresh).
test: $(STAMP) packages
	MAPPINGC_TEST_POSTGRES=$$(./scripts/postgres-for-tests.sh) $(BIN)/pytest
	$(BIN)/python scripts/typecheck.py
	$(BIN)/ruff check mappingc generated tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mappingc fmt --check
	$(BIN)/mappingc check
	if git rev-parse -q --verify HEAD~1 >/dev/null; then $(BIN)/mappingc breaking --against HEAD~1; fi

# Rewrite the golden files (tests/__snapshots__) after an intended change to generated output.
golden: $(STAMP)
	$(BIN)/pytest tests/test_golden.py --snapshot-update

# The programs the tests run for real (Chromium, Neovim), from Debian's packages when missing.
packages:
	./scripts/test-packages.sh

# Re-extract translatable strings into locales/mappingc.pot and merge them into every .po file.
# No fuzzy matching: a changed English string shows as missing (its old translation kept as an
# obsolete entry), not as a guess from some other string; a clean clone's run changes nothing.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --omit-header --sort-by-file -c TRANSLATORS: -w 100 \
		-o locales/mappingc.pot .
	$(BIN)/pybabel update -i locales/mappingc.pot -d locales -D mappingc -w 100 \
		--no-fuzzy-matching --ignore-pot-creation-date
	$(BIN)/mappingc docs --check-translations --strict

# The site (Material for MkDocs) of the localized reference, with this manual, into site/.
docs: $(STAMP)
	$(BIN)/mappingc docs --manual docs

# The manual pages generated from mappingc's own code (docs/errors.md from the diagnostics registry).
manual: $(STAMP)
	$(BIN)/python -m mappingc.cli.manual docs

# The fuzz campaign at full size with a fresh seed (tests/test_fuzz.py runs 11,000 inputs with a
# fixed one in `make test`).
fuzz: $(STAMP)
	$(BIN)/python tests/fuzzing.py --templates 20000 --tables 5000

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/sync.py
	$(BIN)/python benchmarks/catalog.py --sizes 100,1000
	$(BIN)/python benchmarks/feedback.py
	$(BIN)/python benchmarks/fmt.py
	$(BIN)/python benchmarks/lsp.py
	$(BIN)/python benchmarks/schemas.py
	$(BIN)/python benchmarks/site.py
	$(BIN)/python benchmarks/bulk.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# setuptools warns on every editable install that a folder named like the package could shadow
	# it; this one is the package.
	PYTHONWARNINGS=ignore::UserWarning:setuptools.command.editable_wheel \
		$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis site
