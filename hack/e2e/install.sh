# The operator's image and its installation. Sourced by hack/e2e/run.sh after lib.sh.
#
# E2E_INSTALL=helm (the default): `helm install` of dist/chart, then `helm upgrade` turning on the
# chart's default policies, as the chart's README section says. E2E_INSTALL=kustomize:
# `kubectl apply -k config/default`, then `kubectl apply -k config/policies`.

install_mode=${E2E_INSTALL:-helm}
operator_archive=$root/bin/image/category-operator.tar
release=category-operator
# Both installs name the shipped config/rbac/reviewer_role.yaml so.
reviewer_role=category-operator-category-reviewer

# build_operator_image: `make image` (the docker-archive the project ships); the image's name is
# the one recorded in the archive.
build_operator_image() {
  make -s image >"$logs/make-image.log" 2>&1 || { tail -n 20 "$logs/make-image.log"; fail "make image"; }
  operator_image=$(tar -xOf "$operator_archive" manifest.json | sed -n 's/.*"RepoTags":\["\([^"]*\)".*/\1/p')
  [ -n "$operator_image" ] || fail "no image name (RepoTags) in $operator_archive"
  pass "make image: $operator_image (bin/image/category-operator.tar)"
  if [ "$install_mode" = helm ]; then
    helm=$(LOCALBIN="$root/bin" "$root/hack/helm.sh")
    pass "helm: $("$helm" version --short)"
  fi
}

install_operator() {
  case $install_mode in
  helm)
    check "helm install $release dist/chart (image $operator_image)" \
      "$helm" install "$release" "$root/dist/chart" --namespace "$operator_namespace" --create-namespace \
      --set "image.repository=${operator_image%:*}" --set "image.tag=${operator_image##*:}" --wait --timeout 3m
    check "manager Deployment Available" k wait --for=condition=Available deployment --all -n "$operator_namespace" --timeout=60s
    check "helm upgrade --set policies.enabled=true (the default policies, once the webhook serves)" \
      "$helm" upgrade "$release" "$root/dist/chart" --namespace "$operator_namespace" --reuse-values \
      --set policies.enabled=true --wait --timeout 3m
    ;;
  kustomize)
    check "kubectl apply -k config/default" k apply --server-side -k "$root/config/default"
    check "manager Deployment Available" k wait --for=condition=Available deployment --all -n "$operator_namespace" --timeout=180s
    check "kubectl apply -k config/policies" k apply -k "$root/config/policies"
    ;;
  *) fail "E2E_INSTALL=$install_mode: want helm or kustomize" ;;
  esac
}
