# Real Kubernetes control plane for tests (issue 7): binaries built from upstream Go
# sources into a per-version cache outside the checkout, a TypeScript harness, proof tests.
.PHONY: cluster-binaries cluster-tools cluster-up cluster-down test-cluster

# The core set `make test` needs: kube-apiserver, etcd, kubectl, controller-manager, scheduler.
# Cached binaries make this a no-op; a cold build on 2 cores takes tens of minutes.
cluster-binaries:
	test/cluster/build-binaries.sh core

# Tools later areas use (helm, kubeconform, minio, prometheus-adapter), built on request.
cluster-tools:
	test/cluster/build-binaries.sh tools

cluster-up: deps cluster-binaries
	node test/cluster/cluster-cli.ts up

cluster-down: deps
	node test/cluster/cluster-cli.ts down

TEST_TARGETS += test-cluster
test-cluster: deps cluster-binaries
	$(NODE_TEST) 'test/cluster/**/*.test.ts'
