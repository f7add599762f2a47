# Every target bootstraps its own virtual environment: `make demo` and `make test` work from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint types install dovecot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/partnerdesk demo

# Dovecot is needed by the IMAP tests; installing it needs root (CI runs as root).
dovecot:
	@if [ ! -x /usr/sbin/dovecot ] && [ "$$(id -u)" = 0 ]; then bash .ci/install-dovecot.sh; fi

test: $(STAMP) dovecot
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/pytest -q

check: test

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache
