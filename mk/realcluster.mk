# Real pods (issue 15, first slice): kubelet and kube-proxy built from the control plane's
# Kubernetes release, containerd/runc/CNI plugins from Debian, locally built images, two nodes
# in network namespaces. Needs root (namespaces, cgroups, mounts). See test/realcluster/README.md.
.PHONY: realcluster-deps test-realcluster

# Idempotent: apt-get only for missing packages, Go builds only for missing binaries, images
# only when their tarball is missing.
realcluster-deps: cluster-binaries
	test/realcluster/ensure-packages.sh
	test/cluster/build-binaries.sh node
	test/realcluster/build-images.sh

test-realcluster: deps realcluster-deps
	$(NODE_TEST) 'test/realcluster/**/*.test.ts'

.PHONY: bench-realcluster
# The tier as a benchmark: cluster up/teardown and whole-tier seconds plus the logged cold
# set-up costs, to bench/results/realcluster-<timestamp>.{json,md}.
BENCH_TARGETS += bench-realcluster
bench-realcluster: deps realcluster-deps
	MODELSHIP_BENCH_RESULTS=1 $(NODE_TEST) test/realcluster/pods.test.ts
