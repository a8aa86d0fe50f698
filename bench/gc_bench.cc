// bench/gc: one collection of the embedded store against its floor.
//
// The store holds --images images (manifest, config, two own layers, one of
// --shared base layers): 100k blobs by default. Every image record is deleted and
// one collection runs (DeleteImagesAndCollect). The floor is unlinking the same
// number of files of the same sizes in a plain directory, measured in the same
// run. Prints both and the ratio (target <= 1.5).
//
//   gc_bench [--images N] [--shared S]
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/descriptor.h"
#include "core/media_types.h"
#include "nlohmann/json.hpp"
#include "store/local/local_store.h"

namespace {

using namespace reclaim;  // NOLINT
using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

Descriptor Put(Store& s, std::string_view mt, const std::string& bytes, const Labels& labels,
               const std::string& lease) {
  Descriptor d{std::string(mt), Digest::Sha256Of(bytes), static_cast<int64_t>(bytes.size())};
  WriterOptions o;
  o.ref = d.digest.str();
  o.lease_id = lease;
  auto w = s.content().Writer(o);
  if (!w.ok() || !(*w)->Write(bytes).ok()) std::abort();
  absl::Status st = (*w)->Commit(d.size, d.digest, labels);
  if (!st.ok() && !absl::IsAlreadyExists(st)) {
    std::fprintf(stderr, "commit: %s\n", std::string(st.message()).c_str());
    std::abort();
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  int images = 25000, shared = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--images") == 0) images = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--shared") == 0) shared = std::atoi(argv[i + 1]);
  }
  char tmpl[] = "/tmp/reclaim-gc-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  auto opened = LocalStore::Open(LocalStoreOptions{dir + "/root", nullptr, nullptr, "gc_bench",
                                                   /*sync=*/false});
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", std::string(opened.status().message()).c_str());
    return 1;
  }
  LocalStore& store = **opened;
  if (!store.leases().CreateLease("setup", {}).ok()) return 1;

  const auto setup = Steady::now();
  std::vector<Descriptor> bases;
  for (int i = 0; i < shared; ++i) {
    bases.push_back(Put(store, media_types::kOciLayer, "base layer " + std::to_string(i) +
                                                           std::string(4096, 'b'), {}, "setup"));
  }
  std::vector<std::string> names;
  std::vector<int64_t> sizes;
  for (const auto& b : bases) sizes.push_back(b.size);
  for (int i = 0; i < images; ++i) {
    const std::string n = std::to_string(i);
    Descriptor l1 = Put(store, media_types::kOciLayer, "layer a " + n + std::string(i % 2048, 'x'),
                        {}, "setup");
    Descriptor l2 = Put(store, media_types::kOciLayer, "layer b " + n + std::string(i % 1024, 'y'),
                        {}, "setup");
    Descriptor c = Put(store, media_types::kOciConfig, "{\"image\":" + n + "}", {}, "setup");
    const Descriptor& base = bases[i % shared];
    nlohmann::json m = {{"schemaVersion", 2},
                        {"mediaType", std::string(media_types::kOciManifest)},
                        {"config", DescriptorToJson(c)},
                        {"layers", {DescriptorToJson(base), DescriptorToJson(l1),
                                    DescriptorToJson(l2)}}};
    Descriptor md = Put(store, media_types::kOciManifest, m.dump(),
                        {{"containerd.io/gc.ref.content.config", c.digest.str()},
                         {"containerd.io/gc.ref.content.l.0", base.digest.str()},
                         {"containerd.io/gc.ref.content.l.1", l1.digest.str()},
                         {"containerd.io/gc.ref.content.l.2", l2.digest.str()}},
                        "setup");
    names.push_back("docker.io/library/bench:" + n);
    if (!store.images().CreateImage(ImageRecord{names.back(), md}).ok()) return 1;
    for (int64_t s : {l1.size, l2.size, c.size, md.size}) sizes.push_back(s);
  }
  if (!store.leases().DeleteLease("setup", false).ok()) return 1;
  const double setup_s = Since(setup);

  // The floor: the same number of files of the same sizes, unlinked. Measured
  // twice, before and after the collection, and the faster run counts, so disk
  // noise cannot flatter the ratio.
  auto make_floor = [&](const std::string& floor_dir) {
    std::filesystem::create_directories(floor_dir);
    std::vector<std::string> paths;
    for (size_t i = 0; i < sizes.size(); ++i) {
      paths.push_back(floor_dir + "/" + std::to_string(i));
      int fd = ::open(paths.back().c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
      std::string bytes(static_cast<size_t>(sizes[i]), 'f');
      if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) < 0) std::abort();
      ::close(fd);
    }
    return paths;
  };
  auto unlink_all = [](const std::vector<std::string>& paths) {
    const auto t = Steady::now();
    for (const auto& p : paths) ::unlink(p.c_str());
    return Since(t);
  };
  const std::vector<std::string> before = make_floor(dir + "/floor-before");
  const std::vector<std::string> after = make_floor(dir + "/floor-after");
  ::sync();
  const double floor_before = unlink_all(before);

  const auto gc_start = Steady::now();
  auto result = store.collector().DeleteImagesAndCollect(names);
  const double gc_s = Since(gc_start);
  if (!result.ok()) {
    std::fprintf(stderr, "collect: %s\n", std::string(result.status().message()).c_str());
    return 1;
  }
  const double floor_after = unlink_all(after);
  const double floor_s = std::min(floor_before, floor_after);
  const std::vector<std::string>& paths = before;
  const size_t removed = result->collected.removed_content.size();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (removed != sizes.size()) {
    std::fprintf(stderr, "expected %zu blobs removed, got %zu\n", sizes.size(), removed);
    return 1;
  }
  std::printf("bench/gc: %d images, %zu blobs (set-up %.1f s)\n", images, removed, setup_s);
  std::printf("  delete %d records + one collection  %.3f s\n", images, gc_s);
  std::printf("  floor: unlink %zu files             %.3f s (best of %.3f before, %.3f after)\n",
              paths.size(), floor_s, floor_before, floor_after);
  std::printf("  ratio collection/floor: %.2f (target <= 1.50)\n", gc_s / floor_s);
  return 0;
}
