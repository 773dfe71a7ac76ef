# The two commands in the README: `make run` (demo) and `make test` (every test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel workers for the test suite; CI on two cores uses both.
TEST_WORKERS ?= auto

.PHONY: install install-dev run test lint format messages check-deploy clean lighthouse backup restore

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.3"

# --build-constraint keeps sdists that still import pkg_resources buildable (see the file).
$(VENV)/.installed: $(BIN)/activate requirements.txt build-constraints.txt
	$(PY) -m pip install --quiet --build-constraint build-constraints.txt -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --build-constraint build-constraints.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Demo: SQLite, an on-disk Celery broker, a worker with an embedded beat, and the web server.
run: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Portal: http://$(HOST):$(PORT)/   Staff admin: http://$(HOST):$(PORT)/admin/"
	@echo "Stop with Ctrl+C."
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/celery -A config worker --beat --pool=solo --loglevel=WARNING & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# lint-imports checks the import contracts in .importlinter (layers, app internals, read-only selectors).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the translation catalogues (needs GNU gettext) and compile them.
messages: install-dev
	$(PY) manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

# Backup and restore (portal/backup.py): the database, MEDIA_ROOT, PRIVATE_MEDIA_ROOT and a manifest
# with checksums. `make backup [BACKUP_DIR=...]` (default var/backups/<UTC time>/);
# `make restore BACKUP_DIR=...` into an empty database, then the row counts are checked.
backup: install
	$(PY) manage.py backup_create $(if $(BACKUP_DIR),--output "$(BACKUP_DIR)")

restore: install
	@test -n "$(BACKUP_DIR)" || { echo "Name the backup: make restore BACKUP_DIR=var/backups/<time>"; exit 2; }
	$(PY) manage.py backup_restore "$(BACKUP_DIR)"

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  ALLOWED_HOSTS=portal.example $(PY) manage.py check --deploy --fail-level WARNING

# Lighthouse on four borrower pages with mobile emulation (tools/lighthouse/run.py); the npm
# packages are pinned by tools/lighthouse/package-lock.json. LIGHTHOUSE_ARGS="--language en".
tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --no-audit --no-fund
	touch $@

lighthouse: install tools/lighthouse/node_modules/.installed
	$(PY) tools/lighthouse/run.py $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
