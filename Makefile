# Two commands for a fresh machine: `make run` (the service with demo data) and `make test`.
# Both install the exact versions in constraints.txt, the ones the suite last passed with.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Test processes: one per core (pytest-xdist); each has its own database.
TEST_WORKERS ?= auto

$(BIN)/flask: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

# The demo's national piket number, shown to the police when nobody answered: in the 06-00 range, which
# is not in use (as the demo's phones, piket/demo.py). Set NATIONAL_PIKET_NUMBER to override it.
run: export NATIONAL_PIKET_NUMBER ?= +31 6 0000 0100
run: export LOG_FORMAT ?= text
run: $(BIN)/flask
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo
	@echo "Piket runs at http://127.0.0.1:5000 (Ctrl-C stops it)"
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

$(BIN)/pytest: $(BIN)/flask
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

test: $(BIN)/pytest
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(BIN)/pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Record the versions installed now as the ones every install uses (after a deliberate upgrade).
lock: $(BIN)/pytest
	$(BIN)/pip freeze --exclude-editable --all | grep -v -E '^(pip|setuptools|wheel)==' > constraints.txt

# Bring the NL Design System CSS into static/vendor/utrecht/ (needs npm; the committed files need none).
vendor-css:
	sh scripts/vendor-css.sh

.PHONY: run test lint lock vendor-css
