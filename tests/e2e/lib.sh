# tests/e2e/lib.sh: shared by the end-to-end suites (sourced, bash).
#
# Each suite runs `reclaim serve` on a root and unix socket inside its own
# mktemp -d directory, talks to it with the real clients, and stops it by PID
# with SIGTERM; nothing outside that directory is touched. The EXIT trap stops
# any server still running and removes the directory (E2E_KEEP=1 keeps it).
#
#   e2e_init RECLAIM_BINARY         temp dir, trap; fails (exit 1) if python3 is missing
#   e2e_start_server NAME [ARGS]    serves $E2E_TMP/NAME-root on $E2E_TMP/NAME.sock
#   e2e_stop_server NAME            SIGTERM; asserts exit status 0 and the socket gone
#   use_server NAME                 points DOCKER_HOST (and E2E_SOCK) at it
#   run CMD...                      runs CMD, stdin from /dev/null: sets OUT, ERR, RC
#   dk ARGS...                      run docker ARGS
#   t NAME / t_xfail REASON         starts a case / marks it as a known gap
#   expect_rc, expect_out, expect_err, expect_out_has, expect_out_lacks,
#   expect_eq, expect_match, fail   assertions (a failing one fails the case)
#   e2e_finish                      prints "N passed, M failed", exits 0 or 1
#
# A case marked t_xfail that fails is counted as "known gap" (printed with its
# reason, not a failure); one that passes is an XPASS, counted as a failure so
# that the marker gets removed.

E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TZ=UTC LC_ALL=C
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION

declare -A E2E_PIDS=()
E2E_PASSED=0
E2E_FAILED=0
E2E_XFAILED=0
E2E_CASE=""
E2E_CASE_FAILS=0
E2E_CASE_XFAIL=""
E2E_TOTAL_FAILS=0
E2E_START=$(date +%s)

e2e_init() {
  RECLAIM=$(realpath "${1:?usage: $0 PATH/TO/reclaim}")
  [ -x "$RECLAIM" ] || { echo "not executable: $RECLAIM" >&2; exit 2; }
  command -v python3 >/dev/null || { echo "FATAL: no python3 (scripts/setup.sh installs it)" >&2; exit 1; }
  E2E_TMP=$(mktemp -d /tmp/reclaim-e2e-XXXXXX)
  mkdir -p "$E2E_TMP/config"
  echo '{}' > "$E2E_TMP/config/config.json"
  export DOCKER_CONFIG="$E2E_TMP/config"
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
}

e2e_cleanup() {
  local name pid i
  for name in "${!E2E_PIDS[@]}"; do
    pid=${E2E_PIDS[$name]}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    echo "kept $E2E_TMP" >&2
  else
    rm -rf "$E2E_TMP"
  fi
}

# e2e_start_server NAME [EXTRA SERVE ARGS...]: waits until the server printed its
# DOCKER_HOST line and the socket exists (20 s at most).
e2e_start_server() {
  local name=$1; shift
  local sock="$E2E_TMP/$name.sock"
  "$RECLAIM" --root "$E2E_TMP/$name-root" serve -H "unix://$sock" "$@" \
    >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" &
  E2E_PIDS[$name]=$!
  local i
  for i in $(seq 1 200); do
    if [ -S "$sock" ] && grep -q "^export DOCKER_HOST=unix://$sock\$" "$E2E_TMP/$name.out"; then
      return 0
    fi
    kill -0 "${E2E_PIDS[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "FATAL: reclaim serve ($name) did not come up; its output:" >&2
  cat "$E2E_TMP/$name.out" "$E2E_TMP/$name.err" >&2
  exit 1
}

use_server() {
  E2E_SOCK="$E2E_TMP/$1.sock"
  export DOCKER_HOST="unix://$E2E_SOCK"
}

# e2e_stop_server NAME: SIGTERM by PID, then the exit status must be 0 and the
# socket file gone (assertions in the current case).
e2e_stop_server() {
  local name=$1 pid=${E2E_PIDS[$1]} rc i
  kill -TERM "$pid"
  for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "reclaim serve ($name) still running 30 s after SIGTERM"
    kill -KILL "$pid"
  fi
  wait "$pid"
  rc=$?
  unset "E2E_PIDS[$name]"
  expect_eq "$rc" 0 "exit status of reclaim serve ($name) after SIGTERM"
  [ ! -e "$E2E_TMP/$name.sock" ] || fail "socket $E2E_TMP/$name.sock still exists after exit"
  grep -q "SIGTERM: finishing in-flight requests" "$E2E_TMP/$name.out" ||
    fail "reclaim serve ($name) did not announce the SIGTERM: $(cat "$E2E_TMP/$name.out")"
}

# run CMD...: OUT (stdout), ERR (stderr), RC. Trailing newlines are stripped
# from OUT and ERR (as $(...) does).
run() {
  E2E_LAST_CMD="$*"
  "$@" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" </dev/null
  RC=$?
  OUT=$(cat "$E2E_TMP/run.out")
  ERR=$(cat "$E2E_TMP/run.err")
}
dk() { run docker "$@"; }

_close_case() {
  [ -n "$E2E_CASE" ] || return 0
  if [ -n "$E2E_CASE_XFAIL" ]; then
    if [ "$E2E_CASE_FAILS" -gt 0 ]; then
      E2E_XFAILED=$((E2E_XFAILED + 1))
      echo "KNOWN GAP: $E2E_CASE ($E2E_CASE_XFAIL)"
    else
      E2E_FAILED=$((E2E_FAILED + 1))
      echo "XPASS: $E2E_CASE passes now: remove its t_xfail marker"
    fi
  elif [ "$E2E_CASE_FAILS" -gt 0 ]; then
    E2E_FAILED=$((E2E_FAILED + 1))
    echo "FAILED: $E2E_CASE"
  else
    E2E_PASSED=$((E2E_PASSED + 1))
    echo "ok: $E2E_CASE"
  fi
  E2E_CASE=""
}

t() {
  _close_case
  E2E_CASE=$1
  E2E_CASE_FAILS=0
  E2E_CASE_XFAIL=""
}
t_xfail() { E2E_CASE_XFAIL=$1; }

fail() {
  E2E_CASE_FAILS=$((E2E_CASE_FAILS + 1))
  E2E_TOTAL_FAILS=$((E2E_TOTAL_FAILS + 1))
  # The line in the suite: skip the frames of this file's helpers.
  local i=0
  while [[ "${FUNCNAME[$((i + 1))]:-}" == expect_* || "${FUNCNAME[$((i + 1))]:-}" == e2e_* ]]; do
    i=$((i + 1))
  done
  {
    echo "  FAIL [$E2E_CASE] line ${BASH_LINENO[$i]:-?}: $1"
    if [ -n "${E2E_LAST_CMD:-}" ]; then
      echo "    last command: $E2E_LAST_CMD (rc=$RC)"
      echo "    stdout: $(printf '%s' "$OUT" | head -c 2000 | sed '2,$s/^/            /')"
      echo "    stderr: $(printf '%s' "$ERR" | head -c 2000 | sed '2,$s/^/            /')"
    fi
  } >&2
}

expect_rc() { [ "$RC" = "$1" ] || fail "exit status $RC, want $1"; }
expect_out() {
  [ "$OUT" = "$1" ] || fail "stdout differs; want:
$(printf '%s' "$1" | sed 's/^/      | /')"
}
expect_err() {
  [ "$ERR" = "$1" ] || fail "stderr differs; want:
$(printf '%s' "$1" | sed 's/^/      | /')"
}
expect_out_has() {
  grep -qxF -- "$1" <<<"$OUT" || fail "stdout lacks the line: $1"
}
expect_err_has() {
  grep -qxF -- "$1" <<<"$ERR" || fail "stderr lacks the line: $1"
}
expect_out_lacks() {
  ! grep -qxF -- "$1" <<<"$OUT" || fail "stdout has the line: $1"
}
expect_eq() {
  [ "$1" = "$2" ] || fail "${3:-value}: got
$(printf '%s' "$1" | sed 's/^/      | /')
    want
$(printf '%s' "$2" | sed 's/^/      | /')"
}
# expect_out_matches ERE / expect_out_lacks_match ERE: some / no stdout line matches.
expect_out_matches() {
  grep -qE -- "$1" <<<"$OUT" || fail "no stdout line matches /$1/"
}
expect_out_lacks_match() {
  ! grep -qE -- "$1" <<<"$OUT" || fail "a stdout line matches /$1/"
}
# expect_match VALUE ERE WHAT
expect_match() {
  grep -qE -- "$2" <<<"$1" || fail "${3:-value} does not match /$2/: $1"
}

# The server still answers HEAD-less GET /_ping with OK.
expect_alive() {
  local got
  got=$(curl -sS --max-time 5 --unix-socket "$E2E_SOCK" http://reclaim/_ping 2>&1)
  [ "$got" = OK ] || fail "server does not answer /_ping after ${1:-this case}: $got"
}

e2e_finish() {
  _close_case
  local took=$(( $(date +%s) - E2E_START ))
  echo "$E2E_PASSED passed, $E2E_FAILED failed, $E2E_XFAILED known gap(s) (${took}s)"
  [ "$E2E_FAILED" -eq 0 ]
  exit $?
}

# Go's units.HumanSizeWithPrecision with decimal units: human BYTES [PRECISION]
# (docker prints sizes with 3 significant digits in tables and 4 in prune totals).
human() {
  python3 - "$1" "${2:-4}" <<'EOF'
import sys
size, prec = float(sys.argv[1]), int(sys.argv[2])
units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
i = 0
while size >= 1000 and i < len(units) - 1:
    size /= 1000.0
    i += 1
print("%.*g%s" % (prec, size, units[i]))
EOF
}

# meta FILE PY-EXPR: a value computed from mkarchive.py's --meta output, bound
# to `m` (a list, one dict per image): meta m.json 'm[0]["config_size"]'.
meta() {
  python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); v = eval(sys.argv[2])
print(" ".join(map(str, v)) if isinstance(v, list) else v)' "$1" "$2"
}

mkarchive() { python3 "$E2E_HERE/mkarchive.py" "$@"; }

# run_in FILE CMD...: run with stdin from FILE.
run_in() {
  local in=$1; shift
  E2E_LAST_CMD="$* < $in"
  "$@" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" <"$in"
  RC=$?
  OUT=$(cat "$E2E_TMP/run.out")
  ERR=$(cat "$E2E_TMP/run.err")
}

# api METHOD PATH [CURL ARGS...]: one request over the unix socket with curl.
# Sets OUT (body), CODE (HTTP status) and CTYPE (Content-Type).
api() {
  local method=$1 path=$2; shift 2
  E2E_LAST_CMD="curl -X $method $path $*"
  local w
  w=$(curl -sS --max-time 30 --unix-socket "$E2E_SOCK" -X "$method" -o "$E2E_TMP/api.body" \
        -w '%{http_code} %{content_type}' "$@" "http://reclaim$path" 2>"$E2E_TMP/api.err")
  RC=$?
  CODE=${w%% *}
  CTYPE=${w#* }
  OUT=$(cat "$E2E_TMP/api.body" 2>/dev/null)
  ERR=$(cat "$E2E_TMP/api.err")
}

# expect_json_error CODE MESSAGE: the last api call answered CODE with
# Content-Type application/json and {"message": MESSAGE}.
expect_json_error() {
  [ "$CODE" = "$1" ] || fail "HTTP status $CODE, want $1"
  [ "$CTYPE" = application/json ] || fail "Content-Type '$CTYPE', want application/json"
  local msg
  msg=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])' 2>&1)
  [ "$msg" = "$2" ] || fail "error message '$msg', want '$2' (body: $OUT)"
}
# expect_json_error_4xx PREFIX: any 4xx, JSON, message starting with PREFIX.
expect_json_error_4xx() {
  [[ "$CODE" == 4?? ]] || fail "HTTP status $CODE, want 4xx"
  [ "$CTYPE" = application/json ] || fail "Content-Type '$CTYPE', want application/json"
  local msg
  msg=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])' 2>&1)
  [[ "$msg" == "$1"* ]] || fail "error message '$msg' does not start with '$1' (body: $OUT)"
}

# sorted_lines TEXT: the lines of TEXT, sorted (for output whose order the
# docker CLI or the server does not fix).
sorted_lines() { printf '%s\n' "$1" | sort; }

# e2e_start_registry NAME [TOP_YAML [HTTP_YAML]]: Debian's docker-registry on
# a free 127.0.0.1 port with its root under $E2E_TMP/NAME-registry (never the
# packaged service), stopped by PID with the servers. TOP_YAML is appended to
# the config (an `auth:` section), HTTP_YAML under `http:` (indented by two:
# `tls:`). Waits until the port accepts connections. Sets REG=127.0.0.1:PORT.
e2e_start_registry() {
  local name=$1 top=${2:-} http=${3:-} dir="$E2E_TMP/$1-registry" port i
  command -v docker-registry >/dev/null || { echo "FATAL: no docker-registry (scripts/setup.sh installs it)" >&2; exit 1; }
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: reclaim-e2e
$(printf '%s\n' "$http" | sed 's/^/  /')
$top
YML
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  E2E_PIDS["registry-$name"]=$!
  REG=127.0.0.1:$port
  for i in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "${E2E_PIDS["registry-$name"]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "FATAL: docker-registry did not come up:" >&2
  cat "$dir/log" >&2
  exit 1
}

# e2e_start_token_server NAME: a Bearer token endpoint on a free 127.0.0.1
# port (tests/e2e/token_server.py) for a registry with `auth.silly`, which
# accepts any token; it logs each request's query. Sets TOKEN_URL and
# TOKEN_LOG.
e2e_start_token_server() {
  local name=$1 i
  TOKEN_LOG="$E2E_TMP/$name-token.log"
  python3 "$E2E_HERE/token_server.py" "$TOKEN_LOG" >"$E2E_TMP/$name-token.port" 2>&1 &
  E2E_PIDS["token-$name"]=$!
  for i in $(seq 1 100); do
    [ -s "$E2E_TMP/$name-token.port" ] && break
    sleep 0.1
  done
  TOKEN_URL="http://127.0.0.1:$(head -1 "$E2E_TMP/$name-token.port")/token"
}

# skopeo_push ARCHIVE REF: copies a docker-archive into the loopback registry.
skopeo_push() {
  skopeo copy -q --dest-tls-verify=false "docker-archive:$1" "docker://$2" >/dev/null 2>"$E2E_TMP/skopeo.err" ||
    { echo "FATAL: skopeo copy $1 $2: $(cat "$E2E_TMP/skopeo.err")" >&2; exit 1; }
}
# skopeo_digest REF: the manifest digest the registry serves for REF.
skopeo_digest() { skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$1"; }
