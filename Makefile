# Two entry points that work on a fresh machine: `make serve` and `make test`.
# Everything is installed into .venv from the pins in pyproject.toml and constraints.txt.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup serve test lint browser virtuoso frontend clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

serve: setup
	$(BIN)/kg serve

# Browser tests drive Debian's Chromium; install it when the machine lacks it (root, or sudo).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# The front end (query editor, result views, pictures) is bundled into api/static/dist and
# committed, so installing the package needs no Node. Rebuild it from the pinned npm packages:
frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

lint: setup
	$(BIN)/ruff format --check kg api tests bench
	$(BIN)/ruff check kg api tests bench
	$(BIN)/mypy kg api
	$(BIN)/zizmor --offline --persona=auditor .github/workflows

# The remote-store tests start Debian's Virtuoso (virtuoso-t); install it when the machine lacks it.
virtuoso:
	@test -x /usr/bin/virtuoso-t || \
	  { $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; }

test: setup browser virtuoso
	$(BIN)/kg validate
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache
