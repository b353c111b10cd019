# Model fetch (`main.ts fetch`, runtime/src/storage/): integration tests against
# loopback fakes of S3/GCS/HTTP and a real MinIO. Unit tests run in test-unit.
.PHONY: test-storage

TEST_TARGETS += test-storage
test-storage: deps
	$(NODE_TEST) 'test/storage/**/*.test.ts'
