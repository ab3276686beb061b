# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make run   — virtualenv, packages, instance config, database, demo data; serves on HOST:PORT
#   make test  — virtualenv, packages, system tools the tests need; ruff and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test bench lint translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled catalogs (.mo) are build products, made from the committed .po files.
translations: $(VENV)/.runtime
	$(BIN)/pybabel compile --domain messages --directory app/translations

run: $(VENV)/.runtime translations
	sh scripts/system-deps.sh run
	$(BIN)/flask --app wsgi init
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

lint: $(VENV)/.dev
	$(BIN)/ruff check .

test: $(VENV)/.dev translations lint
	sh scripts/system-deps.sh test
	PBI_TEST_POSTGRES_URL="$${PBI_TEST_POSTGRES_URL:-$$(sh scripts/test-postgres.sh)}" $(BIN)/python -m pytest

# Benchmarks (bench/): each figure on one line; record full runs in BENCHMARKS.md.
bench: $(VENV)/.dev translations
	sh scripts/system-deps.sh test
	PBI_TEST_POSTGRES_URL="$${PBI_TEST_POSTGRES_URL:-$$(sh scripts/test-postgres.sh)}" $(BIN)/python -m bench $(BENCH)

# For developers: refresh messages.pot and the kk/ru/en catalogs after changing strings.
extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -o app/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i app/translations/messages.pot -d app/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
