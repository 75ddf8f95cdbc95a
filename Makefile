# Entry points of the project. Everything runs on real components (PostgreSQL, Kafka, nginx,
# an SMTP sink) started by deploy/local/bin/up; state lives under var/.
#
#   make up / down [ALL=1]    start / stop the local stack (ALL=1 also stops PostgreSQL)
#   make test                 unit tests, then up, then integration and end-to-end tests
#   make test-unit | test-integration | test-e2e
#   make test-svc SVC=identity   one service's unit then integration tests
#   make generate             write every deployment file from the declarations
#                             (deploy/platform.toml, services/*/service.toml)
#   make new-service NAME=claims [PORT=8004]   scaffold a service (declared, locked, generated)
#   make status | logs | install | bench
#   PYTEST_ARGS="-x -k foo"   extra pytest arguments for any test target

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

BIN := deploy/local/bin
PYTEST := $(BIN)/pytest-run
PYTEST_ARGS ?=

UNIT_PATHS        := $(wildcard libs/*/tests/unit domain/*/tests/unit services/*/tests/unit tests/deploy)
INTEGRATION_PATHS := $(wildcard libs/*/tests/integration services/*/tests/integration)
E2E_PATHS         := $(wildcard tests/e2e tests/web tests/audit)

.PHONY: help install up down status logs test test-unit test-integration test-e2e test-svc bench generate new-service

help:
	@awk '/^#/ { sub(/^# ?/, ""); print; next } { exit }' Makefile

install:
	$(BIN)/install

generate:
	.venv/bin/python -m ms_deploy generate

new-service:
	@[[ -n "$(NAME)" ]] || { echo "usage: make new-service NAME=<name> [PORT=<api port>] [SUMMARY='what it owns']"; exit 2; }
	uv run --frozen python -m ms_deploy new-service "$(NAME)" $(if $(PORT),--port $(PORT)) $(if $(SUMMARY),--summary "$(SUMMARY)")
	uv lock
	uv sync --frozen
	.venv/bin/python -m ms_events.schemas write
	.venv/bin/python -m ms_deploy generate

up:
	$(BIN)/up

down:
	$(BIN)/down $(if $(ALL),--all)

status:
	$(BIN)/stack status

logs:
	@ls var/log/*.log >/dev/null 2>&1 || { echo "no logs yet in var/log/ (make up)"; exit 1; }
	tail -n 20 -F var/log/*.log

test:
	$(MAKE) install
	$(MAKE) test-unit
	$(MAKE) up
	$(MAKE) test-integration
	$(MAKE) test-e2e

test-unit:
	$(PYTEST) unit $(UNIT_PATHS) $(PYTEST_ARGS)

test-integration:
	$(PYTEST) integration $(INTEGRATION_PATHS) $(PYTEST_ARGS)

test-e2e:
	$(PYTEST) e2e $(E2E_PATHS) $(PYTEST_ARGS)

test-svc:
	@[[ -n "$(SVC)" && -d "services/$(SVC)" ]] || { echo "usage: make test-svc SVC=<one of: $(notdir $(wildcard services/*))>"; exit 2; }
	$(PYTEST) "$(SVC) unit" $(wildcard services/$(SVC)/tests/unit) $(PYTEST_ARGS)
	$(MAKE) up
	$(PYTEST) "$(SVC) integration" $(wildcard services/$(SVC)/tests/integration) $(PYTEST_ARGS)

# Every benchmark by default; `make bench BENCHES=notify_bench` for one.
BENCHES ?= run identity_bench contracts_bench notify_bench observability_bench callback_bench assistance_bench \
            claims_bench affiliation_bench broker_pricing_bench web_bench
bench:
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -q wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }; }
	@for b in $(BENCHES); do echo "==> bench/$$b.py"; .venv/bin/python bench/$$b.py || exit $$?; done
