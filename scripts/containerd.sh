#!/usr/bin/env bash
# Starts or stops a private containerd for tests (specs/containerd.md §6): its own
# root, state and socket under DIR, CRI and unusable snapshotters disabled, and
# nothing written outside DIR. Stops only the daemon it started, by its PID.
#   scripts/containerd.sh start DIR   -> prints the socket path once ctr answers
#   scripts/containerd.sh stop DIR
set -euo pipefail
cmd=${1:?usage: containerd.sh start|stop DIR}
dir=${2:?usage: containerd.sh start|stop DIR}
dir=$(realpath -m "$dir")
sock="$dir/containerd.sock"

case "$cmd" in
  start)
    command -v containerd >/dev/null || { echo "containerd is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
    mkdir -p "$dir/root" "$dir/state" "$dir/opt"
    cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
TOML
    containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
    echo $! > "$dir/containerd.pid"
    for _ in $(seq 1 500); do
      if ctr -a "$sock" version >/dev/null 2>&1; then echo "$sock"; exit 0; fi
      if ! kill -0 "$(cat "$dir/containerd.pid")" 2>/dev/null; then break; fi
      sleep 0.02
    done
    echo "containerd did not start; its log:" >&2
    tail -20 "$dir/containerd.log" >&2
    exit 1
    ;;
  stop)
    [ -f "$dir/containerd.pid" ] || exit 0
    pid=$(cat "$dir/containerd.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/containerd.pid"
    ;;
  *) echo "usage: containerd.sh start|stop DIR" >&2; exit 2 ;;
esac
