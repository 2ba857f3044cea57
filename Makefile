# Every target creates the environment itself: a fresh clone needs nothing but Python 3.11 and make.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install demo test bench lint format stack-up stack-down stack-status dagster-ui clean

$(UV):
	@echo "==> installing uv (Python package manager) from PyPI"
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

install: $(UV)
	@echo "==> creating $(VENV) from uv.lock"
	$(UV) sync --frozen --quiet
	@if [ -f dashboards/schema-check/package-lock.json ]; then \
		echo "==> installing Grafana's schema package for the dashboard checks (npm)"; \
		npm ci --prefix dashboards/schema-check --no-audit --no-fund --loglevel=error; \
	fi

demo: install
	$(BIN)/ibe demo

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

stack-up: install
	$(BIN)/ibe stack up

stack-down: install
	$(BIN)/ibe stack down

stack-status: install
	$(BIN)/ibe stack status

dagster-ui: install
	$(BIN)/ibe stack up --dagster-ui

clean:
	-$(BIN)/ibe stack down
	rm -rf .ibe
