# Everything runs from a local .venv; the only prerequisites are Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## run: start OsteoFys on http://127.0.0.1:8000/ (SQLite in ./data, no configuration);
## `make run PORT=8080 DATA=/srv/osteofys` for another port or data directory
PORT ?= 8000
run: $(VENV)/.installed
	$(BIN)/osteofys serve --port $(PORT)$(if $(DATA), --data-dir $(DATA))

## lint: ruff, mypy --strict on the core and knowledge base, import-linter contracts
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: lint, then the whole pytest suite (web tests on SQLite; on PostgreSQL too when
## OSTEOFYS_TEST_POSTGRES is set, as in CI)
test: lint
	OSTEOFYS_DATA_DIR=$(CURDIR)/.test-data $(BIN)/python -m pytest
	@if [ -n "$$OSTEOFYS_TEST_POSTGRES" ]; then \
		echo "== web tests again on PostgreSQL =="; \
		OSTEOFYS_DATA_DIR=$(CURDIR)/.test-data OSTEOFYS_DATABASE_URL="$$OSTEOFYS_TEST_POSTGRES" \
		$(BIN)/python -m pytest tests/web -m "not e2e" --create-db; \
	fi

## bench: benchmark figures with pyperf (not a test): median and spread over fresh processes
bench: $(VENV)/.dev-installed
	$(BIN)/python bench/assess.py
	$(BIN)/python bench/pdf.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
