# category-operator Makefile. `make help` lists the targets.

# One set of build flags for every go command make runs, inherited by the hack/ scripts and the
# tests' own `go build`s: static and -trimpath, as the plugin archive (reproducible) and the
# test binaries (kube-apiserver, etcd, helm) are built. Go's build cache is keyed by them, so the
# packages the tests share with those tools compile once (hack/sharedversions keeps their module
# versions equal for the same reason). -race needs cgo: `make test CGO_ENABLED=1 GO_TEST_FLAGS=-race`.
export CGO_ENABLED = 0
export GOFLAGS := $(strip $(filter-out -trimpath,$(shell go env GOFLAGS)) -trimpath)

# Tools pinned in their own modules under hack/tools/<name> (go.mod `tool` lines), built into
# ./bin (ignored by git) on first use and again when their go.mod changes.
LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs

# Test binaries (kube-apiserver, etcd) are built from the Go module proxy and cached outside the
# repo; a KUBEBUILDER_ASSETS already set by the user wins. `make run` (hack/run.sh) also builds
# kube-controller-manager, on its first local run.
ENVTEST_ASSETS = $(if $(KUBEBUILDER_ASSETS),$(KUBEBUILDER_ASSETS),$(shell ./hack/envtest-assets.sh))

GO_TEST_FLAGS ?= -timeout 30m

# Release identity. Both artifacts are reproducible: the image's bytes depend only on the commit
# (sources, and its time as SOURCE_DATE_EPOCH), VERSION and the Go toolchain; the plugin archives'
# on the sources, VERSION and the toolchain (not the commit: hack/dist/archive.go says why).
VERSION ?= v0.1.0
# The chart's default image (dist/chart: repository category-operator, tag appVersion) and
# config/manager use this name: load the tarball into the nodes' runtime, or push and override.
IMG ?= category-operator:$(VERSION)
ARCH ?= $(shell go env GOARCH)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# The archives' bytes depend on the Go release that builds them: pin it (the module proxy
# serves it when the local go differs) so plugins/category.yaml matches on every machine.
DIST_GOTOOLCHAIN ?= go1.26.8

# Flags of `make bench` (see hack/bench/main.go): e.g. BENCH_FLAGS="-n 500 -skip-memory", or the memory
# runs alone, replacing only that section of the document:
# BENCH_FLAGS="-memory-only -memory-n 1000,10000,20000 -secrets 2000 -out docs/benchmarks.md".
# The whole run (the lifecycle at -lifecycle-n 10000 included) takes about an hour. A quick check
# of every phase: BENCH_FLAGS="-n 100 -skip-memory -delivery-n 80 -delivery-slow 8 -lifecycle-n 200 -out /tmp/bench.md".
BENCH_FLAGS ?= -out docs/benchmarks.md
# Flags of `make chaos` (see hack/chaos/main.go): e.g. CHAOS_FLAGS="-n 100 -kills 5".
CHAOS_FLAGS ?= -out docs/reliability.md
# `make model`: how long the model-based test (test/model) runs, and where its figures go.
# MODEL_TOLERATE="I4 (accepted against the rules),I2" looks past known violations for others.
MODEL_DURATION ?= 30m
MODEL_REPORT ?= docs/reliability.md

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs, RBAC and webhook configurations from markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./api/..." paths="./controllers/..." paths="./internal/..." output:crd:artifacts:config=config/crd/bases
	./hack/chart-files.sh

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: api-docs
api-docs: crd-ref-docs ## Generate the API reference docs/api.md from the types in api/.
	$(CRD_REF_DOCS) --source-path=api --config=hack/crd-ref-docs.yaml --renderer=markdown --output-path=docs/api.md --log-level=WARN

.PHONY: verify-generated
verify-generated: controller-gen crd-ref-docs ## Regenerate and fail if committed generated files were stale.
	./hack/verify-generated.sh "$(MAKE)"

.PHONY: fmt
fmt: ## Run gofmt on the code.
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: envtest
envtest: ## Build (first time) and cache kube-apiserver and etcd for the tests; print their folder.
	@echo $(ENVTEST_ASSETS)

.PHONY: verify-dist
verify-dist: ## Check plugins/category.yaml: valid for krew, sha256 of this tree's archive, installs offline.
	./hack/verify-dist.sh $(VERSION) $(DIST_GOTOOLCHAIN) $(IMG)

.PHONY: test-image
test-image: ## Test the image builder (hack/image): one digest per input, non-root, no shell, loadable outputs.
	cd hack/image && go vet ./... && go test ./...

.PHONY: verify-shared-versions
verify-shared-versions: ## Fail if a tools module (hack/) and go.mod want different versions of a module they share.
	go run ./hack/sharedversions

.PHONY: test
test: verify-shared-versions verify-generated fmt vet verify-dist test-image chart-lint promql-test ## Regenerate (fail if stale), check krew manifest, image builder and chart, then run all tests against a real API server.
	status=0; KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" HELM="$(HELM)" go test $(GO_TEST_FLAGS) ./... || status=$$?; \
	./hack/chromium.sh check; exit $$status

.PHONY: chart-lint
chart-lint: helm ## helm lint and helm template the chart (dist/chart) in its main configurations.
	./hack/chart-lint.sh "$(HELM)"

.PHONY: promql-test
promql-test: ## Parse every PromQL expression of config/prometheus with Prometheus' parser (own module).
	cd hack/tools/promql && go test ./...

.PHONY: screenshots
screenshots: ## Run the console's browser test in Chromium (hack/chromium.sh) and write its screenshots to docs/images/console-*.png.
	@./hack/chromium.sh check
	CONSOLE_SCREENSHOTS=$(CURDIR)/docs/images KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./cmd/kubectl-category/internal/console -run '^TestBrowser$$' -count=1 -v

.PHONY: e2e
e2e: ## As root: a real single-node cluster here, the operator installed, the README walked through; then torn down.
	./hack/e2e/run.sh

.PHONY: bench
bench: ## Benchmark the operator against a floor on a real API server; writes docs/benchmarks.md.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go run ./hack/bench $(BENCH_FLAGS)

.PHONY: model
model: ## Random sequences of merchants', reviewers' and the platform's steps, invariants checked after each (test/model) for MODEL_DURATION; writes docs/reliability.md.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" MODEL_DURATION="$(MODEL_DURATION)" MODEL_REPORT="$(MODEL_REPORT)" \
		go test ./test/model -run '^TestModel$$' -count=1 -timeout 0 -v 2>&1 | grep --line-buffered -v '^ *\[rapid\] draw'

.PHONY: chaos
chaos: ## Kill -9 the manager during a lifecycle of applications and check every end state; writes docs/reliability.md.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go run ./hack/chaos $(CHAOS_FLAGS)

##@ Build

.PHONY: build
build: ## Build the manager and the kubectl plugin into bin/.
	go build -o $(LOCALBIN)/manager .
	go build -o $(LOCALBIN)/kubectl-category ./cmd/kubectl-category

.PHONY: image
image: ## Build the manager image from Go (no Dockerfile, engine or base image): bin/image/oci (OCI layout) and bin/image/category-operator.tar (docker/podman load, ctr import).
	@mkdir -p $(LOCALBIN)/image
	CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=$(VERSION)" -o $(LOCALBIN)/image/manager-linux-$(ARCH) .
	cd hack/image && SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) go run . -binary $(LOCALBIN)/image/manager-linux-$(ARCH) -arch $(ARCH) -tag $(IMG) \
		-version $(VERSION) -revision $(REVISION) -oci $(LOCALBIN)/image/oci -tar $(LOCALBIN)/image/category-operator.tar

.PHONY: dist
dist: ## Build reproducible kubectl-category archives for 6 platforms into dist/ and regenerate plugins/category.yaml (krew).
	GOTOOLCHAIN=$(DIST_GOTOOLCHAIN) go run ./hack/dist -version $(VERSION) -out dist -manifest plugins/category.yaml

.PHONY: run
run: manifests ## Run the operator: against the current cluster, or a local control plane started here.
	./hack/run.sh

##@ Tools

HELM ?= $(LOCALBIN)/helm

.PHONY: helm
helm: ## Build helm (pinned in hack/tools/helm) into bin/ once.
	@LOCALBIN=$(LOCALBIN) ./hack/helm.sh >/dev/null

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen (hack/tools/controller-gen) into bin/.
$(CONTROLLER_GEN): hack/tools/controller-gen/go.mod hack/tools/controller-gen/go.sum
	@mkdir -p $(LOCALBIN)
	cd hack/tools/controller-gen && go build -o $(CONTROLLER_GEN) sigs.k8s.io/controller-tools/cmd/controller-gen

.PHONY: crd-ref-docs
crd-ref-docs: $(CRD_REF_DOCS) ## Build crd-ref-docs (hack/tools/crd-ref-docs) into bin/.
$(CRD_REF_DOCS): hack/tools/crd-ref-docs/go.mod hack/tools/crd-ref-docs/go.sum
	@mkdir -p $(LOCALBIN)
	cd hack/tools/crd-ref-docs && go build -o $(CRD_REF_DOCS) github.com/elastic/crd-ref-docs
