# One command per chore. The README's quick start uses `make run` and `make test`.
# Everything runs in a project virtual environment (.venv/, made on first use), so Debian's
# externally managed Python (PEP 668) is never touched.
SYSTEM_PYTHON ?= python3
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PORT ?= 8501

.PHONY: install install-test run test lint format bench data browser eval clean

$(PYTHON):
	@$(SYSTEM_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "conflictmap needs Python 3.11 or newer; $(SYSTEM_PYTHON) is $$($(SYSTEM_PYTHON) -V 2>&1)" >&2; exit 1; }
	@$(SYSTEM_PYTHON) -m venv $(VENV) || \
	  { rm -rf $(VENV); echo "Cannot make a virtual environment: on Debian or Ubuntu run" \
	    "'sudo apt-get install python3-venv' (or python3.X-venv for your Python), then try again." >&2; exit 1; }
	@$(PYTHON) -m pip install -q --upgrade pip

$(VENV)/.installed: $(PYTHON) pyproject.toml
	$(PYTHON) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(PYTHON) pyproject.toml
	$(PYTHON) -m pip install -q -e '.[test,build]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## install and start the app on the bundled data
run: install
	$(PYTHON) -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

## install and run the whole test suite (browser tests included)
test: install-test browser
	$(PYTHON) -m pytest

## Debian's Chromium for the browser tests (Playwright's own download does not work offline)
browser:
	@bash scripts/ensure-chromium

lint: install-test
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

format: install-test
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

## speed goals: gazetteer, geocoding, extraction, import, map
bench: install-test browser
	$(PYTHON) -m bench

## figures on data we did not write (../shared/dev, when it is there; not part of the tests)
eval: install
	@bash scripts/eval

## rebuild the gazetteer and outlines from GeoNames / Natural Earth, and the sample events
data: install-test
	$(PYTHON) scripts/build_gazetteer.py
	$(PYTHON) scripts/build_outlines.py
	$(PYTHON) -m conflictmap extract data/000_7a287e12d804a890.txt -o src/conflictmap/store/data/sample_events.csv

clean:
	rm -rf $(VENV)
