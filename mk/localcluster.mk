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
# End-to-end tests on the local cluster: kubectl apply -> Ready -> predictions through the
# Service; autoscaling on queue length. About 2 minutes once binaries are cached (cold:
# + prometheus-adapter build ~6 min on 2 cores, + apt-get install prometheus), so part of
# `make test`.
TEST_TARGETS += e2e
e2e: deps cluster-binaries e2e-deps observe-tools
	$(NODE_TEST) --test-concurrency=1 'test/e2e/**/*.test.ts'

.PHONY: e2e-deps prometheus-bin
# What the e2e tests need beyond the core cluster: Prometheus from Debian's package
# (installed when missing), and from their Go modules (cached by the cluster build
# script) prometheus-adapter, helm (renders the chart's adapter rules) and MinIO
# (the S3 the s3:// examples fetch from).
e2e-deps: prometheus-bin
	test/cluster/build-binaries.sh prometheus-adapter helm minio

# Prometheus and promtool (one Debian package), for every test that runs a real
# Prometheus or checks rules: e2e, the operator's drift test, the chart's alerts.
prometheus-bin:
	test/localcluster/monitoring/ensure-prometheus.sh

.PHONY: bench-autoscaling
# The autoscaling e2e run as a benchmark: its record (time to first prediction, time to
# scale out, replicas over time) goes to bench/results/autoscaling-<timestamp>.{json,md}.
BENCH_TARGETS += bench-autoscaling
bench-autoscaling: deps cluster-binaries e2e-deps
	MODELSHIP_BENCH_RESULTS=1 $(NODE_TEST) test/e2e/autoscaling.test.ts
