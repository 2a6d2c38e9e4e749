# Two commands for a newcomer: `make demo` and `make test`. Both build .venv themselves.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# First interpreter that is Python >= 3.12 (pyenv shims that are not active fail the probe).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (decision 0053): 0 runs in this one process, as before;
# `make test PYTEST_WORKERS=2` (what .ci/run uses) or `auto` (one per core) spreads the tests over
# that many processes, each with its own test database and data dir. `load` hands each worker tests
# in pytest-django's order (plain database tests before the transactional ones that flush).
PYTEST_WORKERS ?= 0
PYTEST_DIST ?= load

# pytest exits 5 when it collected nothing; make would only say "Error 5". Say what it means.
NO_TESTS = || { rc=$$?; [ $$rc -ne 5 ] || echo "pytest collected no tests: the suite is missing, which is a failure." >&2; exit $$rc; }

.PHONY: demo test check lint format typecheck migrations-check browser-test messages clean

# Two locks (decision 0041): requirements.lock is what runs the system (`make demo`, a server);
# requirements-dev.lock is that plus the tools that test and check it. The stamps say which is in.
define venv_install
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is required (python3.12 or newer on PATH)." >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(1)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@
endef

$(BIN)/.installed: requirements.lock pyproject.toml
	$(call venv_install,requirements.lock)

$(BIN)/.installed-dev: requirements-dev.lock pyproject.toml
	$(call venv_install,requirements-dev.lock)

demo: $(BIN)/.installed
	$(BIN)/pumpurs demo

# The whole suite except the browser tests (those need Debian's chromium; see `make browser-test`).
test: $(BIN)/.installed-dev
	$(BIN)/python -m pytest -m "not browser" -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS) $(NO_TESTS)

browser-test: $(BIN)/.installed-dev
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/python -m pytest -m browser $(PYTEST_ARGS) $(NO_TESTS)

# lint-imports checks the contracts in pyproject.toml: apps depend one way, no circles inside an app.
lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

format: $(BIN)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/.installed-dev
	$(BIN)/mypy

migrations-check: $(BIN)/.installed-dev
	$(BIN)/pumpurs makemigrations --check --dry-run

messages: $(BIN)/.installed-dev
	cd pumpurs && ../$(BIN)/pumpurs makemessages -l lv --no-obsolete --no-location && ../$(BIN)/pumpurs compilemessages -l lv

check: lint typecheck migrations-check test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
