# Batch scoring (`main.ts batch`, runtime/src/batch/, issue 12): end-to-end
# tests of the command on local files and on a real MinIO, over datasets the
# model script generates (pyarrow, in the models venv; cached under
# ~/.cache/modelship/datasets by the script's hash), read back with DuckDB
# (the observe venv). Unit tests run in test-unit.
TEST_TARGETS += test-batch
.PHONY: test-batch

# Spelled out rather than taken from models.mk / observe.mk, which are read after this file
# (prerequisites expand as the rule is read); the stamps are those files' own targets.
BATCH_MODELS_VENV := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/modelship/venv-models
BATCH_OBSERVE_VENV := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/modelship/venv-observe

test-batch: deps $(BATCH_MODELS_VENV)/.installed $(BATCH_OBSERVE_VENV)/.installed storage-binaries
	MODELSHIP_MODELS_VENV=$(BATCH_MODELS_VENV) MODELSHIP_OBSERVE_VENV=$(BATCH_OBSERVE_VENV) $(NODE_TEST) --test-concurrency=1 'test/batch/**/*.test.ts'
