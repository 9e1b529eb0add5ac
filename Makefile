# One command per job. `make serve` and `make test` do all set-up themselves on a fresh machine.
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export PYTHONPATH := $(CURDIR)/scripts

.PHONY: help serve build check-refs publish test test-browser bench chromium clean bytecode

help:
	@echo "make serve       build and serve on http://127.0.0.1:8000 with live reload"
	@echo "make build       strict build into site/ (offline reference check from bib/doi-lock.json)"
	@echo "make check-refs  numbering audit and online DOI check; writes reference-report.json"
	@echo "make publish     verify every DOI online, build strictly, deploy with mkdocs gh-deploy"
	@echo "make test        all tests, browser tests included (installs Chromium if missing)"
	@echo "make bench       benchmarks; writes BENCHMARKS.md"

# The virtual environment is rebuilt whenever requirements.txt changes.
$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The hook's modules, compiled to bytecode as pip compiles installed packages. Python does this
# itself on first import, but not where PYTHONDONTWRITEBYTECODE is set (our machines set it): every
# build would then compile ~3,500 lines again, ~25 ms of a 0.8 s build. compileall skips what is up
# to date, and Python never uses a stale copy (it compares each file's timestamp and size first).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q scripts/hooks.py scripts/citesite

serve: $(STAMP) bytecode
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

build: $(STAMP) bytecode
	$(BIN)/mkdocs build --strict

# MAX_AGE_DAYS=0 re-checks every DOI, however fresh its lock record (the weekly re-check does).
check-refs: $(STAMP) bytecode
	$(BIN)/python -m citesite check --online --json reference-report.json $(if $(MAX_AGE_DAYS),--max-age-days $(MAX_AGE_DAYS))

publish: $(STAMP) bytecode
	@test -n "$(SITE_URL)" || { echo "make publish: set SITE_URL to the site's public address (canonical links, sitemap, citation metadata)"; exit 2; }
	$(BIN)/python -m citesite check --online --for-publish --json reference-report.json
	$(BIN)/mkdocs build --strict
	$(BIN)/mkdocs gh-deploy --strict --force --no-history

# Debian's Chromium for the browser tests (Playwright cannot download its own browsers here),
# and axe-core for their accessibility checks.
AXE := tests/browser/node_modules/axe-core/axe.min.js
APT := $(if $(filter 0,$(shell id -u)),,sudo )env DEBIAN_FRONTEND=noninteractive apt-get

chromium: $(AXE)
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(APT) update -qq && $(APT) install -y -qq chromium >/dev/null; }

# axe-core from the npm registry at the version tests/browser/package-lock.json pins; npm gives
# unpacked files a 1985 date, hence the touch.
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { \
	  echo "Installing Debian's npm for the browser tests"; \
	  $(APT) update -qq && $(APT) install -y -qq npm >/dev/null; }
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

test: $(STAMP) chromium
	$(BIN)/python -m pytest -c tests/pytest.ini

bench: $(STAMP) chromium
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r scripts/bench/requirements.txt
	[ scripts/bench/node_modules/.package-lock.json -nt scripts/bench/package-lock.json ] || \
	  (cd scripts/bench && npm ci --no-audit --no-fund --loglevel=error)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf site .pytest_cache test-artifacts
