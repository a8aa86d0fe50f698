# tests/e2e/push_cases.sh: `docker push` and `docker login` against `reclaim
# serve`, and reclaim's own `image push` / `login` / `logout` / `image pull`,
# with Debian's docker-registry on loopback in each auth mode: none, htpasswd
# Basic (apache2-utils' htpasswd makes the bcrypt file), Bearer (auth.silly,
# with tests/e2e/token_server.py as the token endpoint), and TLS (a
# certificate the test makes with openssl). Sourced by
# docker_cli_test.sh and docker_cli_containerd_test.sh after use_server and
# pull_cases. Needs lib.sh.
#
#   push_cases CLI_STORE_ARGS...   the reclaim CLI's store flags: a root of its
#                                  own, or the server's containerd namespace

push_cases() {
  local -a cli=("$RECLAIM" "$@")
  local id out
  mkarchive "$E2E_TMP/push.tar" 'tags=push/src:1;seed=push-src;layers=2;size=150000'
  dk load -i "$E2E_TMP/push.tar"
  id=$(docker image inspect -f '{{.Id}}' push/src:1)
  e2e_start_registry push

  t "docker push to a loopback registry: moby's messages; skopeo reads what was pushed"
  dk tag push/src:1 "$REG/y/app:1"
  dk push "$REG/y/app:1"
  expect_rc 0
  expect_out_has "The push refers to repository [$REG/y/app]"
  expect_out_matches "^[0-9a-f]{12}: Waiting$"
  expect_out_matches "^[0-9a-f]{12}: Pushed$"
  expect_out_matches "^1: digest: $id size: [0-9]+$"
  expect_eq "$(skopeo_digest "$REG/y/app:1")" "$id" "digest skopeo reads"

  t "pushing it again: every layer already exists"
  dk push "$REG/y/app:1"
  expect_rc 0
  expect_out_matches "^[0-9a-f]{12}: Layer already exists$"
  expect_out_lacks_match ": Pushed$"

  t "a push to another repository of the same registry mounts the layers"
  dk tag push/src:1 "$REG/z/app:2"
  dk push "$REG/z/app:2"
  expect_rc 0
  expect_out_matches "^[0-9a-f]{12}: Mounted from y/app$"
  expect_out_lacks_match ": Pushed$"
  expect_eq "$(skopeo_digest "$REG/z/app:2")" "$id" "digest of the mounted copy"

  t "docker push -a pushes every local tag of the repository"
  dk tag push/src:1 "$REG/y/app:3"
  dk push -a "$REG/y/app"
  expect_rc 0
  expect_out_matches "^1: digest: $id size: [0-9]+$"
  expect_out_matches "^3: digest: $id size: [0-9]+$"
  expect_eq "$(skopeo_digest "$REG/y/app:3")" "$id" "digest of tag 3"

  t "docker push of a tag reclaim does not have: moby's text, exit 1"
  dk push "$REG/y/app:nope"
  expect_rc 1
  expect_out_has "The push refers to repository [$REG/y/app]"
  expect_err_has "tag does not exist: $REG/y/app:nope"

  t "reclaim image push from the CLI, and a digest reference refused"
  run "${cli[@]}" image load -i "$E2E_TMP/push.tar"
  expect_rc 0
  run "${cli[@]}" image tag push/src:1 "$REG/cli/app:7"
  expect_rc 0
  run "${cli[@]}" image push "$REG/cli/app:7"
  expect_rc 0
  expect_out_has "The push refers to repository [$REG/cli/app]"
  expect_out_matches "^[0-9a-f]{12}: (Pushed|Mounted from [a-z/]+)$"
  expect_out_matches "^7: digest: $id size: [0-9]+$"
  expect_eq "$(skopeo_digest "$REG/cli/app:7")" "$id" "digest of the CLI's push"
  run "${cli[@]}" image push "$REG/cli/app@$id"
  expect_rc 1
  expect_err_has "Error: cannot push a digest reference"

  # ---------------------------------------------------------------- Basic
  htpasswd -Bbn alice s3cret >"$E2E_TMP/htpasswd" 2>/dev/null ||
    { echo "FATAL: no htpasswd (scripts/setup.sh installs apache2-utils)" >&2; exit 1; }
  e2e_start_registry basic "auth:
  htpasswd:
    realm: basic-realm
    path: $E2E_TMP/htpasswd"
  local basic=$REG

  t "htpasswd registry: a push without login is refused"
  dk tag push/src:1 "$basic/b/app:1"
  dk push "$basic/b/app:1"
  expect_rc 1
  expect_err_has "error from registry: authentication required"

  t "docker login: a wrong password is refused with the registry's answer"
  dk login -u alice -p wrong "$basic"
  expect_rc 1
  expect_err_has "Error response from daemon: login attempt to http://$basic/v2/ failed with status: 401 Unauthorized"

  t "docker login --password-stdin, then push and pull with the stored credentials"
  printf 's3cret\n' >"$E2E_TMP/password"
  run_in "$E2E_TMP/password" docker login -u alice --password-stdin "$basic"
  expect_rc 0
  expect_out_has "Login Succeeded"
  expect_match "$(cat "$DOCKER_CONFIG/config.json")" "\"$basic\"" "docker's config.json"
  dk push "$basic/b/app:1"
  expect_rc 0
  expect_out_matches "^1: digest: $id size: [0-9]+$"
  expect_eq "$(skopeo inspect --tls-verify=false --creds alice:s3cret --format '{{.Digest}}' "docker://$basic/b/app:1")" \
    "$id" "digest skopeo reads with the credentials"
  dk rmi "$basic/b/app:1"
  dk pull "$basic/b/app:1"
  expect_rc 0
  expect_out_has "Digest: $id"

  t "docker logout forgets them"
  dk logout "$basic"
  expect_rc 0
  expect_out_has "Removing login credentials for $basic"
  dk pull "$basic/b/app:1"
  expect_rc 1
  expect_err_has "Error response from daemon: pull access denied for $basic/b/app, repository does not exist or may require 'docker login'"

  t "reclaim login / logout write the same config; the CLI pulls and pushes with it"
  run_in "$E2E_TMP/password" "${cli[@]}" login -u alice --password-stdin "$basic"
  expect_rc 0
  expect_out "Login Succeeded"
  run "${cli[@]}" image tag push/src:1 "$basic/b/cli:1"
  run "${cli[@]}" image push -q "$basic/b/cli:1"
  expect_rc 0
  expect_out "$basic/b/cli:1"
  run "${cli[@]}" image pull "$basic/b/app:1"
  expect_rc 0
  expect_out_has "Digest: $id"
  dk pull "$basic/b/cli:1"  # the docker CLI reads what reclaim login wrote
  expect_rc 0
  run "${cli[@]}" login -u alice -p wrong "$basic"
  expect_rc 1
  expect_err_has "Error: login attempt to http://$basic/v2/ failed with status: 401 Unauthorized"
  run "${cli[@]}" logout "$basic"
  expect_rc 0
  expect_out "Removing login credentials for $basic"
  run "${cli[@]}" logout "$basic"
  expect_rc 0
  expect_out "Not logged in to $basic"

  # ---------------------------------------------------------------- Bearer
  e2e_start_token_server bearer
  e2e_start_registry bearer "auth:
  silly:
    realm: $TOKEN_URL
    service: reclaim-e2e"
  local bearer=$REG

  t "Bearer registry: docker push and pull fetch tokens from the realm for their scopes"
  dk tag push/src:1 "$bearer/t/app:1"
  dk push "$bearer/t/app:1"
  expect_rc 0
  expect_out_matches "^1: digest: $id size: [0-9]+$"
  expect_match "$(cat "$TOKEN_LOG")" "scope=repository%3At%2Fapp%3Apull%2Cpush" "token requests"
  expect_match "$(cat "$TOKEN_LOG")" "service=reclaim-e2e" "token requests"
  dk rmi "$bearer/t/app:1"
  dk pull "$bearer/t/app:1"
  expect_rc 0
  expect_out_has "Digest: $id"
  expect_match "$(cat "$TOKEN_LOG")" "scope=repository%3At%2Fapp%3Apull( |&|$)" "token requests"

  # ---------------------------------------------------------------- TLS
  # A loopback registry is insecure by Docker's rules (127.0.0.0/8 always is):
  # it is reached over HTTPS without verifying the certificate, and certs.d is
  # not read for it (moby's newTLSConfig). Verification against certs.d, and
  # client certificates, are tested where a name can be made to resolve to the
  # registry without being loopback: registry_integration_test.
  local pki="$E2E_TMP/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$pki/server.key" -out "$pki/server.crt" \
    >"$E2E_TMP/openssl.log" 2>&1 || { echo "FATAL: openssl: $(cat "$E2E_TMP/openssl.log")" >&2; exit 1; }
  e2e_start_registry tls "" "tls:
  certificate: $pki/server.crt
  key: $pki/server.key"
  local tls=$REG

  t "a TLS-only registry on loopback: docker push and pull, and the CLI's, go over HTTPS"
  curl -s -o /dev/null -w '%{http_code}' "http://$tls/v2/" >"$E2E_TMP/plain.code"
  expect_eq "$(cat "$E2E_TMP/plain.code")" 400 "plain HTTP to the TLS registry"
  dk tag push/src:1 "$tls/s/app:1"
  dk push "$tls/s/app:1"
  expect_rc 0
  expect_out_matches "^1: digest: $id size: [0-9]+$"
  expect_eq "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$tls/s/app:1")" \
    "$id" "digest skopeo reads over TLS"
  run "${cli[@]}" image tag push/src:1 "$tls/s/cli:1"
  run "${cli[@]}" image push "$tls/s/cli:1"
  expect_rc 0
  expect_out_matches "^1: digest: $id size: [0-9]+$"
  run "${cli[@]}" image pull "$tls/s/app:1"
  expect_rc 0
  expect_out_has "Digest: $id"
}

# killed_pull_case CLI_STORE_ARGS...: `reclaim image pull` killed with SIGKILL
# in the middle of a layer (the registry is reached through
# tests/e2e/slow_proxy.py, which trickles at 2 MB/s) leaves no image and a
# store that checks clean; the next pull completes.
killed_pull_case() {
  local -a cli=("$RECLAIM" "$@")
  local port proxy pid i want
  t "a pull killed in the middle of a layer: no image, the store checks clean, a new pull completes"
  mkarchive "$E2E_TMP/slow.tar" 'tags=slow/x:1;seed=slow;layers=2;size=4000000'
  e2e_start_registry slow
  skopeo_push "$E2E_TMP/slow.tar" "$REG/s/big:1"
  want=$(skopeo_digest "$REG/s/big:1")
  port=${REG##*:}
  python3 "$E2E_HERE/slow_proxy.py" "$port" 2000000 >"$E2E_TMP/proxy.port" 2>&1 &
  E2E_PIDS[slow-proxy]=$!
  for i in $(seq 1 100); do [ -s "$E2E_TMP/proxy.port" ] && break; sleep 0.1; done
  proxy=127.0.0.1:$(head -1 "$E2E_TMP/proxy.port")
  "${cli[@]}" image pull "$proxy/s/big:1" >"$E2E_TMP/killed.out" 2>&1 &
  pid=$!
  for i in $(seq 1 300); do
    grep -q "Pulling fs layer" "$E2E_TMP/killed.out" && break
    sleep 0.05
  done
  sleep 0.5
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  grep -q "Pulling fs layer" "$E2E_TMP/killed.out" || fail "the pull never started: $(cat "$E2E_TMP/killed.out")"
  grep -q "^Digest:" "$E2E_TMP/killed.out" && fail "the pull finished before the kill: $(cat "$E2E_TMP/killed.out")"
  run "${cli[@]}" image ls
  expect_out_lacks "$proxy/s/big"
  if [ "$1" = --root ]; then
    run "${cli[@]}" fsck
    expect_rc 0
    expect_match "$OUT" ' 0 problem\(s\)' "fsck after the kill"
    # The dead pull's lease went when the store was opened again, so a prune
    # with nothing to delete collects what it had committed (its config, at
    # least: the proxy slows the layers only).
    run "${cli[@]}" image prune -f
    expect_rc 0
    expect_out_matches "^Also reclaimed [0-9.]+[kMG]?B that nothing referenced"
  fi
  run "${cli[@]}" image pull "$REG/s/big:1"
  expect_rc 0
  expect_out_has "Digest: $want"
  if [ "$1" = --root ]; then
    run "${cli[@]}" fsck
    expect_match "$OUT" ' 0 problem\(s\)' "fsck after the second pull"
  fi
}
