# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make run   — virtualenv, packages, instance config, database, demo data; serves on HOST:PORT
#   make test  — virtualenv, packages, system tools the tests need; ruff and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test proof bench lint translations extract-messages clean

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
	umask 077; PBI_SERVE_HOST=$(HOST) PBI_SERVE_PORT=$(PORT) $(BIN)/flask --app wsgi init
	umask 077; PBI_SERVE_HOST=$(HOST) PBI_SERVE_PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

lint: $(VENV)/.dev
	$(BIN)/ruff check .

# The whole suite twice: on SQLite, then on PostgreSQL (PBI_TEST_BACKEND; a local cluster that
# scripts/test-postgres.sh starts if needed, and stops again after the tests only if it started
# it). Both passes run; each ends with a line naming its backend. PYTEST_ARGS=… adds arguments.
# TEST_WORKERS (default 2, the cores here): pytest-xdist processes per pass, whole files each;
# the files that run servers or bound a wall-clock time run one at a time (tests/conftest.py).
# TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(VENV)/.dev translations lint
	sh scripts/system-deps.sh test
	@run=$$$$; failed=""; summary=""; \
	if [ -z "$${PBI_TEST_POSTGRES_URL:-}" ]; then \
	  trap 'sh scripts/test-postgres.sh stop '"$$run" EXIT; trap 'exit 130' INT TERM; \
	  PBI_TEST_POSTGRES_URL=$$(sh scripts/test-postgres.sh start "$$run"); export PBI_TEST_POSTGRES_URL; \
	fi; \
	for backend in sqlite postgresql; do \
	  start=$$(date +%s); \
	  if [ "$$backend" = postgresql ] && [ -z "$$PBI_TEST_POSTGRES_URL" ]; then \
	    result="not run: no PostgreSQL server here (as root, make test starts one)"; \
	    [ "$${CI:-}" = true ] && { result="$$result — CI must run it"; failed="$$failed $$backend"; }; \
	  elif PBI_TEST_BACKEND=$$backend $(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=25 $(PYTEST_ARGS); \
	  then result=passed; \
	  else result=FAILED; failed="$$failed $$backend"; fi; \
	  line="$$backend pass: $$result in $$(( $$(date +%s) - start )) s"; \
	  echo "=== make test: $$line ==="; summary="$$summary$$line; "; \
	done; \
	if [ -n "$$failed" ]; then echo "=== make test: $${summary}FAILED on:$$failed ==="; exit 1; fi; \
	echo "=== make test: $${summary}all passed ==="

# The proofs (tests marked `proof`) at their larger sizes, on SQLite and then on PostgreSQL;
# each prints its line in the summary. PBI_PROOF_FILINGS: the concurrency proof's filings;
# PBI_PROOF_SCALE multiplies the hostile-input proof's requests.
proof: $(VENV)/.dev translations
	sh scripts/system-deps.sh test
	export PBI_PROOF_FILINGS=$${PBI_PROOF_FILINGS:-3000} PBI_PROOF_SCALE=$${PBI_PROOF_SCALE:-5}; \
	$(BIN)/python -m pytest -m proof $(PYTEST_ARGS) && \
	url="$${PBI_TEST_POSTGRES_URL:-$$(sh scripts/test-postgres.sh)}" && { [ -z "$$url" ] || \
	  PBI_TEST_POSTGRES_URL="$$url" PBI_TEST_BACKEND=postgresql $(BIN)/python -m pytest -m proof $(PYTEST_ARGS); }

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
