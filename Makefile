# The two commands: `make run` starts the app on the embedded defaults, `make test` runs every test.
# While working: `make test-fast` runs the suite without the browser tests, lint and the PostgreSQL half.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
CHROMIUM := /usr/bin/chromium
HAPROXY := /usr/sbin/haproxy

.PHONY: run worker test test-fast install install-dev migrate migrate-blobs bench screenshots lint chromium clean

run: migrate
	@echo "Atelier is starting at http://localhost:$(PORT)"
	$(BIN)/streamlit run app.py --server.port $(PORT)

# A worker apart from the web process: the job runner and every periodic task. `make run` has one inside the web
# process already; a deployment sets WORKER_IN_PROCESS=false on its web replicas and runs as many of these as it likes.
worker: install
	$(BIN)/python -m core.worker

# Three workers (pytest-xdist) on two cores: each test module runs whole on one worker (a database test module's
# PostgreSQL half on its own), the browser tests in two groups of modules, each group on one worker with its own
# server and Chromium, and the longest units start first (tests/conftest.py's scheduler). As the browser tests
# mostly wait for the page, the other workers keep the cores busy meanwhile. Measured: 820 s with two workers,
# 710 s with three (one browser group, modules in collection order).
WORKERS := -n 3 --dist loadscope

test: install-dev chromium lint
	$(BIN)/python -m pytest $(WORKERS)

# Not a substitute for `make test` (CI runs that): no browser, no lint, SQLite only, left out by marker so a
# PostgreSQL test is never skipped silently. The markers are set in tests/conftest.py.
test-fast: install-dev
	$(BIN)/python -m pytest $(WORKERS) -m "not e2e and not postgresql"

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# The browser tests need Debian's Chromium (never `playwright install`), and the fleet test HAProxy in front of its
# two replicas. Installed when apt is usable here (as root, or with password-less sudo); otherwise the one command
# to run is printed, and those tests skip locally (in CI they fail).
SYSTEM_PACKAGES := chromium haproxy
chromium:
	@if [ -x $(CHROMIUM) ] && [ -x $(HAPROXY) ]; then exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(SYSTEM_PACKAGES) for the browser tests (apt-get install)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then \
		echo "Installing $(SYSTEM_PACKAGES) for the browser tests (sudo apt-get install)"; \
		sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else \
		echo "$(SYSTEM_PACKAGES) are missing, so the browser tests will be skipped. Install them with:"; \
		echo "    sudo apt-get install -y $(SYSTEM_PACKAGES)"; \
	fi

migrate: install
	$(BIN)/alembic upgrade head

# Copy DATA_DIR/media and DATA_DIR/withheld into the bucket of BLOB_STORE=s3 and the S3_* settings, as they are
# (encrypted blobs stay encrypted). Resumable and verified: run it again until it reports no failures.
migrate-blobs: install
	$(BIN)/python -m core.tools.migrate_blobs

bench: install-dev
	$(BIN)/python bench/generation_overhead.py
	$(BIN)/python bench/derivatives.py
	$(BIN)/python bench/gallery_page.py
	$(BIN)/python bench/offline_edit_limits.py
	$(BIN)/python bench/sign_in_check.py
	$(BIN)/python bench/studio_pages.py
	$(BIN)/python bench/fal_overhead.py
	$(BIN)/python bench/webhook_fulfilment.py
	$(BIN)/python bench/zip_export.py
	$(BIN)/python bench/gallery_search.py
	$(BIN)/python bench/share_ttfb.py
	$(BIN)/python bench/gallery_browser.py
	$(BIN)/python bench/boundaries.py
	$(BIN)/python bench/privacy_export.py --postgres
	$(BIN)/python bench/encryption.py
	$(BIN)/python bench/load.py

# Style and types: strict typing for the plain-Python layers, the checks Streamlit allows for the rest.
lint: install-dev
	$(BIN)/ruff check app.py pages core db tests bench docs
	$(BIN)/ruff format --check app.py pages core db tests bench docs
	$(BIN)/mypy --strict core db
	$(BIN)/mypy app.py pages

screenshots: install-dev
	$(BIN)/python docs/take_screenshots.py
	$(BIN)/python docs/privacy_screenshots.py
	$(BIN)/python docs/privacy_queue_screenshots.py
	$(BIN)/python docs/operations_screenshots.py
	$(BIN)/python docs/worker_screenshots.py
	$(BIN)/python docs/peer_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache
