# category-operator Makefile. `make help` lists the targets.

# Tools are pinned here and installed into ./bin (ignored by git) on first use.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)

# Test binaries (kube-apiserver, etcd, kube-controller-manager) are built from the Go module
# proxy and cached outside the repo; a KUBEBUILDER_ASSETS already set by the user wins.
ENVTEST_ASSETS = $(if $(KUBEBUILDER_ASSETS),$(KUBEBUILDER_ASSETS),$(shell ./hack/envtest-assets.sh))

GO_TEST_FLAGS ?= -timeout 30m

# Flags of `make bench` (see hack/bench/main.go): e.g. BENCH_FLAGS="-n 500 -skip-memory".
BENCH_FLAGS ?= -out docs/benchmarks.md
# Flags of `make chaos` (see hack/chaos/main.go): e.g. CHAOS_FLAGS="-n 100 -kills 5".
CHAOS_FLAGS ?= -out docs/reliability.md

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

.PHONY: verify-generated
verify-generated: controller-gen ## Regenerate and fail if committed generated files were stale.
	./hack/verify-generated.sh "$(MAKE)"

.PHONY: fmt
fmt: ## Run gofmt on the code.
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: envtest
envtest: ## Build (first time) and cache kube-apiserver, etcd and kube-controller-manager; print their folder.
	@echo $(ENVTEST_ASSETS)

.PHONY: test
test: verify-generated fmt vet chart-lint promql-test ## Regenerate (fail if stale), lint the chart, then run all tests against a real API server.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" HELM="$(HELM)" go test $(GO_TEST_FLAGS) ./...

.PHONY: chart-lint
chart-lint: helm ## helm lint and helm template the chart (dist/chart) in its main configurations.
	./hack/chart-lint.sh "$(HELM)"

.PHONY: promql-test
promql-test: ## Parse every PromQL expression of config/prometheus with Prometheus' parser (own module).
	cd hack/tools/promql && go test ./...

.PHONY: bench
bench: ## Benchmark the operator against a floor on a real API server; writes docs/benchmarks.md.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go run ./hack/bench $(BENCH_FLAGS)

.PHONY: chaos
chaos: ## Kill -9 the manager during a lifecycle of applications and check every end state; writes docs/reliability.md.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go run ./hack/chaos $(CHAOS_FLAGS)

##@ Build

.PHONY: build
build: ## Build the manager and the kubectl plugin into bin/.
	go build -o $(LOCALBIN)/manager .
	go build -o $(LOCALBIN)/kubectl-category ./cmd/kubectl-category

.PHONY: run
run: manifests ## Run the operator: against the current cluster, or a local control plane started here.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" ./hack/run.sh

##@ Tools

HELM ?= $(LOCALBIN)/helm

.PHONY: helm
helm: ## Build helm (pinned in hack/tools/helm) into bin/ once.
	@LOCALBIN=$(LOCALBIN) ./hack/helm.sh >/dev/null

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into bin/.
$(CONTROLLER_GEN):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $(CONTROLLER_GEN)
