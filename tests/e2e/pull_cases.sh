# tests/e2e/pull_cases.sh: `docker pull` against `reclaim serve`, from
# Debian's docker-registry on loopback with images pushed by skopeo; sourced
# by docker_cli_test.sh (embedded store) and docker_cli_containerd_test.sh,
# after use_server. Needs lib.sh. Defines pull_cases.

pull_cases() {
  e2e_start_registry pull
  mkarchive "$E2E_TMP/pull-v1.tar" 'tags=app:1;seed=pull-v1;layers=2;size=200000'
  mkarchive "$E2E_TMP/pull-v2.tar" 'tags=app:2;seed=pull-v2;size=50000'
  skopeo_push "$E2E_TMP/pull-v1.tar" "$REG/x/app:1"
  skopeo_push "$E2E_TMP/pull-v2.tar" "$REG/x/app:2"
  local want1 want2
  want1=$(skopeo_digest "$REG/x/app:1")
  want2=$(skopeo_digest "$REG/x/app:2")

  t "docker pull from a loopback registry: moby's messages, the digest skopeo sees"
  dk pull "$REG/x/app:1"
  expect_rc 0
  expect_out_has "1: Pulling from x/app"
  expect_out_matches "^[0-9a-f]{12}: Pulling fs layer$"
  expect_out_matches "^[0-9a-f]{12}: Download complete$"
  expect_out_matches "^[0-9a-f]{12}: Pull complete$"
  expect_out_has "Digest: $want1"
  expect_out_has "Status: Downloaded newer image for $REG/x/app:1"
  expect_out_has "$REG/x/app:1"
  expect_eq "$(docker image inspect -f '{{.Id}}' "$REG/x/app:1")" "$want1" "image ID"
  expect_eq "$(docker image inspect -f '{{index .RepoDigests 0}}' "$REG/x/app:1" 2>/dev/null || true)" \
    "$REG/x/app@$want1" "RepoDigests"

  t "pulling it again: up to date, no layer lines"
  dk pull "$REG/x/app:1"
  expect_rc 0
  expect_out_has "Status: Image is up to date for $REG/x/app:1"
  expect_out_lacks_match "Pulling fs layer"

  t "a tag the registry does not have: moby's 404 text before any stream"
  dk pull "$REG/x/app:nope"
  expect_rc 1
  expect_err_has "Error response from daemon: manifest for $REG/x/app:nope not found: manifest unknown: manifest unknown"

  t "a moved tag: the new image is pulled, the old one stays dangling"
  skopeo_push "$E2E_TMP/pull-v2.tar" "$REG/x/app:1"
  dk pull "$REG/x/app:1"
  expect_rc 0
  expect_out_has "Status: Downloaded newer image for $REG/x/app:1"
  expect_eq "$(docker image inspect -f '{{.Id}}' "$REG/x/app:1")" "$want2" "moved ID"
  dk images -q --no-trunc -f dangling=true
  expect_out_has "$want1"

  t "docker pull -a pulls every tag"
  dk pull -a "$REG/x/app"
  expect_rc 0
  dk images --format '{{.Repository}}:{{.Tag}}' "$REG/x/app"
  expect_out_has "$REG/x/app:1"
  expect_out_has "$REG/x/app:2"

  t "pulled images prune like any other, and pull again afterwards"
  dk image prune -a -f
  expect_rc 0
  dk images -q "$REG/x/app"
  expect_out ""
  dk pull "$REG/x/app:2"
  expect_rc 0
  expect_out_has "Status: Downloaded newer image for $REG/x/app:2"
  expect_out_matches "^[0-9a-f]{12}: Download complete$"
}
