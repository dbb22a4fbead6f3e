# Developer entry points. Only python3 is needed: `make test` builds .venv first, and with it
# the compiled matching core (a C compiler helps; without one the pure modules run).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv run test lint bench-core assets

# The compiled matching core (tools/build_core.py): rebuilt only when matching/engine changed;
# it never fails (no C compiler, a mypy error: one line, and the pure modules run).
venv: $(STAMP)
	@$(BIN)/python -m tools.build_core

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when requirements.txt is newer than the last install.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

run: venv
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py bootstrap_demo
	$(BIN)/python manage.py runexchange --host $(HOST) --port $(PORT)

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/python -m mypy matching/engine

# The trading page's chart library: package.json pins it; its standalone build is copied into
# the static files and committed, so running the page needs neither npm nor a CDN.
VENDOR := exchange/static/exchange/vendor
CHARTS := node_modules/lightweight-charts

assets:
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp $(CHARTS)/dist/lightweight-charts.standalone.production.mjs $(VENDOR)/
	cp $(CHARTS)/LICENSE $(VENDOR)/lightweight-charts.LICENSE

# The matching core's benchmark (README "Performance"): the 200,000-command standard mix,
# replayed without and with the journal (fsync always), best of $(RUNS) runs each, by the
# build MATCHING_CORE chooses (auto: the compiled one when it is current).
RUNS ?= 5
BENCH_FILE := var/bench/standard_200k.jsonl

$(BENCH_FILE): tests/matching/workloads/standard_200k.jsonl.gz
	mkdir -p $(dir $@)
	gunzip -c $< > $@

bench-core: venv $(BENCH_FILE)
	$(BIN)/python -m matching.bench $(BENCH_FILE) --runs $(RUNS)
