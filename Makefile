# Two commands for a fresh machine: `make run` (the service with demo data) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/flask:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .

run: $(BIN)/flask
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo
	@echo "Piket runs at http://127.0.0.1:5000 (Ctrl-C stops it)"
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

$(BIN)/pytest: $(BIN)/flask
	$(BIN)/pip install --quiet -e '.[dev]'

test: $(BIN)/pytest
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: run test
