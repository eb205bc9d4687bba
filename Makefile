# Two entry points: `make plan STACK=prod|staging` (the offline plan) and `make test`.
# Both work on a fresh machine: they create the virtualenv, and `make test` installs the
# real engines the tests start (PostgreSQL, Prometheus with promtool, amtool, Chromium for the
# gallery check) and shellcheck from Debian packages, builds actionlint from the Go module proxy
# into a cache outside the repository, and installs Grafana's schema and query grammars from npm
# (pinned, `npm ci`, npm's cache outside the repository).

STACK ?= prod
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PACKAGES := postgresql prometheus prometheus-alertmanager shellcheck chromium

.PHONY: plan test lint format system-deps actionlint grafana-deps check-grafana toolchain clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

plan: $(VENV)/.installed
	$(PY) -m tools.plan --stack $(STACK)

system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v promtool >/dev/null \
		|| ! command -v prometheus >/dev/null || ! command -v amtool >/dev/null \
		|| ! command -v shellcheck >/dev/null || ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" != 0 ]; then echo "install as root: apt-get install -y $(SYSTEM_PACKAGES)" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

# actionlint checks every workflow in `make test` (tests/test_workflows.py), with shellcheck on
# their run: scripts. One on PATH is used as it is; otherwise the pinned version is built once with
# `go install` into TOOLS_CACHE (it needs Go 1.25; an older Go >= 1.21 fetches that toolchain).
ACTIONLINT_VERSION := v1.7.12
TOOLS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/observability/tools
ACTIONLINT ?= $(or $(shell command -v actionlint 2>/dev/null),$(TOOLS_CACHE)/actionlint-$(ACTIONLINT_VERSION)/actionlint)
GO ?= $(or $(shell command -v go 2>/dev/null),$(wildcard /usr/local/go/bin/go))

actionlint:
	@if [ ! -x "$(ACTIONLINT)" ]; then \
		if [ -z "$(GO)" ]; then echo "building actionlint needs Go >= 1.21 (https://go.dev/dl/), or put actionlint on PATH" >&2; exit 1; fi; \
		echo "building actionlint $(ACTIONLINT_VERSION) into $(dir $(ACTIONLINT))"; \
		GOBIN="$(dir $(ACTIONLINT))" "$(GO)" install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION); \
	fi

# Grafana's published schema and grammars (npm), pinned by package-lock.json; npm's cache lives
# outside the repository, node_modules/ is ignored.
GRAFANA_CHECKS := tools/grafana_checks
NPM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/npm

grafana-deps: $(GRAFANA_CHECKS)/node_modules/.package-lock.json

$(GRAFANA_CHECKS)/node_modules/.package-lock.json: $(GRAFANA_CHECKS)/package.json $(GRAFANA_CHECKS)/package-lock.json
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" != 0 ]; then echo "install as root: apt-get install -y nodejs npm" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	cd $(GRAFANA_CHECKS) && npm ci --no-audit --no-fund --loglevel=error --cache "$(NPM_CACHE)"
	touch $@

# `make check-grafana STACK=prod`: the plan's dashboards type-checked against @grafana/schema,
# every LogQL/PromQL expression parsed with Grafana's grammars and promtool (also run by `make test`).
check-grafana: $(VENV)/.installed system-deps grafana-deps
	$(PY) -m tools.grafana_checks --stack $(STACK)

# The real Pulumi CLI the engine tests drive, built from the Go module proxy into a cache outside
# the repository (first time: about 10 minutes on 2 cores), reused afterwards. Versions:
# tools/toolchain/versions.env.
toolchain:
	@if [ -z "$(GO)" ]; then echo "building the Pulumi CLI needs Go 1.26 (tools/toolchain)" >&2; exit 1; fi
	PATH="$(dir $(GO)):$$PATH" bash tools/toolchain/build.sh

test: lint system-deps actionlint grafana-deps toolchain
	ACTIONLINT="$(ACTIONLINT)" $(PY) -m pytest -q

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf build .pytest_cache .ruff_cache

# `make plan-diff BASE=<git ref> [STACK="staging prod"]`: the offline plan of BASE (rendered from a
# temporary git worktree) against the working tree, as a Markdown semantic diff (docs/previews.md).
# STACK defaults to both stacks here.
BASE ?= origin/main
PLAN_DIFF_STACKS = $(if $(filter command line environment,$(origin STACK)),$(STACK),staging prod)

.PHONY: plan-diff
plan-diff: $(VENV)/.installed
	@$(PY) -m tools.plan_diff --base $(BASE) $(foreach s,$(PLAN_DIFF_STACKS),--stack $(s)) $(PLAN_DIFF_ARGS)

# `make bench`: offline plan vs the SDK import floor, scaling x1..x100, the Clerk SQL's cost on
# PostgreSQL (10^5 and 10^6 rows, random and time-ordered layouts, against the seed's own queries).
# Prints the tables and writes docs/benchmarks.md and the README's figures (several minutes;
# BENCH_ARGS=--quick for a smoke run).
.PHONY: bench
bench: $(VENV)/.installed
	$(PY) -m tools.bench $(BENCH_ARGS)

# `make runbooks`: docs/runbooks/<team>.md -> build/runbooks/<team>.html + index.html, the site the
# runbooks workflow publishes to GitHub Pages (every alert's runbook_url points into it).
.PHONY: runbooks
runbooks: $(VENV)/.installed
	$(PY) -m tools.runbooks

# `make preview STACK=<stack>`: a picture of every dashboard of the stack with data from the
# engines (seeded PostgreSQL, Prometheus with synthetic series, Loki sample lines), in
# build/<stack>/previews/<uid>.png with an index.html gallery. Panels without data are listed.
.PHONY: preview
preview: $(VENV)/.installed system-deps
	$(PY) -m tools.preview --stack $(STACK)

# `make preview-compare BASE=<git ref> [STACK=prod]`: before/after pictures of the dashboards the
# working tree changes against BASE, changed panels outlined, and comment.md for the pull request,
# in build/preview-compare/ (docs/previews.md).
.PHONY: preview-compare
preview-compare: $(VENV)/.installed system-deps
	$(PY) -m tools.preview.compare --base $(BASE) --stack "$(STACK)"
