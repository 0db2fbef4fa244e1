# The two commands: `make run` starts the app on the embedded defaults, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test install install-dev migrate bench screenshots lint clean

run: migrate
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: install-dev
	$(BIN)/python -m pytest

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

migrate: install
	$(BIN)/alembic upgrade head

bench: install-dev
	$(BIN)/python bench/generation_overhead.py
	$(BIN)/python bench/gallery_page.py

lint: install-dev
	$(BIN)/ruff check app.py pages core db tests bench
	$(BIN)/mypy app.py pages core db

screenshots: install-dev
	$(BIN)/python docs/take_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache
