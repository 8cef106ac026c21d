# The development loop. Every target uses the virtualenv the README's commands create (.venv);
# `make VENV=/elsewhere test` uses another. CONTRIBUTING.md says when to run which.
VENV ?= .venv
BIN := $(VENV)/bin

# bench/web.py drives wrk, and exits 2 without it: skip it, saying so ($(1): its options).
web_bench = @if command -v wrk >/dev/null 2>&1; then $(BIN)/python bench/web.py $(1); \
	else echo "bench/web.py skipped: it needs wrk (apt-get install wrk)"; fi

.PHONY: help test test-fast lint lint-imports type check bench bench-quick catalogs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

test: ## every test, with branch coverage and its floor, as CI runs them
	$(BIN)/pytest --cov

test-fast: ## the SQLite tests only, without coverage (deselects the PostgreSQL parameter)
	$(BIN)/pytest -k "not postgresql"

lint: ## ruff's checks and its formatting, as CI runs them
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-imports: ## the layers: import-linter's contracts in pyproject.toml ([tool.importlinter])
	$(BIN)/lint-imports

type: ## mypy --strict on optout/ (settings in pyproject.toml)
	$(BIN)/mypy

check: lint type lint-imports test ## what CI runs after installing: lint, type, lint-imports, test

bench: ## the benchmarks as the README reports them (tokens 45 s, filter 2 min, web 5 min where wrk is installed)
	$(BIN)/python bench/tokens.py
	$(BIN)/python bench/filter.py
	$(call web_bench)

bench-quick: ## smoke runs of the benchmarks (about 30 s; web only where wrk is installed)
	$(BIN)/python bench/tokens.py --quick
	$(BIN)/python bench/filter.py --quick
	$(call web_bench,--quick)

catalogs: ## extract new strings, update and compile translations/ (then fill the bokmål msgstr)
	$(BIN)/python -m optout.devtools.catalogs
