# Operator area: the InferenceService controller (operator/), its CRD (crds/)
# and RBAC (config/rbac/). Unit tests under operator/src run in `make test-unit`.
.PHONY: gen-operator run-operator

# Regenerates crds/ and operator/src/api/types.gen.ts from operator/src/api/schema.ts;
# a unit test fails when they drift.
gen-operator: deps
	node operator/scripts/gen-api.ts

# Runs the operator against the cluster of KUBECONFIG (e.g. `make cluster-up`).
run-operator: deps
	node operator/src/main.ts --leader-elect false --host 127.0.0.1

# Integration tests on the real control plane (test/cluster), a real S3 (MinIO,
# storage-binaries) and a real Prometheus (the DriftDetected test): the operator runs
# as a ServiceAccount with only config/rbac/. MODELSHIP_STEADY_WINDOW_S sets the
# zero-writes window (15 s here; bench-operator uses the full 60 s).
TEST_TARGETS += test-operator
test-operator: deps cluster-binaries storage-binaries prometheus-bin
	$(NODE_TEST) 'test/operator/**/*.test.ts'

# 100/500/1000 InferenceServices at once: time to all Deployments and statuses,
# peak RSS, API requests per reconcile, writes over 60 s at steady state.
BENCH_TARGETS += bench-operator
.PHONY: bench-operator
bench-operator: deps cluster-binaries
	node bench/operator/bench.ts
