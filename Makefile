# Spacebank: `make run` to try it, `make test` to check it. Both do all set-up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app spacebank
PORT ?= 5000

.PHONY: run test install assets migrate seed browser bench clean

$(VENV)/.installed: pyproject.toml
	@PYTHON=$$(scripts/find_python.sh) && { [ -x $(PY) ] || $$PYTHON -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(PY) -m pip install --quiet -e '.[test]' 2>&1 | grep -v "is ignored" || true
	$(PY) -m pip check
	@touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

spacebank/static/app.css: node_modules/.package-lock.json spacebank/assets/app.scss
	npm run --silent build

assets: spacebank/static/app.css

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

run: install assets seed
	@echo "Spacebank is starting at http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	PORT=$(PORT) HOST=127.0.0.1 $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: install assets browser
	$(PY) -m pytest

bench: install assets
	$(PY) bench/search.py

clean:
	rm -rf $(VENV) node_modules spacebank/static/app.css spacebank/static/govuk-frontend.min.js spacebank/static/images
