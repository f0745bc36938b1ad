# Two commands on a fresh machine with Python 3.11+:
#   make demo   create .venv, install anthology, build the sample book into build/
#   make test   create .venv if needed, install the test extras, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint clean

demo: $(VENV)/.installed
	$(BIN)/anthology build .

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests
	$(BIN)/pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf build .anthology-cache
