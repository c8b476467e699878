# The two commands: `make demo` and `make test`. Everything else is plumbing.
SHELL := /bin/bash
PY := .venv/bin/python
# The test bed's Pulumi install folder; no virtualenv on PATH: programs name theirs in Pulumi.yaml.
export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: demo test bootstrap down bench clean sdks

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

# The provider plugin's TypeScript and Go SDKs, from its schema, in sdk/ (docs/plugin.md).
sdks: bootstrap
	@scripts/gen-sdks

bench: bootstrap
	@$(PY) -m pip install -q -e ".[dev,bench]"
	@$(PY) benchmarks/run.py $(BENCH_ARGS)

clean: down
	rm -rf .state .tools .venv
