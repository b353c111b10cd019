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
e2e: deps cluster-binaries
	$(NODE_TEST) --test-concurrency=1 'test/e2e/**/*.test.ts'
