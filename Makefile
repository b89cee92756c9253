# Agendei — the two set-up commands are `make run` and `make test`; both work from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One worker per core (pytest-xdist); each worker has its own PostgreSQL database and Redis db.
PYTEST_ARGS ?= -n auto

.PHONY: run test lint bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Serve web + bot + scheduler on http://127.0.0.1:8000 (SQLite under ./var, sandbox bot).
run: install
	$(BIN)/agendei run

## Whole suite on SQLite, and again on PostgreSQL + Redis when they answer.
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app domain storage bot dialogs scheduler webhooks panel i18n emulator tests
	$(BIN)/mypy --strict domain app

## Benchmarks: one JSON file per benchmark in bench/results/.
bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
