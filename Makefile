# `make setup` creates .venv/ with the project installed; `make run` and `make test` call it first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

MINI := clients/wechat-miniprogram

.PHONY: setup run test eval ingest bench reliability clean miniprogram screenshots

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（找不到 $(PYTHON)；可用 make PYTHON=/path/to/python3.11 指定）"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --no-cache-dir --upgrade pip setuptools wheel >/dev/null
	# The CPU build of torch must come before sentence-transformers, or pip pulls GBs of CUDA packages.
	# No wheel cache: a fresh CI machine's disk once filled up holding every wheel twice (installed and cached).
	$(BIN)/pip install --no-cache-dir torch==2.13.0
	$(BIN)/pip install --no-cache-dir -e '.[dev]'
	touch $(STAMP)

ingest: setup
	$(BIN)/hotline ingest

run: setup
	$(BIN)/hotline ingest
	$(BIN)/hotline serve --host $(HOST) --port $(PORT)

# The mini-program's test tools (WeChat's miniprogram-simulate, miniprogram-api-typings) from its lockfile.
miniprogram: $(MINI)/node_modules/.package-lock.json

$(MINI)/node_modules/.package-lock.json: $(MINI)/package.json $(MINI)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "需要 Node.js 和 npm（apt-get install -y nodejs npm）"; exit 1; }
	cd $(MINI) && npm ci --no-audit --no-fund
	touch $@

test: setup miniprogram
	$(BIN)/python -m pytest

# the README's screenshots (docs/*.png), taken by the browser tests; `make test` leaves docs/ alone
screenshots: setup
	HOTLINE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_browser.py

eval: setup
	$(BIN)/hotline eval

bench: setup
	$(BIN)/python -m evals.bench_ask

# The figures of the README's "Reliability" section (about 10 minutes on 2 cores).
reliability: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/hotline ingest --quiet
	$(BIN)/python -m evals.bench_load --clients 50 --seconds 60
	$(BIN)/python -m evals.bench_load --clients 50 --seconds 60 --reindex
	$(BIN)/python -m evals.bench_faults --runs 20
	$(BIN)/python -m evals.bench_builds --builds 20 --uploads 5
	$(BIN)/python -m evals.bench_slow_clients --headers 300 --bodies 800 --seconds 30
	$(BIN)/python -m evals.fuzz_api --seconds 150

clean:
	rm -rf var .pytest_cache
