# Canary rollouts (issue 4): the planner and builders are unit-tested in
# operator/src/canary (make test-unit); this runs the real-control-plane tests
# with the Gateway API and Istio VirtualService CRDs, fetched from their Go
# modules into a cache (test/canary/traffic-crds.ts pins the versions).
.PHONY: canary-crds test-canary

canary-crds: deps
	node test/canary/traffic-crds.ts

TEST_TARGETS += test-canary
test-canary: deps cluster-binaries
	$(NODE_TEST) 'test/canary/**/*.test.ts'
