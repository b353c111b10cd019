# Runtime (issue 2): integration tests that start the real server on loopback.
# Unit tests of runtime/src are run by test-unit in the main Makefile.
TEST_TARGETS += test-runtime

# The standard Python gRPC clients (tritonclient, kserve) that grpc-clients.test.ts drives, pinned
# with their dependencies, in a cache venv; the stamp depends on the pins, so a change rebuilds it.
GRPC_CLIENTS_VENV := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/modelship/venv-grpc-clients
GRPC_CLIENTS_REQUIREMENTS := test/runtime/grpc-clients.requirements.txt

$(GRPC_CLIENTS_VENV)/.installed: $(GRPC_CLIENTS_REQUIREMENTS)
	rm -rf $(GRPC_CLIENTS_VENV)
	python3 -m venv $(GRPC_CLIENTS_VENV)
	$(GRPC_CLIENTS_VENV)/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: --no-deps -r $<
	@touch $@

.PHONY: test-runtime grpc-clients-venv
grpc-clients-venv: $(GRPC_CLIENTS_VENV)/.installed

test-runtime: deps grpc-clients-venv
	$(NODE_TEST) --test-concurrency=1 'test/runtime/**/*.test.ts'

# The REST suites again with two front-end threads (--frontend-threads 2, runtime/README.md
# "Threading model"): every route, status, limit, drain and metric as on the main thread. Servers
# whose flags keep the front end on the main thread (payload logging, tracing, mirror, variants)
# stay there (test/runtime/support/server.ts). drift.test.ts is left out: drift-served.test.ts
# covers the drift window through a served process.
TEST_TARGETS += test-runtime-frontend-threads
FRONTEND_THREAD_SUITES := serve hostile limits input-guard input-policy queue batching drain fallback liveness memory reference warmup workers drift-served
.PHONY: test-runtime-frontend-threads
test-runtime-frontend-threads: deps
	MODELSHIP_TEST_FRONTEND_THREADS=2 $(NODE_TEST) --test-concurrency=1 $(FRONTEND_THREAD_SUITES:%=test/runtime/%.test.ts)

# Generated gRPC/protobuf code from runtime/proto (committed; runtime/src/grpc/gen.test.ts checks it is current).
.PHONY: gen-grpc
gen-grpc: deps
	cd runtime && PATH=$(CURDIR)/node_modules/.bin:$$PATH buf generate --template buf.gen.yaml
