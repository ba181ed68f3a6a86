# The README's walk-through against the installed operator, as a user types it, and the
# manager's restarts. Sourced by hack/e2e/run.sh after lib.sh and node.sh.

app_ns=shop-acme
# The reviewer is a client certificate of the e2e CA (user e2e-reviewer, group e2e:reviewers)
# bound to the shipped config/rbac/reviewer_role.yaml; the outsider has no role at all.
# (KUBECONFIG, not --kubeconfig: kubectl finds a plugin only when its name comes first.)
reviewer() { KUBECONFIG=$pki/reviewer.kubeconfig kubectl "$@"; }
outsider() { KUBECONFIG=$pki/outsider.kubeconfig kubectl "$@"; }

manager_selector() {
  k get deployment -n "$operator_namespace" -o go-template='{{range .items}}{{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}},{{end}}{{end}}' | sed 's/,$//'
}
manager_pod() { k get pods -n "$operator_namespace" -l "$selector" --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}'; }

# save_manager_logs TAG: the logs of the manager's current container (and the previous one,
# after a restart) into $logs; the "forbidden" check reads them all at the end.
save_manager_logs() {
  local pod
  pod=$(manager_pod) || return 0
  k logs -n "$operator_namespace" "$pod" >"$logs/manager-$1.log" 2>&1 || true
  k logs -n "$operator_namespace" "$pod" --previous >"$logs/manager-$1-previous.log" 2>/dev/null || rm -f "$logs/manager-$1-previous.log"
}

phase_of() { k get catapp "$1" -n "$app_ns" -o jsonpath='{.status.phase}'; }
listing_state() { k get listing "$1" -n "$app_ns" -o jsonpath='{.status.state}'; }
is_phase() { [ "$(phase_of "$1")" = "$2" ]; }
is_listing() { [ "$(listing_state "$1")" = "$2" ]; }

# refused FILE: applying the file fails, with every "# expect:" line of its header in the
# message, and creates nothing. A webhook that cannot be reached also refuses (failurePolicy
# Fail), so the expected words are what proves the right rule refused it.
refused() {
  local f=$1 out name expect missing=()
  if out=$(k apply -f "$f" 2>&1); then
    echo "applied without error: $out"
    return 1
  fi
  while IFS= read -r expect; do
    grep -qF -- "$expect" <<<"$out" || missing+=("$expect")
  done < <(sed -n 's/^# expect: //p' "$f")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "refused, but the message lacks: ${missing[*]}"
    echo "message: $out"
    return 1
  fi
  name=$(sed -n 's/^  name: //p' "$f" | head -n 1)
  if k get catapp "$name" -n "$app_ns" >/dev/null 2>&1; then
    echo "catapp $name exists after the refusal"
    return 1
  fi
}

# refused_with WORDS COMMAND...: the command fails and its output contains WORDS.
refused_with() {
  local words=$1 out
  shift
  if out=$("$@" 2>&1); then
    echo "succeeded: $out"
    return 1
  fi
  grep -qF -- "$words" <<<"$out" || { echo "refused without \"$words\": $out"; return 1; }
}

assign_appid() {
  local key=qualification.channelshop.dev/app-ids ids
  ids=$(k get namespace "$app_ns" -o jsonpath="{.metadata.annotations.${key//./\\.}}")
  k annotate namespace "$app_ns" --overwrite "$key=${ids:+$ids,}$1"
}

queue_lists() { reviewer category queue -A | grep -q "$1"; }

# pins NAME: --generation and --materials-digest of what NAME is now, for users who cannot
# describe it (their approval is refused for who they are, which is what those checks prove).
pins() {
  k get catapp "$1" -n "$app_ns" -o jsonpath='--generation {.metadata.generation} --materials-digest {.status.materialsDigest}'
}

# approve_shown NAME [ARGS...]: the reviewer runs the approve command `describe NAME` ends with,
# as the README says to, with ARGS (e.g. --message) added.
approve_shown() {
  local name=$1 shown
  shift
  shown=$(reviewer category describe "$name" -n "$app_ns" |
    sed -n 's/^To decide what is shown: *kubectl \(category approve .*\) (or reject .*$/\1/p')
  [ -n "$shown" ] || { echo "describe $name ends with no approve command"; return 1; }
  echo "kubectl $shown"
  # The printed command is plain words (names, flags, a digest): no quoting to undo.
  # shellcheck disable=SC2086
  reviewer $shown "$@"
}

walkthrough() {
  phase "walk-through: policies, samples, refusals"
  local groups
  groups=$(grep -l '^kind: CategoryPolicy' "$root"/config/policies/*.yaml | wc -l)
  wait_for 30 "kubectl get catpolicy lists the $groups restricted category groups" \
    bash -c "[ \$(kubectl --kubeconfig '$pki/admin.kubeconfig' get catpolicy -o name | wc -l) -eq $groups ]"
  # Retried for a while: kube-apiserver's admission policies answer 503 until its OpenAPI for
  # the just-installed CRDs caught up (seconds).
  wait_for 30 "kubectl apply -f config/samples/ (namespace, Secrets, application)" k apply -f "$root/config/samples/"
  wait_for 60 "acme-gold reaches UnderReview" is_phase acme-gold UnderReview
  local f n=0
  for f in "$root"/config/samples/invalid/*.yaml; do
    check "refused: invalid/$(basename "$f")" refused "$f"
    n=$((n + 1))
  done
  pass "all $n invalid samples refused with their expected messages"

  phase "walk-through: review with kubectl category"
  check "the shipped reviewer role ($reviewer_role) bound to group e2e:reviewers" \
    k create clusterrolebinding e2e-reviewers --clusterrole="$reviewer_role" --group=e2e:reviewers
  check "kubectl category queue -A (reviewer) lists acme-gold" queue_lists acme-gold
  check "kubectl category describe acme-gold (reviewer)" reviewer category describe acme-gold -n "$app_ns"
  check "approve without --generation and --materials-digest is refused, naming the describe command" \
    refused_with "kubectl category describe acme-gold -n $app_ns" reviewer category approve acme-gold -n "$app_ns"
  # shellcheck disable=SC2046 # pins prints flags, one word each
  check "a user without the reviewer role cannot approve" \
    refused_with forbidden outsider category approve acme-gold -n "$app_ns" $(pins acme-gold) --message "not mine to decide"
  # shellcheck disable=SC2046
  check "the creator cannot approve their own application (D16)" \
    refused_with "cannot decide it" k category approve acme-gold -n "$app_ns" $(pins acme-gold) --message "self review"
  check "still UnderReview after the refusals" is_phase acme-gold UnderReview
  check "kubectl category approve acme-gold (reviewer, the command describe ends with)" approve_shown acme-gold --message "materials complete"
  check "kubectl wait --for=condition=Ready catapp/acme-gold" k wait --for=condition=Ready catapp/acme-gold -n "$app_ns" --timeout=60s
  check "acme-gold is Approved" is_phase acme-gold Approved
  wait_for 30 "ShowcaseListing acme-gold is Active" is_listing acme-gold Active
  k get catapp,listing -n "$app_ns" | sed 's/^/          /'
}

generation_reviewed() { # generation_reviewed NAME PHASE: the phase, for the current generation
  [ "$(k get catapp "$1" -n "$app_ns" -o jsonpath='{.status.phase}/{.status.observedGeneration}/{.metadata.generation}' |
    awk -F/ '{ print ($2 == $3) ? $1 : "stale" }')" = "$2" ]
}

# tightened: the README's second part. The platform tightens gold to official flagship shops;
# the approved shop keeps its listing until a reviewer withdraws it (D29), then complies and is
# approved again.
tightened() {
  phase "walk-through: policy tightened, withdraw, approve (D29)"
  check "kubectl patch catpolicy jewelry: gold for OfficialFlagship shops only" \
    k patch catpolicy jewelry --type=json \
    -p '[{"op":"replace","path":"/spec/subcategories/0/allowedShopTypes","value":["OfficialFlagship"]}]'
  wait_for 30 "kubectl category queue -A --noncompliant lists acme-gold" \
    bash -c "KUBECONFIG='$pki/reviewer.kubeconfig' kubectl category queue -A --noncompliant | grep -q acme-gold"
  check "the listing stays Active until a reviewer acts" is_listing acme-gold Active
  check "kubectl category withdraw acme-gold --reason StandardTightened (reviewer)" \
    reviewer category withdraw acme-gold -n "$app_ns" --reason StandardTightened --message "gold now requires an official flagship shop"
  wait_for 30 "acme-gold is Withdrawn" is_phase acme-gold Withdrawn
  wait_for 30 "ShowcaseListing acme-gold is Suspended" is_listing acme-gold Suspended
  check "the merchant complies: shopType OfficialFlagship" \
    k patch catapp acme-gold -n "$app_ns" --type=merge -p '{"spec":{"merchant":{"shopType":"OfficialFlagship"}}}'
  wait_for 60 "generation 2 is UnderReview" generation_reviewed acme-gold UnderReview
  check "kubectl category approve acme-gold (reviewer, generation 2, the command describe ends with)" approve_shown acme-gold
  check "kubectl wait --for=condition=Ready catapp/acme-gold" k wait --for=condition=Ready catapp/acme-gold -n "$app_ns" --timeout=60s
  wait_for 30 "ShowcaseListing acme-gold is Active again" is_listing acme-gold Active
}

# restart: the manager's process is killed (kill -9, the container restarts in place) and then
# its Pod is deleted (the Deployment makes a new one); nothing decided may be lost and new work
# must still be processed.
restart() {
  phase "manager restart: kill -9, then kubectl delete pod"
  selector=$(manager_selector)
  local pod cid pid listing_uid restarts new
  listing_uid=$(k get listing acme-gold -n "$app_ns" -o jsonpath='{.metadata.uid}')
  pod=$(manager_pod)
  save_manager_logs before-kill
  cid=$(k get pod "$pod" -n "$operator_namespace" -o jsonpath='{.status.containerStatuses[0].containerID}')
  cid=${cid#containerd://}
  pid=$(ctr --address "$containerd_sock" -n k8s.io tasks list | awk -v id="$cid" '$1 == id { print $2 }')
  [ -n "$pid" ] || fail "no containerd task for the manager container $cid"
  restarts=$(k get pod "$pod" -n "$operator_namespace" -o jsonpath='{.status.containerStatuses[0].restartCount}')
  check "kill -9 of the manager process (PID $pid, container ${cid:0:12})" kill -9 "$pid"
  wait_for 90 "kubelet restarted the manager container" \
    bash -c "[ \$(kubectl --kubeconfig '$pki/admin.kubeconfig' get pod '$pod' -n '$operator_namespace' -o jsonpath='{.status.containerStatuses[0].restartCount}') -gt $restarts ]"
  check "manager Pod Ready again" k wait --for=condition=Ready pod/"$pod" -n "$operator_namespace" --timeout=90s
  save_manager_logs after-kill

  check "kubectl delete pod $pod" k delete pod "$pod" -n "$operator_namespace" --wait=true --timeout=60s
  wait_for 90 "the Deployment made a new manager Pod" bash -c "p=\$(kubectl --kubeconfig '$pki/admin.kubeconfig' get pods -n '$operator_namespace' -l '$selector' -o jsonpath='{.items[*].metadata.name}'); [ -n \"\$p\" ] && [ \"\$p\" != '$pod' ]"
  new=$(k get pods -n "$operator_namespace" -l "$selector" -o jsonpath='{.items[0].metadata.name}')
  check "new manager Pod $new Ready" k wait --for=condition=Ready pod/"$new" -n "$operator_namespace" --timeout=90s

  phase "after the restarts: nothing lost, new work processed"
  check "acme-gold still Approved" is_phase acme-gold Approved
  check "acme-gold still Ready" k wait --for=condition=Ready catapp/acme-gold -n "$app_ns" --timeout=5s
  check "listing acme-gold still Active" is_listing acme-gold Active
  check "the same listing object (not recreated)" \
    test "$(k get listing acme-gold -n "$app_ns" -o jsonpath='{.metadata.uid}')" = "$listing_uid"
  # A second shop applying for the same category: the sample with another name, another AppID
  # and an official flagship shop (as the tightened policy requires). The platform team first
  # assigns the AppID to the namespace (D4: the namespace annotation lists the AppIDs its
  # applications may name).
  check "AppID wx0123456789abcde2 assigned to namespace $app_ns" assign_appid wx0123456789abcde2
  check "a new application acme-gold-2 applied" bash -c "sed -e 's/^  name: acme-gold\$/  name: acme-gold-2/' \
    -e 's/wx0123456789abcdef/wx0123456789abcde2/' -e 's/shopType: Flagship\$/shopType: OfficialFlagship/' \
    '$root/config/samples/03-categoryapplication.yaml' |
    kubectl --kubeconfig '$pki/admin.kubeconfig' apply -f -"
  wait_for 60 "acme-gold-2 reaches UnderReview (reconciled by the new manager)" is_phase acme-gold-2 UnderReview
  check "kubectl category approve acme-gold-2 (reviewer, the command describe ends with)" approve_shown acme-gold-2 --message "after restart"
  check "kubectl wait --for=condition=Ready catapp/acme-gold-2" k wait --for=condition=Ready catapp/acme-gold-2 -n "$app_ns" --timeout=60s
  wait_for 30 "ShowcaseListing acme-gold-2 is Active" is_listing acme-gold-2 Active
  save_manager_logs end
  k get catapp,listing -n "$app_ns" | sed 's/^/          /'

  phase "manager logs"
  local hits
  hits=$(grep -H -i "forbidden" "$logs"/manager-*.log || true)
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits" | head -n 20 | cut -c1-400 | sed 's/^/          /'
    fail "the manager's log contains \"forbidden\": its RBAC misses a permission it uses"
  fi
  pass "no \"forbidden\" in the manager's logs ($(cat "$logs"/manager-*.log | wc -l) lines, $(ls "$logs"/manager-*.log | wc -l) containers/snapshots)"
}
