# Two entry points: `make demo` and `make test`. Each builds its own virtualenv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[emulator]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.demo-installed
	$(BIN)/omisync demo

lint: $(VENV)/.test-installed
	$(BIN)/ruff check omisync connectors tests bench
	$(BIN)/ruff format --check omisync connectors tests bench

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

unit: $(VENV)/.test-installed
	$(BIN)/python -m pytest

test: lint typecheck unit

bench: $(VENV)/.test-installed
	$(BIN)/python bench/omi_bulk.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/state.py
	$(BIN)/python bench/vault.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
