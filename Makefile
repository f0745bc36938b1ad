# Two commands on a fresh machine with Python 3.11+:
#   make demo   create .venv, install anthology, build the sample book into build/
#   make test   create .venv if needed, install the test extras, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint clean ace fuzz

demo: $(VENV)/.installed
	$(BIN)/anthology build .

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests
	$(BIN)/pytest -q

# A longer fuzzing campaign than CI's (random seeds, 5,000 examples a test; more with
# HYPOTHESIS_EXAMPLES=N). What it finds is kept in .hypothesis/ for the next run.
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=long $(BIN)/pytest -q tests/test_fuzz.py

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

# Optional: DAISY Ace for the accessibility test (tests/test_accessibility.py skips without it).
# Needs Debian's chromium; Puppeteer must not download a browser of its own.
ace:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
	  npm install --no-audit --no-fund --prefix .ace @daisy/ace-cli@1.4.6
	ANTHOLOGY_ACE=$(CURDIR)/.ace/node_modules/.bin/ace-cli PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium \
	  $(BIN)/pytest -q tests/test_accessibility.py
