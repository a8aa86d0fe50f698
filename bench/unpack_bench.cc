// bench/unpack: ContainerdStore::UnpackAll over every image of a namespace,
// timed. bench/unpack.sh imports the same N-image archive with
// `ctr images import --no-unpack` into a fresh daemon first, and times
// `ctr images import` (containerd's own unpack) of it into another.
//
// Checks afterwards that every image unpacked, that the namespace holds one
// committed snapshot per distinct chain ID and that no lease is left, then
// prints
//
//   RESULT n=<images> wall_s=<seconds> layers=<applied> bytes=<applied> ok=<0|1>
//
// Exits 1 when a check fails, 2 on a usage or connection error.
//
//   unpack_bench --socket SOCK [--namespace NS] [--snapshotter overlayfs]
//       [--expect N] [--parallelism P]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "store/containerd/containerd_store.h"

namespace {

using namespace reclaim;  // NOLINT

[[noreturn]] void Die(int code, const std::string& what) {
  std::fprintf(stderr, "unpack_bench: %s\n", what.c_str());
  std::exit(code);
}

struct Flags {
  std::string socket, ns = "bench", snapshotter = "overlayfs";
  long expect = -1;
  int parallelism = 8;
};

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  CLI::App app{"ContainerdStore::UnpackAll of every image in a namespace, timed"};
  app.add_option("--socket", f.socket, "containerd's socket")->required();
  app.add_option("--namespace", f.ns, "the namespace holding the images");
  app.add_option("--snapshotter", f.snapshotter, "the snapshotter to unpack into");
  app.add_option("--expect", f.expect, "the number of images there must be");
  app.add_option("--parallelism", f.parallelism, "images unpacked at once");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e) == 0 ? 0 : 2);
  }
  auto opened =
      ContainerdStore::Open({.socket = f.socket, .ns = f.ns, .snapshotter = f.snapshotter});
  if (!opened.ok()) Die(2, "open: " + std::string(opened.status().message()));
  ContainerdStore& store = **opened;
  auto images = store.ListImages();
  if (!images.ok()) Die(2, std::string(images.status().message()));
  std::vector<Descriptor> targets;
  for (const ImageRecord& r : *images) targets.push_back(r.target);
  if (f.expect >= 0 && static_cast<long>(targets.size()) != f.expect) {
    Die(1, "expected " + std::to_string(f.expect) + " images, found " +
               std::to_string(targets.size()));
  }

  UnpackOptions uo;
  uo.parallelism = f.parallelism;
  const auto start = std::chrono::steady_clock::now();
  auto all = store.UnpackAll(targets, uo);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!all.ok()) Die(1, "unpack: " + std::string(all.status().message()));

  bool ok = true;
  size_t layers = 0, failed = 0;
  long long bytes = 0;
  std::set<std::string> chains;
  for (size_t i = 0; i < all->size(); ++i) {
    const auto& r = (*all)[i];
    if (!r.ok()) {
      if (failed++ < 5)
        std::printf("  error %s: %s\n", targets[i].digest.str().c_str(),
                    std::string(r.status().message()).c_str());
      continue;
    }
    layers += r->applied_layers();
    bytes += r->applied_bytes;
    for (const UnpackedLayer& l : r->layers) chains.insert(l.chain_id);
  }
  auto snaps = store.ListSnapshots();
  auto leases = store.ListLeases();
  const size_t nsnaps = snaps.ok() ? snaps->size() : 0;
  std::printf(
      "  [reclaim] %zu images unpacked (%zu failed), %zu layers applied, %lld B; "
      "%zu snapshots for %zu chain IDs, %zu leases left\n",
      all->size() - failed, failed, layers, bytes, nsnaps, chains.size(),
      leases.ok() ? leases->size() : 0);
  if (failed != 0 || !snaps.ok() || nsnaps != chains.size() || layers != chains.size() ||
      !leases.ok() || !leases->empty()) {
    std::printf(
        "  [reclaim] CHECK FAILED: every image unpacked, one new snapshot per chain ID, "
        "no lease left\n");
    ok = false;
  }
  std::printf("RESULT n=%zu wall_s=%.3f layers=%zu bytes=%lld ok=%d\n", targets.size(), wall,
              layers, bytes, ok ? 1 : 0);
  return ok ? 0 : 1;
}
