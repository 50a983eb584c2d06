# smcap — two commands a newcomer needs:  make run   and   make test
#
# Both install .venv from requirements.lock: the exact versions, with hashes, of the app's
# dependencies and the dev extras (pytest, ruff, playwright, semopy), resolved for Python 3.11 on
# Linux. pyproject.toml keeps the version ranges for those who install smcap as a library.
# To refresh the lock on purpose: `make lock` (the newest releases the ranges allow), then
# `make test`, then commit requirements.lock.
#
# The installer is uv: the one on PATH, else uv $(UV_VERSION) from PyPI in a venv of its own under
# $(UV_HOME). pip installs from the same lock when uv cannot be had, or with INSTALLER=pip.
PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
LOCK       := requirements.lock
STAMP      := $(VENV)/.smcap-installed
PORT       ?= 8501
INSTALLER  ?= uv
UV_VERSION := 0.13.9
UV_HOME    ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/smcap/uv-$(UV_VERSION)
UV         := $(or $(shell command -v uv 2>/dev/null),$(UV_HOME)/bin/uv)
PIP_OPTS   := --quiet --disable-pip-version-check
PIP        := $(BIN)/python -m pip $(PIP_OPTS)
SUDO       := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT        := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

# $(call step,what is happening): one progress line, with the seconds since make started.
T0   := $(shell date +%s)
step  = echo "[$$(( $$(date +%s) - $(T0) ))s] $(1)"

.PHONY: run test test-fast lint install lock system-deps axe demo-data bench clean

# The venv gets no pip of its own when $(PYTHON)'s pip can install into it (pip >= 22.3): quicker.
$(UV_HOME)/bin/uv:
	@$(call step,installing uv $(UV_VERSION) from PyPI into $(UV_HOME))
	@$(PYTHON) -m venv --without-pip $(UV_HOME) && { \
	  $(PYTHON) -m pip --python $(UV_HOME)/bin/python $(PIP_OPTS) install 'uv==$(UV_VERSION)' 2>/dev/null || { \
	    $(UV_HOME)/bin/python -m ensurepip >/dev/null && \
	    $(UV_HOME)/bin/python -m pip $(PIP_OPTS) install 'uv==$(UV_VERSION)'; }; } \
	  || { rm -rf $(UV_HOME); echo "uv could not be installed: pip installs instead"; }

# Reinstall when the lock or the project's metadata change; the install removes what the lock
# does not list.
$(STAMP): $(LOCK) pyproject.toml | $(if $(filter uv,$(INSTALLER)),$(UV))
	@set -e; if [ "$(INSTALLER)" = uv ] && [ -x "$(UV)" ]; then \
	  if [ ! -x $(BIN)/python ]; then \
	    $(call step,creating $(VENV) with uv); $(UV) venv --quiet --python $(PYTHON) $(VENV); fi; \
	  $(call step,installing $(LOCK) and smcap into $(VENV) with uv); \
	  $(UV) pip install --quiet --python $(BIN)/python --exact --no-deps -r $(LOCK) -e .; \
	else \
	  if [ ! -x $(BIN)/python ]; then \
	    $(call step,creating $(VENV) with $(PYTHON) -m venv); $(PYTHON) -m venv $(VENV); fi; \
	  $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null; \
	  $(call step,installing $(LOCK) and smcap into $(VENV) with pip); \
	  $(PIP) install --require-hashes --no-deps -r $(LOCK); \
	  $(PIP) install --no-deps -e .; \
	fi
	@touch $@
	@$(call step,$(VENV) is ready)

install: $(STAMP)

lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --upgrade --generate-hashes --quiet \
	  --python-version 3.11 --python-platform linux --custom-compile-command 'make lock' -o $(LOCK)

# Debian packages the tests need: Chromium for the browser tests (Playwright drives it) and R's
# interpreter, whose parser checks that instrument text cannot inject code into the lavaan script.
SYSTEM_PACKAGES := $(if $(shell command -v chromium),,chromium fonts-dejavu-core) \
                   $(if $(shell command -v Rscript),,r-base-core)
system-deps:
	@$(if $(strip $(SYSTEM_PACKAGES)),$(call step,installing Debian packages for the tests: \
	  $(strip $(SYSTEM_PACKAGES))) && $(APT) update -qq && \
	  $(APT) install -y -qq --no-install-recommends $(strip $(SYSTEM_PACKAGES)),@true)

# axe-core, the accessibility checker the dashboard browser tests inject into each page: the
# pinned release from npm's registry, kept only when its sha512 matches the integrity the
# registry published for it (`npm view axe-core@$(AXE_VERSION) dist.integrity`).
AXE_VERSION   := 4.14.1
AXE_INTEGRITY := sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE_HOME      ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/smcap/axe-core-$(AXE_VERSION)
AXE_JS        := $(AXE_HOME)/axe.min.js
$(AXE_JS):
	@$(call step,fetching axe-core $(AXE_VERSION) from registry.npmjs.org into $(AXE_HOME))
	@set -e; mkdir -p $(AXE_HOME); tgz=$(AXE_HOME)/axe-core.tgz; \
	  curl -fsSL --retry 3 -o $$tgz \
	    https://registry.npmjs.org/axe-core/-/axe-core-$(AXE_VERSION).tgz; \
	  got="sha512-$$(openssl dgst -sha512 -binary $$tgz | base64 | tr -d '\n')"; \
	  if [ "$$got" != "$(AXE_INTEGRITY)" ]; then \
	    rm -f $$tgz; echo "axe-core $(AXE_VERSION): checksum mismatch ($$got)" >&2; exit 1; fi; \
	  tar -xzf $$tgz -C $(AXE_HOME) --strip-components=1 package/axe.min.js; rm -f $$tgz
axe: $(AXE_JS)

demo-data: $(STAMP)
	@$(call step,preparing the demo data)
	@$(BIN)/python -m survey.demo

# Demo mode (SMCAP_DEMO=1): the demo dashboard accounts printed above work with the demo database.
run: demo-data
	@$(call step,starting smcap on http://localhost:$(PORT) (dashboards: /login; Ctrl+C stops it))
	@SMCAP_DEMO=1 $(BIN)/streamlit run survey/app.py --server.port $(PORT) \
	  --server.address localhost --server.headless true

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) system-deps $(AXE_JS)
	$(BIN)/ruff check .
	SMCAP_AXE_JS=$(AXE_JS) $(BIN)/pytest

# A quick check while editing (under a minute): the unit tests and docstring examples, without
# the browser, PostgreSQL, slow and end-to-end (integration) tests; no Debian packages needed.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -m "not browser and not postgres and not slow and not integration"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_analyze.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
