# jobgraph: the two commands a new machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= $(HOME)/.local/share/jobgraph/demo-store
PORT   ?= 8000
# Demo IRIs are minted under the demo server's own address, so every IRI in the demo resolves locally.
BASE_IRI ?= http://127.0.0.1:$(PORT)/

.PHONY: install demo ingest-demo serve test lint clean

$(BIN)/jobgraph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/jobgraph

ingest-demo: install
	JOBGRAPH_BASE_IRI=$(BASE_IRI) $(BIN)/jobgraph ingest --store $(STORE) data/

demo: ingest-demo
	JOBGRAPH_BASE_IRI=$(BASE_IRI) $(BIN)/jobgraph serve --store $(STORE) --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
