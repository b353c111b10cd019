# Payload logging and tracing (issue 10): integration tests against real
# sinks. The CloudEvents receiver (official Python SDK) and DuckDB live in a
# pinned venv; MinIO and an OpenTelemetry Collector (OTLP receiver + file
# exporter, test/cluster/tools/otelcol) are built by build-binaries.sh.
OBSERVE_VENV := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/modelship/venv-observe

TEST_TARGETS += test-observe
.PHONY: observe-tools test-observe

# The stamp depends on the pins: a changed requirements.txt rebuilds the venv.
$(OBSERVE_VENV)/.installed: test/observe/requirements.txt
	rm -rf $(OBSERVE_VENV)
	python3 -m venv $(OBSERVE_VENV)
	$(OBSERVE_VENV)/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: -r $<
	@touch $@

observe-tools: $(OBSERVE_VENV)/.installed
	test/cluster/build-binaries.sh minio otelcol

test-observe: deps observe-tools
	MODELSHIP_OBSERVE_VENV=$(OBSERVE_VENV) $(NODE_TEST) --test-concurrency=1 'test/observe/**/*.test.ts'

.PHONY: docs-trace
# Regenerates docs/observability-trace.png from a real trace (collector file output).
docs-trace: deps observe-tools
	$(OBSERVE_VENV)/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: -r test/observe/requirements-docs.txt
	node test/observe/capture-trace.ts $(OBSERVE_VENV)/trace-capture.jsonl
	$(OBSERVE_VENV)/bin/python test/observe/render_trace.py $(OBSERVE_VENV)/trace-capture.jsonl docs/observability-trace.png
