# The operator's image and its installation. Sourced by hack/e2e/run.sh after lib.sh.

operator_image=docker.io/library/category-operator:e2e
operator_archive=$logs/operator.tar
webhook_service=category-operator-webhook-service

webhook_dns() {
  echo "$webhook_service.$operator_namespace.svc,$webhook_service.$operator_namespace.svc.cluster.local"
}

# build_operator_image: the manager as a static binary in a one-layer image, running as 65532
# like the Dockerfile's distroless base.
build_operator_image() {
  CGO_ENABLED=0 go build -trimpath -o "$logs/bin/manager" .
  "$logs/bin/kit" image -o "$operator_archive" -name "$operator_image" -entrypoint /manager -user 65532:65532 \
    "$logs/bin/manager=/manager"
  pass "operator image $operator_image"
}

# install_operator: config/default without its cert-manager part; the webhook's serving
# certificate comes from the test's CA instead.
install_operator() {
  local dir=$work/install rel ca
  mkdir -p "$dir"
  rel=$(realpath --relative-to="$dir" "$root/config")
  cat >"$dir/kustomization.yaml" <<EOF
namespace: $operator_namespace
namePrefix: category-operator-
resources:
- $rel/crd
- $rel/rbac
- $rel/manager
- $rel/webhook
- $rel/calendar
images:
- name: controller
  newName: ${operator_image%:*}
  newTag: ${operator_image##*:}
patches:
- target: {kind: Deployment}
  patch: |-
    - op: add
      path: /spec/template/spec/containers/0/imagePullPolicy
      value: Never
EOF
  check "kubectl apply -k config/default (without cert-manager)" k apply --server-side -k "$dir"
  check "webhook serving certificate Secret" k create secret tls webhook-server-cert -n "$operator_namespace" \
    --cert "$pki/webhook.crt" --key "$pki/webhook.key"
  ca=$(base64 -w0 <"$pki/ca.crt")
  local kind name n i patch
  for kind in validatingwebhookconfiguration mutatingwebhookconfiguration; do
    name=$(k get "$kind" -o name | grep category-operator)
    n=$(k get "$name" -o jsonpath='{range .webhooks[*]}x{end}')
    patch="["
    for ((i = 0; i < ${#n}; i++)); do
      patch+="{\"op\":\"add\",\"path\":\"/webhooks/$i/clientConfig/caBundle\",\"value\":\"$ca\"},"
    done
    check "caBundle of $name" k patch "$name" --type=json -p "${patch%,}]"
  done
  check "manager Deployment Available" k wait --for=condition=Available deployment --all -n "$operator_namespace" --timeout=120s
}
