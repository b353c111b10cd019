# Runtime (issue 2): integration tests that start the real server on loopback.
# Unit tests of runtime/src are run by test-unit in the main Makefile.
TEST_TARGETS += test-runtime

.PHONY: test-runtime
test-runtime: deps
	$(NODE_TEST) --test-concurrency=1 'test/runtime/**/*.test.ts'

# Generated gRPC/protobuf code from runtime/proto (committed; runtime/src/grpc/gen.test.ts checks it is current).
.PHONY: gen-grpc
gen-grpc: deps
	cd runtime && PATH=$(CURDIR)/node_modules/.bin:$$PATH buf generate --template buf.gen.yaml
