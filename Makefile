# One command each, from a fresh machine: `make study` runs the main job,
# `make test` runs the tests. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT ?= study-out
PROFILE ?= quick

# The other Keras backends, each in its own virtualenv WITHOUT TensorFlow
# (.ci/backend_venv.py: the project --no-deps, its other dependencies, the
# backend's extra). They run the tests marked "backend" (the list is in
# tests/conftest.py): on JAX the estimator, tuning, evaluation, CLI and
# smoke-study ones, on PyTorch those under tests/models and
# tests/test_backend.py; each on two xdist workers, as make test. The JAX job
# sees two host CPU devices (XLA_FLAGS), on which distribution="data_parallel"
# trains (tests/models/test_distribution.py); the other tests use one. TORCH pins
# the CPU build on CI's disk: a plain 'torch' from PyPI is a CUDA build of GBs.
TORCH ?= torch==2.13.0

.PHONY: data venv study test test-jax test-torch docs bench clean

data:  ## the real Fashion-MNIST, from Debian's package (offline-friendly)
	@dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq dataset-fashion-mnist; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[plot,test,docs]"
	touch $@

venv: $(VENV)/.installed

study: data venv  ## the whole study as a report in $(OUT)/
	$(BIN)/fashionnet study --profile $(PROFILE) --out $(OUT)

test: data venv  ## unit, property, composition and doctest suites
	$(BIN)/python -m pytest -q tests fashionnet --doctest-modules --durations=15 -n 2 --dist loadfile

test-jax: data
	$(PYTHON) .ci/backend_venv.py jax .venv-jax
	XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax \
	  .venv-jax/bin/python -m pytest -q -m backend tests --durations=5 \
	  -n 2 --dist loadfile

test-torch: data
	$(PYTHON) .ci/backend_venv.py torch .venv-torch $(TORCH)
	KERAS_BACKEND=torch .venv-torch/bin/python -m pytest -q -m backend tests/models \
	  tests/test_backend.py --durations=5 -n 2 --dist loadfile

docs: venv
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

bench: data venv
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .venv-jax .venv-torch docs/_build .pytest_cache .hypothesis
