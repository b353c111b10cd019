# Real pods (issue 15): kubelet, kube-proxy and CoreDNS built from upstream Go modules,
# containerd/runc/CNI plugins from Debian, locally built images (the runtime's included), two
# nodes in network namespaces. Needs root (namespaces, cgroups, mounts). See test/realcluster/README.md.
.PHONY: realcluster-deps test-realcluster

# Idempotent: apt-get only for missing packages, Go builds only for missing binaries, images
# only when their tarball is missing (the runtime image's name hashes its sources).
realcluster-deps: cluster-binaries
	test/realcluster/ensure-packages.sh
	test/cluster/build-binaries.sh node
	test/realcluster/build-images.sh
	test/realcluster/build-runtime-image.sh

test-realcluster: deps realcluster-deps
	$(NODE_TEST) 'test/realcluster/**/*.test.ts'

.PHONY: bench-realcluster
# The tier as a benchmark: cluster up/teardown and whole-tier seconds plus the logged cold
# set-up costs, to bench/results/realcluster-<timestamp>.{json,md}.
BENCH_TARGETS += bench-realcluster
bench-realcluster: deps realcluster-deps
	MODELSHIP_BENCH_RESULTS=1 $(NODE_TEST) test/realcluster/pods.test.ts
