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
