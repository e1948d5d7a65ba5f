# 企通 qitong — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers; CI and laptops alike use every core.
PYTEST_WORKERS ?= auto

.PHONY: install demo serve test lint typecheck check clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

## make demo: install, migrate the embedded SQLite database under var/, load the demo data and
## serve web + worker on http://$(HOST):$(PORT) (Ctrl-C stops both).
demo: install
	$(BIN)/qitong migrate --no-input
	$(BIN)/qitong demo
	$(BIN)/qitong serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/qitong serve --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite, or PostgreSQL when DATABASE_URL points at one).
test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# The business core is held to --strict: services, selectors, state machines and their inputs,
# the workflow core and the ledger.
STRICT := src/qitong/workflow src/qitong/ledger src/qitong/tickets/services \
	src/qitong/tickets/selectors.py src/qitong/tickets/transitions.py src/qitong/tickets/inputs.py \
	src/qitong/knowledge/services.py src/qitong/knowledge/selectors.py \
	src/qitong/knowledge/transitions.py src/qitong/routing/services.py \
	src/qitong/routing/engine.py src/qitong/enterprises/services.py \
	src/qitong/enterprises/selectors.py src/qitong/accounts/services.py \
	src/qitong/core/prepared.py src/qitong/notifications src/qitong/jobs

typecheck: install
	$(BIN)/mypy src
	$(BIN)/mypy --strict $(STRICT)
	$(BIN)/lint-imports --no-cache

check: lint typecheck
	$(BIN)/qitong makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
