# Modelship developer entry points. `make run` and `make test` are the contract
# (see README.md); every other target is a building block or a convenience.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The pinned Node.js LTS (.node-version) is installed from the npm registry on
# first use and put first on PATH for every recipe, so build, tests, `make run`
# and the images all use the same runtime.
NODE_BIN := $(shell ./scripts/ensure-node.sh)
ifeq ($(NODE_BIN),)
$(error could not install the pinned Node.js; see the message above)
endif
export PATH := $(NODE_BIN):$(PATH)
# onnxruntime-node's postinstall would fetch CUDA libraries from a host that is
# unreachable here; CPU installs skip it. The GPU image opts in with cuda12.
export ONNXRUNTIME_NODE_INSTALL ?= skip
export npm_config_update_notifier := false

NODE_TEST := node --test --test-timeout=600000
MODEL_NAME ?= iris
MODEL_PATH ?= examples/models/iris.onnx
PORT ?= 8080

.PHONY: help deps typecheck build run test test-unit clean

# Each area owns a fragment in mk/ that adds its targets and appends the
# targets `make test` must run to TEST_TARGETS (and `make bench` to
# BENCH_TARGETS), so areas never edit the same lines.
TEST_TARGETS :=
BENCH_TARGETS :=
include $(sort $(wildcard mk/*.mk))

help:
	@echo "make run    serve examples/models/iris.onnx as '$(MODEL_NAME)' on http://127.0.0.1:$(PORT)"
	@echo "make dev    the whole system on a local cluster (operator + iris Ready), until Ctrl-C"
	@echo "make test   install what is needed and run every test"
	@echo "make bench  runtime benchmarks (ratios, results in bench/results/)"

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

typecheck: deps
	npx tsc -p tsconfig.json

build: deps
	npx tsc -p tsconfig.build.json

run: deps
	node runtime/src/main.ts --model-name $(MODEL_NAME) --model-path $(MODEL_PATH) --host 127.0.0.1 --port $(PORT)

# Colocated unit tests of pure modules: no sockets beyond loopback, no cluster.
test-unit: deps
	$(NODE_TEST) 'common/src/**/*.test.ts' 'runtime/src/**/*.test.ts' 'operator/src/**/*.test.ts'

test: typecheck test-unit $(TEST_TARGETS)

bench: $(BENCH_TARGETS)

clean:
	rm -rf dist node_modules/.installed
