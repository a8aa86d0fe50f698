// bench/load: `reclaim image load` throughput against the floor of verifying and
// copying the same bytes (`sha256sum ARCHIVE` + `cp ARCHIVE DIR/`), measured in one
// run. Load is the real thing: a durable LocalStore (fsync on every blob), digest
// and size verification of every entry. Prints MiB/s of both and the throughput
// ratio load/floor (target >= 0.8). Also shows the floor with a final `sync`,
// since a load is durable and cp is not.
//
//   load_bench [--layers N] [--layer-mib M] [--rounds R]
#include <archive.h>
#include <archive_entry.h>
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
#include "imageio/byte_stream.h"
#include "imageio/load.h"
#include "nlohmann/json.hpp"
#include "platform/posix_fs.h"
#include "store/local/local_store.h"

namespace {

using namespace reclaim;  // NOLINT
using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

void AddEntry(archive* a, const std::string& name, const std::string& bytes) {
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
  if (archive_write_header(a, e) != ARCHIVE_OK) std::abort();
  for (size_t off = 0; off < bytes.size(); off += 1 << 20) {
    const size_t n = std::min<size_t>(1 << 20, bytes.size() - off);
    if (archive_write_data(a, bytes.data() + off, n) != static_cast<la_ssize_t>(n)) std::abort();
  }
  archive_entry_free(e);
}

Descriptor Blob(archive* a, std::string_view mt, const std::string& bytes) {
  Descriptor d{std::string(mt), Digest::Sha256Of(bytes), static_cast<int64_t>(bytes.size())};
  AddEntry(a, "blobs/sha256/" + std::string(d.digest.hex()), bytes);
  return d;
}

// An OCI layout archive with `layers` random layers of `mib` MiB each.
void WriteArchive(const std::string& path, int layers, int mib) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) std::abort();
  AddEntry(a, "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  uint64_t x = 0x2545f4914f6cdd1dull;
  std::vector<Descriptor> ls;
  nlohmann::json diff_ids = nlohmann::json::array();
  for (int i = 0; i < layers; ++i) {
    std::string bytes(static_cast<size_t>(mib) << 20, '\0');
    for (size_t j = 0; j + 8 <= bytes.size(); j += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(&bytes[j], &x, 8);
    }
    ls.push_back(Blob(a, media_types::kOciLayer, bytes));
    diff_ids.push_back(ls.back().digest.str());
  }
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  Descriptor c = Blob(a, media_types::kOciConfig, config.dump());
  nlohmann::json m = {{"schemaVersion", 2},
                      {"mediaType", std::string(media_types::kOciManifest)},
                      {"config", DescriptorToJson(c)},
                      {"layers", nlohmann::json::array()}};
  for (const auto& l : ls) m["layers"].push_back(DescriptorToJson(l));
  Descriptor md = Blob(a, media_types::kOciManifest, m.dump());
  nlohmann::json mdj = DescriptorToJson(md);
  mdj["annotations"] = {{"io.containerd.image.name", "docker.io/library/bench:1"},
                        {"org.opencontainers.image.ref.name", "1"}};
  nlohmann::json index = {{"schemaVersion", 2}, {"manifests", {mdj}}};
  AddEntry(a, "index.json", index.dump());
  archive_write_close(a);
  archive_write_free(a);
}

double Run(const std::string& cmd) {
  const auto t = Steady::now();
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", cmd.c_str());
    std::exit(1);
  }
  return Since(t);
}

}  // namespace

int main(int argc, char** argv) {
  int layers = 4, mib = 256, rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--layers") == 0) layers = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--layer-mib") == 0) mib = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  char tmpl[] = "/tmp/reclaim-load-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string archive_path = dir + "/image.tar";
  WriteArchive(archive_path, layers, mib);
  const double total_mib =
      static_cast<double>(std::filesystem::file_size(archive_path)) / (1 << 20);

  double best_floor = 1e9, best_floor_sync = 1e9, best_load = 1e9;
  PosixFs fs;
  for (int r = 0; r < rounds; ++r) {
    std::filesystem::remove_all(dir + "/copy");
    std::filesystem::create_directories(dir + "/copy");
    const double hash = Run("sha256sum '" + archive_path + "' >/dev/null");
    const double copy = Run("cp '" + archive_path + "' '" + dir + "/copy/'");
    const double flush = Run("sync '" + dir + "/copy/image.tar'");
    best_floor = std::min(best_floor, hash + copy);
    best_floor_sync = std::min(best_floor_sync, hash + copy + flush);

    const std::string root = dir + "/root" + std::to_string(r);
    auto store = LocalStore::Open(LocalStoreOptions{root});
    if (!store.ok()) return 1;
    auto file = fs.OpenForRead(archive_path);
    if (!file.ok()) return 1;
    SequentialFileSource source(**file);
    const auto t = Steady::now();
    auto result = LoadArchive(**store, source);
    const double load = Since(t);
    if (!result.ok() || result->images.size() != 1) {
      std::fprintf(stderr, "load failed: %s\n", std::string(result.status().message()).c_str());
      return 1;
    }
    best_load = std::min(best_load, load);
    store->reset();
    std::filesystem::remove_all(root);
  }
  std::filesystem::remove_all(dir);
  std::printf("bench/load: OCI archive of %d x %d MiB layers (%.0f MiB), best of %d\n", layers,
              mib, total_mib, rounds);
  std::printf("  reclaim load (durable)     %8.1f MiB/s  (%.3f s)\n", total_mib / best_load,
              best_load);
  std::printf("  sha256sum + cp             %8.1f MiB/s  (%.3f s)\n", total_mib / best_floor,
              best_floor);
  std::printf("  sha256sum + cp + sync      %8.1f MiB/s  (%.3f s)\n", total_mib / best_floor_sync,
              best_floor_sync);
  std::printf("  ratio load/(sha256sum + cp) throughput: %.2f (target >= 0.80)\n",
              best_floor / best_load);
  std::printf("  ratio load/(sha256sum + cp + sync) throughput: %.2f\n",
              best_floor_sync / best_load);
  return 0;
}
