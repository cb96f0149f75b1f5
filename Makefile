# One entry point: install, run, test, bench, lint.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/warehouse.duckdb
SCALE ?= county
ENGINE ?= duckdb

.PHONY: install run test bench lint demo system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Browser tests and chart export need Debian's chromium and the Noto CJK fonts.
system-deps:
	@bash scripts/system-deps.sh

$(DB): | install
	$(BIN)/wenming demo --out data/demo --scale county
	$(BIN)/wenming build data/demo --db $(DB) --as-of 2025-12-31T23:59:59

# Without an account (单机模式, no sign-in) the app listens on 127.0.0.1 only.
run: install $(DB)
	$(BIN)/streamlit run dashboard/app.py --server.headless=true --browser.gatherUsageStats=false \
		--server.address=$$(WENMING_DB=$(DB) $(BIN)/wenming user address)

test: install system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

bench: install
	$(BIN)/pip install -q pandas
	$(BIN)/python -m bench.run --scale $(SCALE) --engine $(ENGINE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
