# The two commands of the README: `make run` and `make test`. Each creates .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Pin the CPU wheel first: an unpinned torch resolves to a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gradflow

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n auto

bench: $(STAMP)
	# torchviz and Graphviz are the reference the canvas is measured against: bench only
	$(BIN)/python -c "import torchviz" 2>/dev/null || $(BIN)/python -m pip install --quiet torchviz
	command -v dot >/dev/null || { apt-get update -qq && apt-get install -y -qq graphviz; }
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench.run

screenshots: $(STAMP)
	# every example at 1366×768 and 1920×1080, first-start layout, into screenshots/
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.screenshots screenshots

lint: $(STAMP)
	$(BIN)/ruff check engine gui tests
	$(BIN)/mypy engine gui

clean:
	rm -rf $(VENV)
