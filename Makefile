# healthalloc: `make demo` and `make test` create .venv when missing, install, and run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/healthalloc demo

test: $(STAMP)
	$(PY) -m pytest

# Benchmarks run in their own environment: the peer packages they compare against
# (pyDEA, Pyfrontier, DEAPack, ...) are never installed beside the package.
BENCH := .venv-bench
$(BENCH)/.installed: pyproject.toml benchmarks/requirements.txt
	$(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH)/bin/python -m pip install --quiet -e . -r benchmarks/requirements.txt
	touch $@

bench: $(BENCH)/.installed
	$(BENCH)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(BENCH) build *.egg-info src/*.egg-info
