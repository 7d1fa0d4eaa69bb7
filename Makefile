# MHST Case Manager. `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := mhst
# Without MHST_ENV the app runs with production rules (and needs a strong SECRET_KEY):
# these targets are for a developer's machine, so they say development; `make test`
# says test.
export MHST_ENV ?= development
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules/.package-lock.json

.PHONY: install
install: $(BIN)/activate node_modules/.package-lock.json ## Create the virtualenv and install Python and npm dependencies

.PHONY: migrate
migrate: install ## Upgrade the database (SQLite under instance/, or DATABASE_URL) and rebuild the report summaries
	$(BIN)/flask db upgrade
	@# A database upgraded past 0018_facts holds records the summaries do not yet count.
	$(BIN)/flask reports refresh-facts

# The LLR services directory (seed 003) lives beside the repository in shared/seeds.
DIRECTORY_SEED := $(firstword $(wildcard ../shared/seeds/003_*.txt))

.PHONY: demo-data
demo-data: migrate ## Load the signposting directory and the invented demo data; print the demo sign-ins
ifneq ($(DIRECTORY_SEED),)
	$(BIN)/flask import-directory $(DIRECTORY_SEED) > /dev/null
	@echo "Signposting directory imported from $(DIRECTORY_SEED)."
else
	@echo "No ../shared/seeds/003_*.txt here: the directory stays empty (flask import-directory PATH)."
endif
	$(BIN)/flask demo-data

.PHONY: demo-code
demo-code: ## Print the demo accounts' current two-step sign-in code (development only)
	@$(BIN)/flask demo-code

# The background jobs' worker with Celery beat (-B) for the scheduled tasks. Its queue is
# on Redis when REDIS_URL is set, else on an embedded broker (a SQLite file in instance/).
WORKER := $(BIN)/celery -A mhst.worker worker -B --loglevel INFO --concurrency 2

.PHONY: worker
worker: migrate ## Run the background jobs' worker and the scheduled tasks in the foreground
	$(WORKER)

.PHONY: run
run: demo-data ## Install, migrate, load demo data; serve on http://127.0.0.1:5000 with a jobs worker
	@$(WORKER) --logfile instance/worker.log & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Background jobs worker started (pid $$worker, log instance/worker.log)"; \
	echo "Serving on http://$(HOST):$(PORT) (Ctrl+C to stop both)"; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# pytest-xdist workers for `make test`; the browser tests share one (--dist loadgroup).
TEST_WORKERS ?= 2

# pytest writes bytecode even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# without its cache every pytest worker rewrites the assertions of every test module again
# (about 6 s of CPU each), and every app server or job worker a test starts compiles mhst
# again. The caches are __pycache__ directories, which git ignores.
.PHONY: test
test: install ## Run ruff, bandit and the whole test suite (SQLite, PostgreSQL and browser tests)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r mhst -q
	PYTHONDONTWRITEBYTECODE= MHST_ENV=test $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

.PHONY: lint
lint: install ## Check the code with ruff and bandit (the security linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r mhst -q

.PHONY: format
format: install ## Format the code and fix what ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The national benchmark (bench/README.md): loads the synthetic data set at SCALE into
# PostgreSQL (mhst_bench_<scale>, or mhst_national at 1.0; reused when it holds the same
# scale and seed), serves it with gunicorn and writes bench/results/<date>-<scale>.md.
SCALE ?= 0.01

.PHONY: bench
bench: install ## Run the national benchmark at SCALE (default 0.01) on local PostgreSQL and Redis
	$(BIN)/python bench/national.py --scale $(SCALE)

.PHONY: clean
clean: ## Remove the virtualenv, node_modules and the local database
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache
