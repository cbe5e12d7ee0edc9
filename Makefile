# Thin aliases over the flask CLI. `make run` then `make test` on a fresh clone; both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint format db seed translations bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

app/static/vendor/htmx.min.js: package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-audit --no-fund --loglevel=error && \
		mkdir -p app/static/vendor && cp node_modules/htmx.org/dist/htmx.min.js $@; \
	else echo "npm not found: the site works without htmx (no JavaScript enhancement)."; fi

translations: $(VENV)/.installed ## Compile the translation catalogues
	@$(BIN)/flask translate compile >/dev/null

install: $(VENV)/.installed app/static/vendor/htmx.min.js translations ## Install Python packages, htmx, translations

db: install ## Apply the migrations (SQLite in instance/ by default, DATABASE_URL otherwise)
	@mkdir -p instance
	$(BIN)/flask db upgrade

seed: db ## Load the demo centre and accounts (password ensemble-demo)
	$(BIN)/flask seed

run: seed ## Install, migrate, seed and serve on http://127.0.0.1:$(PORT) (e-mails land in instance/mail)
	@$(BIN)/flask mail sink >instance/mail-sink.log 2>&1 & echo $$! > instance/mail-sink.pid
	@trap 'kill $$(cat instance/mail-sink.pid) 2>/dev/null' EXIT INT TERM; \
		$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: install ## ruff check and format check
	$(BIN)/ruff check app tests bench config.py wsgi.py
	$(BIN)/ruff format --check app tests bench config.py wsgi.py

format: install ## Reformat the code
	$(BIN)/ruff format app tests bench config.py wsgi.py
	$(BIN)/ruff check --fix app tests bench config.py wsgi.py

test: install lint ## Run the whole suite (SQLite; also PostgreSQL when TEST_DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install ## The suite without the browser journeys
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

bench: install ## Measure every page on the large centre with gunicorn (BENCH_DATABASE_URL, BENCH_ARGS=--reuse)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

clean: ## Remove the virtualenv, node modules and the local database
	rm -rf $(VENV) node_modules app/static/vendor instance
