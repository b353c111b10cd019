# Benchmarks (bench/): `make bench` runs them; they are measurements, not
# tests, so only their pure helpers are part of `make test`.
.PHONY: bench-runtime test-bench-unit

# Runtime server vs in-process onnxruntime-node on the MNIST-shaped MLP.
# Settings: BENCH_* variables, see bench/README.md.
BENCH_TARGETS += bench-runtime
bench-runtime: deps
	node bench/runtime/main.ts

TEST_TARGETS += test-bench-unit
test-bench-unit: deps
	$(NODE_TEST) 'bench/**/*.test.ts'

# Payload logging and tracing cost on the same MLP (issue 10); see bench/README.md.
BENCH_TARGETS += bench-observe
.PHONY: bench-observe
bench-observe: deps
	node bench/observe/main.ts

# CPU at low load (issue 14, "no wasted CPU"): idle share of a core and CPU
# per request at c=1 vs c=64 on iris; see bench/README.md.
BENCH_TARGETS += bench-cpu
.PHONY: bench-cpu
bench-cpu: deps
	node bench/cpu/main.ts

# Front-end threads side by side (issue 14, "every core"): --frontend-threads 1 vs 2 (BENCH_THREADS)
# on iris at c=64, server and load generator pinned apart (taskset); see bench/README.md.
BENCH_TARGETS += bench-scaling
.PHONY: bench-scaling
bench-scaling: deps
	node bench/scaling/main.ts

# Drift monitoring cost (issue 11): the runtime with and without a training
# profile on the MNIST MLP at c=64, interleaved; see bench/README.md.
BENCH_TARGETS += bench-drift
.PHONY: bench-drift
bench-drift: deps
	node bench/drift/main.ts

# `main.ts batch` rows/s vs in-process onnxruntime-node, 1 vs 2 shards, peak RSS (issue 12); see bench/README.md.
BENCH_TARGETS += bench-batch
.PHONY: bench-batch
bench-batch: deps $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/modelship/venv-models/.installed
	node bench/batch/main.ts

# gRPC vs binary REST on the same server, interleaved, server CPU per request (issue 14); the
# gRPC load comes from ghz, built from the Go module proxy into the binary cache
# (test/cluster/tools/versions.txt; a cold build took 15 min on 2 shared cores at load average 28). See bench/README.md.
BENCH_TARGETS += bench-grpc
.PHONY: bench-grpc ghz
ghz:
	test/cluster/build-binaries.sh ghz
bench-grpc: deps ghz
	node bench/grpc/main.ts

# The runtime against KServe's Python ModelServer on the same ONNX models (issue 14): the peer
# runs from a pinned cache venv (bench/peer/requirements.txt; the stamp depends on the pins, so a
# change rebuilds it). Not part of `make test`. See bench/README.md.
KSERVE_VENV := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/modelship/venv-kserve
$(KSERVE_VENV)/.installed: bench/peer/requirements.txt
	rm -rf $(KSERVE_VENV)
	python3 -m venv $(KSERVE_VENV)
	$(KSERVE_VENV)/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: --no-deps -r $<
	@touch $@
.PHONY: kserve-venv bench-peer
kserve-venv: $(KSERVE_VENV)/.installed
BENCH_TARGETS += bench-peer
bench-peer: deps ghz kserve-venv
	node bench/peer/main.ts
