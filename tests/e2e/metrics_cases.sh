# tests/e2e/metrics_cases.sh: `reclaim serve --metrics-addr`: the scrape
# passes Debian's `promtool check metrics`, and a real Prometheus (Debian's
# prometheus 2.42, started here on loopback with a temporary storage dir,
# stopped by its PID) scrapes reclaim; its query API shows the prune counter
# move after a prune. Sourced by docker_cli_test.sh and
# docker_cli_containerd_test.sh after use_server. Needs lib.sh.

# metrics_value TEXT SERIES: the value of SERIES (name{labels} exactly) in TEXT, 0 if absent.
metrics_value() {
  printf '%s\n' "$1" | awk -v s="$2" '$1 == s {print $2; found=1} END {if (!found) print 0}'
}

# prom_query PORT QUERY: the first sample value of an instant query, empty if none.
prom_query() {
  curl -sS --max-time 5 "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" |
    python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}

# metrics_cases NAME [json]: the server NAME was started with --metrics-addr
# 127.0.0.1:0 (and --log-format json when `json` is given).
metrics_cases() {
  local name=$1 addr prom_port before after i series line
  addr=$(sed -n 's|^metrics: GET /metrics on tcp://||p' "$E2E_TMP/$name.out")
  series='reclaim_prune_runs_total{kind="image",result="success"}'

  t "GET /metrics: the text format 0.0.4, accepted by promtool check metrics"
  [ -n "$addr" ] || fail "the server did not print its metrics address: $(cat "$E2E_TMP/$name.out")"
  run curl -sS --max-time 10 -D "$E2E_TMP/metrics.head" "http://$addr/metrics"
  expect_rc 0
  grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$E2E_TMP/metrics.head" ||
    fail "Content-Type: $(grep -i '^Content-Type' "$E2E_TMP/metrics.head")"
  printf '%s\n' "$OUT" >"$E2E_TMP/metrics.txt"
  expect_out_has "# TYPE reclaim_prune_runs_total counter"
  expect_out_has "# TYPE reclaim_api_request_duration_seconds histogram"
  expect_out_has "# TYPE reclaim_store_bytes gauge"
  expect_out_matches '^reclaim_api_requests_total\{code="200",route="GET /images/json"\} [0-9]+$'
  expect_out_lacks_match 'sha256:'
  run_in "$E2E_TMP/metrics.txt" promtool check metrics
  expect_rc 0
  expect_eq "$OUT$ERR" "" "promtool's complaints"
  run curl -sS -o /dev/null -w '%{http_code}' "http://$addr/v1.50/images/json"
  expect_out 404

  t "a real Prometheus scrapes reclaim; after a prune its query API shows the prune counter"
  prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$E2E_TMP/prometheus"
  cat >"$E2E_TMP/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: reclaim
    static_configs:
      - targets: ["$addr"]
YAML
  prometheus --config.file="$E2E_TMP/prometheus/prometheus.yml" \
    --storage.tsdb.path="$E2E_TMP/prometheus/data" --web.listen-address="127.0.0.1:$prom_port" \
    --log.level=warn >"$E2E_TMP/prometheus/out" 2>&1 &
  E2E_PIDS[prometheus]=$!
  for i in $(seq 1 300); do
    [ "$(prom_query "$prom_port" 'up{job="reclaim"}')" = 1 ] && break
    sleep 0.1
  done
  expect_eq "$(prom_query "$prom_port" 'up{job="reclaim"}')" 1 "up{job=\"reclaim\"}"
  before=$(metrics_value "$(curl -sS "http://$addr/metrics")" "$series")
  mkarchive "$E2E_TMP/metrics.tar" 'tags=metrics/app:1;seed=metrics'
  dk load -i "$E2E_TMP/metrics.tar"
  dk image prune -a -f
  expect_rc 0
  after=""
  for i in $(seq 1 300); do
    after=$(prom_query "$prom_port" "$series")
    [ -n "$after" ] && [ "${after%%.*}" -gt "${before%%.*}" ] && break
    sleep 0.1
  done
  expect_eq "$after" "$((${before%%.*} + 1))" "$series in Prometheus (was $before)"
  [ "$(prom_query "$prom_port" 'reclaim_prune_reclaimed_bytes_total{kind="image"} > 0')" != "" ] ||
    fail "Prometheus shows no reclaimed bytes"
  kill -TERM "${E2E_PIDS[prometheus]}"
  wait "${E2E_PIDS[prometheus]}" 2>/dev/null
  unset "E2E_PIDS[prometheus]"

  t "the server logs one summary line per prune (JSON lines with --log-format json)"
  line=$(grep -E 'image_prune: ok deleted=[0-9]+ bytes=[0-9]+ errors=0 duration=' \
    "$E2E_TMP/$name.err" | tail -n 1)
  [ -n "$line" ] || fail "no prune summary in the server's log: $(tail -n 5 "$E2E_TMP/$name.err")"
  if [ "${2:-}" = json ]; then
    python3 -c 'import json, sys
j = json.loads(sys.argv[1])
assert j["level"] == "info" and j["msg"].startswith("image_prune: ok "), j
assert set(j) == {"level", "msg", "time"}, j' "$line" || fail "not a JSON log line: $line"
  fi
}
