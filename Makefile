# smcap — two commands a newcomer needs:  make run   and   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.smcap-installed
PORT   ?= 8501
SUDO   := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT    := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

.PHONY: run test lint install system-deps demo-data bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

# Debian packages the tests need: Chromium for the browser tests (Playwright drives it).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends chromium fonts-dejavu-core; }

demo-data: $(STAMP)
	$(BIN)/python -m survey.demo

# Demo mode (SMCAP_DEMO=1): the demo dashboard accounts printed above work with the demo database.
run: demo-data
	@echo "smcap is starting on http://localhost:$(PORT) (dashboards: http://localhost:$(PORT)/login; Ctrl+C stops it)"
	SMCAP_DEMO=1 $(BIN)/streamlit run survey/app.py --server.port $(PORT) --server.address localhost \
	  --server.headless true

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_analyze.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
