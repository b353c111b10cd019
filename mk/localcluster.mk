# Local cluster where pods really run (issue 6): a node agent that runs runtime
# pods as local processes on loopback addresses, a stand-in for kube-proxy,
# `make dev` and the end-to-end tests. See test/localcluster/README.md.
.PHONY: test-localcluster

TEST_TARGETS += test-localcluster
test-localcluster: deps cluster-binaries
	$(NODE_TEST) 'test/localcluster/**/*.test.ts'
