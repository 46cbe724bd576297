# The two front-door commands: `make serve` (build and serve the atlas) and `make test`.
# Both set up what they need: a virtualenv with dsatlas, and the pinned Mermaid from package-lock.json.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup test check serve build chromium bench lint clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: setup chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest
	$(BIN)/dsatlas check
	$(BIN)/dsatlas build --out build/test-site  # strict: every diagram renders and reads at page width

check: setup
	$(BIN)/dsatlas check

# The site: diagrams are pre-rendered with Debian's Chromium, installed with apt-get when missing.
serve: setup chromium
	$(BIN)/dsatlas serve

build: setup chromium
	$(BIN)/dsatlas build

chromium:
	scripts/ensure-chromium.sh

lint: setup
	$(BIN)/ruff check src tests bench

bench: setup
	$(BIN)/python bench/check_speed.py

clean:
	rm -rf $(VENV) node_modules .dsatlas-cache site build
