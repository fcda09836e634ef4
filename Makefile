# The README's two commands: `make synth` and `make test`. Everything installs from this repo's files.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CONFIG ?= config/default.yaml
# jsii prints a Node 20 end-of-life banner on every synth. No supported Node can be installed
# from this repo's files (npm's `node` package downloads from outside the registries), so we
# silence it for the major version in use; on Node 22/24 the variable does nothing.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
# Python's bytecode cache (__pycache__/, ignored by git and by the handler asset) is on even
# where the shell turns it off: without it every test worker, synth and cfn-lint process
# compiles this repo's modules again (about 2 s of the test collection alone).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: synth test diff deploy bench impact status drift integ schema data clean lock

# Values a person passes (make drift CONFIG=...) reach recipes through the environment and are
# quoted there ("$$CONFIG"): the shell never reads them as code. Each is checked against a
# pattern first, so a typo fails with its name instead of running something else.
export PYTHON CONFIG BASE HEAD ROLE_ARN BASE_CONFIG FAIL TRAINING_MINUTES STATUS_AT
PATH_PATTERN := ^[A-Za-z0-9_./][A-Za-z0-9_./-]*$$
ROLE_ARN_PATTERN := ^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$$
# $(call check,NAME,PATTERN): stop unless the variable NAME matches PATTERN (bash regex).
check = re='$(2)'; [[ "$${$(1)}" =~ $$re ]] || { echo "make: $(1)='$${$(1)}' must match $(2)" >&2; exit 2; }

# Everything pip installs is locked with the hash of every file (requirements*.txt, compiled by
# `make lock` from the top-level pins in requirements*.in) and installed as wheels only: no
# setup.py runs, and a file whose hash is not in the lock is refused.
PIP_INSTALL = "$(VENV)/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --only-binary=:all:

$(VENV)/.installed: requirements.txt
	@$(call check,PYTHON,$(PATH_PATTERN))
	"$$PYTHON" -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The locks, from requirements*.in: one resolution valid on every platform and on Python 3.11
# and later (the pipeline's builds run 3.12), with the hashes of all of each version's files,
# from uv's default index, PyPI (no pip.conf, no uv.toml). Pins already in a lock are kept unless an .in
# file needs another version; UPGRADE=1 moves every unpinned dependency to its newest release.
LOCK_TOOL := .cache/lock-tool
LOCK = $(LOCK_TOOL)/bin/uv --no-config pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" \
	$(if $(UPGRADE),--upgrade)

$(LOCK_TOOL)/.installed: requirements-lock-tool.txt
	@$(call check,PYTHON,$(PATH_PATTERN))
	"$$PYTHON" -m venv $(LOCK_TOOL)
	"$(LOCK_TOOL)/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
		--only-binary=:all: -r requirements-lock-tool.txt
	touch $@

# The tool's own lock is replaced only when it changes: rewriting it would reinstall the tool.
lock: $(LOCK_TOOL)/.installed
	$(LOCK) requirements-lock-tool.in -o $(LOCK_TOOL)/requirements-lock-tool.txt
	cmp -s $(LOCK_TOOL)/requirements-lock-tool.txt requirements-lock-tool.txt \
		|| cp $(LOCK_TOOL)/requirements-lock-tool.txt requirements-lock-tool.txt
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) --constraints requirements.txt requirements-dev.in -o requirements-dev.txt

synth: $(VENV)/.installed node_modules/.installed
	@$(call check,CONFIG,$(PATH_PATTERN))
	rm -rf cdk.out
	npx --no-install cdk synth --quiet -c config="$$CONFIG" 2>&1 >/dev/null | sed '/^$$/d'
	$(PY) -m ops.summary cdk.out

diff: $(VENV)/.installed node_modules/.installed
	@$(call check,CONFIG,$(PATH_PATTERN))
	npx --no-install cdk diff -c config="$$CONFIG"

deploy: $(VENV)/.installed node_modules/.installed
	@$(call check,CONFIG,$(PATH_PATTERN))
	npx --no-install cdk deploy -c config="$$CONFIG"

test: $(VENV)/.dev-installed node_modules/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy app.py stacks lambda_handlers ops simulation bench scripts tests integ
	npx --no-install jscpd --config .jscpd.json lambda_handlers stacks ops simulation
	$(PY) -m pytest -n 2 --dist worksteal

bench: $(VENV)/.dev-installed node_modules/.installed
	$(PY) -m bench.run

# What a change does to Personalize, for a PR comment: make impact BASE=base.out HEAD=cdk.out
# (exit 2 = a retrain or a Personalize resource replaced/deleted: ask for an extra approval).
impact: $(VENV)/.dev-installed
	@$(call check,BASE,$(PATH_PATTERN)); $(call check,HEAD,$(PATH_PATTERN))
	$(PY) -m ops.impact "$$BASE" "$$HEAD"

# A deployed stack, read-only (ops/status, ops/drift; docs/operate.md): the config's stack in the
# account of the shell. WATCH=1 redraws every 30 s until nothing is in progress; JSON=1 prints JSON.
# ROLE_ARN=... assumes that role first (the pipeline's drift step: the stage's drift reader role).
status: $(VENV)/.installed
	@$(call check,CONFIG,$(PATH_PATTERN))$(if $(ROLE_ARN),; $(call check,ROLE_ARN,$(ROLE_ARN_PATTERN)))
	$(PY) -m ops.status --config "$$CONFIG" $(if $(WATCH),--watch) $(if $(JSON),--json) $(if $(ROLE_ARN),--role-arn "$$ROLE_ARN")

# Exit 0 in sync, 3 drifted (a custom resource changed outside CloudFormation), 1 cannot read.
drift: $(VENV)/.installed
	@$(call check,CONFIG,$(PATH_PATTERN))$(if $(ROLE_ARN),; $(call check,ROLE_ARN,$(ROLE_ARN_PATTERN)))
	$(PY) -m ops.drift --config "$$CONFIG" $(if $(ROLE_ARN),--role-arn "$$ROLE_ARN")

# Deploys integ/config.yaml to the account of the shell, checks it, destroys it (about an hour;
# costs money: docs/operate.md). Not part of `make test`, which checks its snapshot offline.
integ: $(VENV)/.dev-installed node_modules/.installed
	$(PY) -m pytest -m integ integ

# A deploy, or a change, played offline in a simulated account on a virtual clock (ops/rehearse,
# docs/operate.md): a timeline, `make status` at chosen minutes, a summary. No AWS account; it
# deploys into the test suite's fake Personalize (moto plays S3), so it needs the dev install.
#   make rehearse [CONFIG=head.yaml] [BASE_CONFIG=base.yaml] [FAIL=training|gate|campaign]
#                 [TRAINING_MINUTES=150] [STATUS_AT=30,60]
.PHONY: rehearse
rehearse: $(VENV)/.dev-installed
	@$(call check,CONFIG,$(PATH_PATTERN))$(if $(BASE_CONFIG),; $(call check,BASE_CONFIG,$(PATH_PATTERN)))$(if $(FAIL),; $(call check,FAIL,^(training|gate|campaign)$$))$(if $(TRAINING_MINUTES),; $(call check,TRAINING_MINUTES,^[0-9]+$$))$(if $(STATUS_AT),; $(call check,STATUS_AT,^[0-9]+(,[0-9]+)*$$))
	$(PY) -m ops.rehearse --config "$$CONFIG" $(if $(BASE_CONFIG),--base-config "$$BASE_CONFIG") $(if $(FAIL),--fail "$$FAIL") $(if $(TRAINING_MINUTES),--training-minutes "$$TRAINING_MINUTES") $(if $(STATUS_AT),--status-at "$$STATUS_AT")

schema: $(VENV)/.installed
	$(PY) -m stacks.config_model.json_schema > config/config.schema.json

data:
	@$(call check,PYTHON,$(PATH_PATTERN))
	"$$PYTHON" scripts/make_sample_data.py

clean:
	rm -rf cdk.out .cache .pytest_cache .mypy_cache .ruff_cache
