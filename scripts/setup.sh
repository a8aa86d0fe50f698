#!/usr/bin/env bash
# Installs every Debian package reclaim needs to build, test, fuzz and benchmark.
# Idempotent: packages already installed are left alone, and apt is not touched
# at all when nothing is missing. Run as root on Debian bookworm.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  # libraries (design.md "Dependencies")
  libabsl-dev libssl-dev libsqlite3-dev nlohmann-json3-dev libarchive-dev
  libboost-dev libcli11-dev libspdlog-dev libfmt-dev libzstd-dev zlib1g-dev
  # the registry client (HTTP/2, TLS, proxies from the environment)
  libcurl4-openssl-dev
  # containerd's gRPC API (C++ generated at build time from the protos in Debian's
  # golang-github-containerd-containerd-dev, which the build downloads, never installs)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 coreutils
  # real components the interop and end-to-end tests drive, and the API bench's load generator
  containerd curl wrk tzdata
  # a static binary for the unpack test to run in an image it unpacked (ctr run)
  busybox-static
  # the registry tests: Debian's docker-registry 2.8, skopeo to place and read
  # images, htpasswd (bcrypt) and openssl for the auth and TLS fixtures
  docker-registry skopeo apache2-utils openssl
  # the fleet tests: YAML for the rendered manifests (tests/fleet)
  python3-yaml
  # metrics: prometheus-cpp (core: registry + text format; its CMake config also
  # wants civetweb, which the -dev package pulls in); a real Prometheus and
  # promtool for the scrape tests
  prometheus-cpp-dev prometheus
)
# ... and `kubectl kustomize` to render deploy/kubernetes: Debian's kubectl
# unless one is installed already (another kubectl would be overwritten).
command -v kubectl >/dev/null || packages+=(kubernetes-client)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
