# The commands: `make demo`, `make test` and `make test-fast`. Everything else is plumbing.
SHELL := /bin/bash
PY := .venv/bin/python
# The test bed's Pulumi install folder; no virtualenv on PATH: programs name theirs in Pulumi.yaml.
export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: demo test test-fast bootstrap down bench clean

bootstrap:
	@scripts/bootstrap

demo: bootstrap
	@$(PY) scripts/demo.py

down:
	@$(PY) scripts/local_livekit.py down

# Three workers, whole files each (a file's tests share stacks); each worker starts its own LiveKit.
TEST_WORKERS ?= 3

test: bootstrap
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The unit tier alone: no livekit-server, no Redis, no `pulumi`; one process, seconds.
test-fast: bootstrap
	@$(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

bench: bootstrap
	@$(PY) -m pip install -q -e ".[dev,bench]"
	@$(PY) benchmarks/run.py $(BENCH_ARGS)

clean: down
	rm -rf .state .tools .venv
