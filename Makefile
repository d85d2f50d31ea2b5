# Two commands: `make run` (the platform, no servers needed) and `make test` (the suite,
# on PostgreSQL, Redis, a Celery worker and Chromium).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where `make run` serves the platform. Not HOST/PORT: honcho sets PORT for each process.
WEB_HOST ?= 127.0.0.1
WEB_PORT ?= 8000

.PHONY: run test lint services browser clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[test]"
	touch $(STAMP)

# The settings are always named: there is no default (config/environment.py).
LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local

run: $(STAMP)
	mkdir -p var/broker/out var/broker/processed var/broker/control var/results var/mail
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py seed_demo
	@echo
	@echo "The platform is starting at http://$(WEB_HOST):$(WEB_PORT)/"
	@echo "(web server, Celery worker and Celery beat; emails are written to var/mail/)"
	@echo
	WEB_HOST=$(WEB_HOST) WEB_PORT=$(WEB_PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(LOCAL) \
	  $(BIN)/honcho start -f Procfile

services:
	bash bin/ensure-services

browser:
	bash bin/ensure-browser

lint: $(STAMP)
	$(BIN)/ruff check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

test: $(STAMP) services browser lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check
	DJANGO_SECRET_KEY=$$(head -c 64 /dev/urandom | base64 | tr -d '\n/+=' | head -c 60) \
	  DJANGO_ALLOWED_HOSTS=governance.example.org \
	  DJANGO_SETTINGS_MODULE=config.settings.production \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.register --size $${SIZE:-100000}

clean:
	rm -rf var/ $(VENV)
