# Model fetch (`main.ts fetch`, runtime/src/storage/): integration tests against
# loopback fakes of S3/GCS/HTTP and a real MinIO. Unit tests run in test-unit.
.PHONY: test-storage storage-binaries

# MinIO is built from source by the cluster harness's script into the shared
# per-version cache (a no-op once built; the first build takes minutes).
storage-binaries:
	test/cluster/build-binaries.sh minio

TEST_TARGETS += test-storage
test-storage: deps storage-binaries
	$(NODE_TEST) 'test/storage/**/*.test.ts'
