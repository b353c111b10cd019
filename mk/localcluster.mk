# Local cluster where pods really run (issue 6): a node agent that runs runtime
# pods as local processes on loopback addresses, a stand-in for kube-proxy,
# `make dev` and the end-to-end tests. See test/localcluster/README.md.
.PHONY: test-localcluster

TEST_TARGETS += test-localcluster
test-localcluster: deps cluster-binaries
	$(NODE_TEST) 'test/localcluster/**/*.test.ts'

.PHONY: dev
# One command: the local cluster, the operator and the iris example, Ready, and a curl line to try.
dev: deps cluster-binaries
	node test/localcluster/dev.ts

.PHONY: e2e
# End-to-end tests on the local cluster: kubectl apply -> Ready -> predictions through the Service.
e2e: deps cluster-binaries monitoring-deps
	$(NODE_TEST) --test-concurrency=1 'test/e2e/**/*.test.ts'

.PHONY: monitoring-deps test-e2e
# What the autoscaling e2e test needs beyond the core cluster: Prometheus from
# Debian's package (installed when missing) and prometheus-adapter built from
# its Go module by the cluster build script (cached like the core binaries).
monitoring-deps:
	test/localcluster/monitoring/ensure-prometheus.sh
	test/cluster/build-binaries.sh prometheus-adapter
