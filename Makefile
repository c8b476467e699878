# The commands: `make demo`, `make test` and `make test-fast`. Everything else is plumbing.
SHELL := /bin/bash
PY := .venv/bin/python
# The test bed's Pulumi install folder; no virtualenv on PATH: programs name theirs in Pulumi.yaml.
export PATH := $(CURDIR)/.tools/bin:$(PATH)
# Python writes the bytecode of what it imports, as it does by default: with PYTHONDONTWRITEBYTECODE set, every
# program, provider process and `pip list` of a run would compile its imports anew (a third of their CPU).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-fast bootstrap down worker bench docs clean sdks generate

bootstrap:
	@scripts/bootstrap

demo: bootstrap
	@$(PY) scripts/demo.py

down:
	@$(PY) scripts/local_livekit.py down

# A test agent worker registered as AGENT, for `livekit-routes call` (docs/call.md): with LIVEKIT_* set, on that
# LiveKit, else on the demo's; in the foreground until Ctrl-C.
worker: bootstrap
	@$(PY) scripts/agent_worker.py "$(AGENT)"

# Three workers, whole files each (a file's tests share stacks); each worker starts its own LiveKit.
TEST_WORKERS ?= 3

test: bootstrap
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The unit tier alone: no livekit-server, no Redis, no `pulumi`; one process, seconds.
test-fast: bootstrap
	@$(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

# The committed files written from livekit-protocol's descriptors and the descriptions: the Python typed inputs and
# resource classes, the API reference pages. tests/unit/test_generated.py fails while they differ from what this writes.
generate: bootstrap
	@$(PY) scripts/gen_python_types.py
	@$(PY) scripts/gen_reference.py

# The provider plugin's TypeScript and Go SDKs, from its schema, in sdk/ (docs/plugin.md).
sdks: bootstrap
	@scripts/gen-sdks

bench: bootstrap
	@$(PY) -m pip install -q -e ".[dev,bench]"
	@$(PY) benchmarks/run.py $(BENCH_ARGS)

# The pages under docs/ as a static site in site/; the benchmark plot is copied beside the page that
# includes benchmarks/RESULTS.md, so the figure is the one `make bench` last drew.
docs: bootstrap
	@cp benchmarks/RESULTS.png docs/RESULTS.png
	@$(PY) -m mkdocs build -q
	@echo "docs: site/index.html"

clean: down
	rm -rf .state .tools .venv site docs/RESULTS.png
