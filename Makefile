# `make demo` and `make test` create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/supplysim run china_licensing_2025 --runs 10000 --seed 2025 --workers 2 --out results

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]" || echo "numba not installed: fused reference skipped"
	cd benchmarks && ../$(BIN)/python throughput.py --out out/throughput.json
	$(BIN)/python benchmarks/scaling.py --out benchmarks/out/scaling.json
	$(BIN)/python benchmarks/stream_memory.py --out benchmarks/out/stream_memory.json

bench-smoke: $(STAMP)
	$(BIN)/python benchmarks/scaling.py --smoke --out benchmarks/out/scaling_smoke.json
	$(BIN)/python benchmarks/stream_memory.py --smoke --out benchmarks/out/stream_memory_smoke.json

clean:
	rm -rf $(VENV) results
