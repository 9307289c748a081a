# 济南数字化应用场景公共服务平台 — developer commands. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000

.DEFAULT_GOAL := help
GUNICORN := $(BIN)/gunicorn -c deploy/gunicorn.conf.py
.PHONY: help run dev serve matching worker test lint typecheck audit lock seed clean bench translations

# The audited dependency set: every install pins its packages to it (`make lock` refreshes it).
LOCK      := deploy/constraints.txt
LOCK_VENV := .venv-lock
PIP_INSTALL = $(BIN)/pip install -q -c $(LOCK)

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-9s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip setuptools

# The `fast` extra compiles a C segmenter; where no compiler exists the engine uses pure jieba.
FAST_SEGMENTER = $(PIP_INSTALL) -e '.[fast]' || echo "jieba_fast not built (no C compiler?): using pure jieba, slower"

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -e .
	@$(FAST_SEGMENTER)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	@$(FAST_SEGMENTER)
	@touch $(VENV)/.installed $@

run: $(VENV)/.installed ## install, migrate, load demo data if empty, serve on http://127.0.0.1:5000 (gunicorn, 2 workers)
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) demo-accounts
	$(GUNICORN) --workers 2 --bind $(HOST):$(PORT) app.wsgi:app

dev: $(VENV)/.installed ## like run, but Flask's development server reloading on every change
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed ## the production web tier: needs DATABASE_URL and SECRET_KEY; migrates, never loads demo data
	@test -n "$$DATABASE_URL" || { echo "make serve: set DATABASE_URL (see docs/deployment.md)"; exit 2; }
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY (see docs/deployment.md)"; exit 2; }
	APP_ENV=production $(FLASK) db upgrade
	APP_ENV=production $(GUNICORN) app.wsgi:app

matching: $(VENV)/.installed ## the matching process of this machine (the web tier's MATCHING_URL points at it)
	@test -n "$$DATABASE_URL" || { echo "make matching: set DATABASE_URL (see docs/deployment.md)"; exit 2; }
	$(BIN)/gunicorn -c deploy/gunicorn-matching.conf.py

worker: $(VENV)/.installed ## the job worker and the periodic scheduler (needs REDIS_URL; see docs/deployment.md)
	@test -n "$$REDIS_URL" || { echo "make worker: set REDIS_URL (without it jobs run inside the web processes)"; exit 2; }
	$(FLASK) jobs scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; $(FLASK) jobs worker

test: $(VENV)/.installed-dev ## run the whole suite (TEST_DATABASE_URL selects PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff check and format check of app, tests and tooling
	$(BIN)/ruff check app tests tooling
	$(BIN)/ruff format --check app tests tooling

typecheck: $(VENV)/.installed-dev ## mypy over app/: strict for the engine, the services and the policies (pyproject.toml)
	$(BIN)/mypy

audit: $(VENV)/.installed-dev ## security gates: lock complete, privacy inventory, bandit, pip-audit of the lock (deploy/audit-waivers.toml)
	$(BIN)/python -m app.gates lock-check
	$(BIN)/python -m app.gates privacy
	$(BIN)/bandit -q -c pyproject.toml -r app tooling
	$(BIN)/python -m app.gates audit

# pip freeze --all: pip and setuptools are in every virtualenv, so they are pinned and audited too
lock: ## refresh deploy/constraints.txt: the newest versions pyproject.toml allows, from a fresh virtualenv
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q --upgrade pip setuptools
	$(LOCK_VENV)/bin/pip install -q -e '.[dev,fast]'
	{ $(LOCK_VENV)/bin/python -m app.gates lock-header; $(LOCK_VENV)/bin/pip freeze --all --exclude-editable; } > $(LOCK)
	$(LOCK_VENV)/bin/python -m app.gates lock-check
	rm -rf $(LOCK_VENV)
	@echo "$(LOCK) refreshed: run make audit and the suite, then commit it"

clean: ## remove the virtualenv and caches (keeps instance/)
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache .mypy_cache

# The benchmarks are tooling/ (not installed with the app): they run from the checkout.
bench: $(VENV)/.installed-dev ## benchmark matching, lists, dashboard, open-data export, pages and the API at city scale (tooling/; writes docs/performance*.md)
	$(BIN)/python -m tooling.matching.bench $(BENCH_ARGS)
	$(BIN)/python -m tooling.bench.dashboard
	$(BIN)/python -m tooling.bench.lists $(BENCH_LISTS_ARGS)
	$(BIN)/python -m tooling.bench.exports $(BENCH_EXPORTS_ARGS)
	@command -v wrk >/dev/null || { echo "make bench: the page benchmark needs wrk (apt-get install wrk)"; exit 2; }
	$(BIN)/python -m tooling.bench.web $(BENCH_WEB_ARGS)
	$(BIN)/python -m tooling.bench.api $(BENCH_API_ARGS)

# The English catalogue (docs/i18n.md): messages.mo is committed, and a test fails when it is
# stale, so `make run` and `make test` need no compile step.
POT := app/translations/messages.pot
translations: $(VENV)/.installed-dev ## collect the strings marked for translation into app/translations/en and compile it
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --ignore-dirs=".*" --no-location --sort-output --project=jinan-scenarios --version=0.1.0 -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d app/translations --no-wrap --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d app/translations --statistics
	@rm -f $(POT)
	@echo "translate the new or fuzzy entries in app/translations/en/LC_MESSAGES/messages.po, then run make translations again"
