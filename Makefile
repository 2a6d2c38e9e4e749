# Two commands for a newcomer: `make demo` and `make test`. Both build .venv themselves.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# First interpreter that is Python >= 3.12 (pyenv shims that are not active fail the probe).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
PYTEST_ARGS ?=

.PHONY: demo test check lint format typecheck migrations-check browser-test messages clean

$(BIN)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is required (python3.12 or newer on PATH)." >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

demo: $(BIN)/.installed
	$(BIN)/pumpurs demo

# The whole suite except the browser tests (those need Debian's chromium; see `make browser-test`).
test: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

browser-test: $(BIN)/.installed
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

# lint-imports checks the contracts in pyproject.toml: apps depend one way, no circles inside an app.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/.installed
	$(BIN)/mypy

migrations-check: $(BIN)/.installed
	$(BIN)/pumpurs makemigrations --check --dry-run

messages: $(BIN)/.installed
	cd pumpurs && ../$(BIN)/pumpurs makemessages -l lv --no-obsolete --no-location && ../$(BIN)/pumpurs compilemessages -l lv

check: lint typecheck migrations-check test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
