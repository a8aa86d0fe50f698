# tests/e2e/events_cases.sh: `docker events` against `reclaim serve`: a live
# stream (started in the background, stopped by its PID) across a tag and a
# prune -a, and the same window replayed with --since/--until. Sourced by
# docker_cli_test.sh and docker_cli_containerd_test.sh after use_server. Needs
# lib.sh.

# events_wait FILE PATTERN: waits (10 s at most) until FILE has a line matching PATTERN.
events_wait() {
  local i
  for i in $(seq 1 100); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

events_cases() {
  local log="$E2E_TMP/events.log" pid id since until reclaimed i
  mkarchive "$E2E_TMP/events.tar" 'tags=events/app:1;seed=events;layers=2;label=team=ev'
  since=$(date +%s.%N)
  docker events --format '{{json .}}' >"$log" 2>"$E2E_TMP/events.err" </dev/null &
  pid=$!
  # A tag the stream must show proves it is subscribed (retried while the CLI connects).
  dk load -i "$E2E_TMP/events.tar"
  id=$(docker image inspect -f '{{.Id}}' events/app:1)
  for i in $(seq 1 40); do
    docker tag events/app:1 "events/probe:$i" >/dev/null 2>&1
    grep -q '"Action":"tag"' "$log" 2>/dev/null && break
    sleep 0.25
  done

  t "docker events (live): a prune -a shows untag and delete, then one image prune with SpaceReclaimed"
  api POST "/v1.50/images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%7D"
  reclaimed=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["SpaceReclaimed"])')
  [ "${reclaimed:-0}" -gt 0 ] || fail "the prune reclaimed nothing: $OUT"
  events_wait "$log" '"Action":"prune"' || fail "no prune event in 10 s: $(cat "$log")"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  OUT=$(python3 - "$log" "$id" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in rows:
    a = r["Actor"]
    name = a["Attributes"].get("name", "-")
    if r["Action"] == "tag" and name.startswith("events/probe:"):
        name = "events/probe:N"
    print(r["Type"], r["Action"], "ID" if a["ID"] == sys.argv[2] else a["ID"] or "-", name,
          a["Attributes"].get("reclaimed", ""), a["Attributes"].get("team", ""),
          r.get("status", ""), r["scope"], r["timeNano"] // 10**9 == r["time"])
PY
)
  expect_out_has "image tag ID events/probe:N  ev tag local True"
  expect_out_has "image untag ID events/app:1   untag local True"
  expect_out_has "image delete ID $id   delete local True"
  expect_out_has "image prune - - $reclaimed  prune local True"
  expect_eq "$(grep -c '"Action":"prune"' "$log")" 1 "image prune events"
  # This image's untags come before its delete (the store may hold others), the prune event last.
  expect_eq "$(printf '%s\n' "$OUT" | awk '$3 == "ID" && $2 != "tag" && $2 != "load" {print $2}' |
    uniq | tr '\n' ' ')" "untag delete " "the order of the image's events"
  expect_eq "$(printf '%s\n' "$OUT" | tail -n 1 | awk '{print $2}')" prune "the last event"

  t "docker events --since --until: the same window replayed, filtered; then it exits"
  until=$(date +%s.%N)
  dk events --since "$since" --until "$until" --filter event=prune --filter type=image
  expect_rc 0
  expect_out_matches "^[0-9TZ:.+-]+ image prune  \(reclaimed=$reclaimed\)$"
  expect_eq "$(printf '%s\n' "$OUT" | grep -c .)" 1 "replayed lines"
  dk events --since "$since" --until "$until" --filter event=load --format '{{.Actor.Attributes.name}}'
  expect_rc 0
  expect_out "events/app:1"

  t "docker events errors: a bad filter, until before since"
  dk events --since "$since" --until "$until" --filter colour=red
  expect_rc 1
  expect_err_has "Error response from daemon: invalid filter 'colour'"
  dk events --since "$until" --until "$since"
  expect_rc 1
  expect_err_has "Error response from daemon: \`since\` time ($until) cannot be after \`until\` time ($since)"
}
