// libFuzzer target for imageio: feeds arbitrary bytes to LoadArchive on one
// LocalStore whose blobs live on the in-memory filesystem (platform/mem_fs.h;
// its metadata in a temporary directory, $TMPDIR or /tmp, removed at exit)
// and to ImportRootfs on a FakeStore, and checks the invariants every input
// must keep:
//   - a failure is InvalidArgument (hostile input), never another code;
//   - a failed load leaves the image records exactly as they were;
//   - a successful load's records exist and point at walkable graphs;
//   - no lease outlives the call.
// Any violation aborts with a message naming it. Every 256 inputs the store is
// emptied (records deleted, one collection) so it does not grow without bound.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "imageio/byte_stream.h"
#include "imageio/import.h"
#include "imageio/load.h"
#include "imageio/testing/fake_store.h"
#include "imageio/walk.h"
#include "platform/mem_fs.h"
#include "store/local/local_store.h"

namespace {

using namespace reclaim;  // NOLINT

void Check(bool ok, const std::string& invariant) {
  if (ok) return;
  std::fprintf(stderr, "archive invariant violated: %s\n", invariant.c_str());
  std::abort();
}

std::string g_dir;

void RemoveDir() {
  if (g_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
}

LocalStore& Store() {
  static LocalStore* store = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/reclaim-archive-fuzz-XXXXXX";
    const char* dir = ::mkdtemp(tmpl.data());
    Check(dir != nullptr, "mkdtemp");
    g_dir = dir;
    std::atexit(RemoveDir);
    // Blobs and ingests on the in-memory filesystem, no fsync: the fuzzer
    // measures the parsers, not the disk. SQLite and the LOCK stay on disk.
    std::filesystem::create_directories(g_dir + "/root");
    LocalStoreOptions o;
    o.root = g_dir + "/root";
    o.fs = new MemFs();
    o.sync = false;
    auto s = LocalStore::Open(o);
    Check(s.ok(), "LocalStore::Open: " + s.status().ToString());
    return s->release();
  }();
  return *store;
}

std::map<std::string, std::string> Images(reclaim::Store& store) {
  auto images = store.images().ListImages();
  Check(images.ok(), "ListImages: " + images.status().ToString());
  std::map<std::string, std::string> out;
  for (const ImageRecord& r : *images) out[r.name] = r.target.digest.str();
  return out;
}

void NoLeases(reclaim::Store& store) {
  auto leases = store.leases().ListLeases();
  Check(leases.ok() && leases->empty(), "a lease outlived the call");
}

void FuzzLoad(std::string_view data) {
  LocalStore& store = Store();
  static int64_t runs = 0;
  if (++runs % 256 == 0) {
    std::vector<std::string> names;
    for (const auto& [name, digest] : Images(store)) names.push_back(name);
    auto r = store.collector().DeleteImagesAndCollect(names);
    Check(r.ok(), "DeleteImagesAndCollect: " + r.status().ToString());
  }
  const auto before = Images(store);
  LoadOptions opts;
  opts.max_json_size = 64 << 10;
  opts.max_entries = 512;
  opts.max_blob_size = 1 << 20;
  opts.max_images = 64;
  opts.max_layers = 64;
  opts.max_graph_nodes = 256;
  StringSource src{std::string(data)};
  auto r = LoadArchive(store, src, opts);
  NoLeases(store);
  if (!r.ok()) {
    Check(r.status().code() == absl::StatusCode::kInvalidArgument,
          "load failed with a code other than InvalidArgument: " + r.status().ToString());
    Check(!r.status().message().empty(), "empty error message");
    Check(Images(store) == before, "a failed load changed the image records");
    return;
  }
  for (const LoadedImage& li : r->images) {
    auto rec = store.images().GetImage(li.name);
    Check(rec.ok(), "loaded image missing: " + li.name);
    Check(li.dangling() || li.name.find('@') != std::string::npos ||
              li.name.find(':') != std::string::npos,
          "stored name is not canonical: " + li.name);
    absl::Status w =
        WalkPresentChildren(store, rec->target, [](const Descriptor&) { return absl::OkStatus(); });
    Check(w.ok(), "loaded image graph does not walk: " + w.ToString());
  }
}

void FuzzImport(std::string_view data) {
  FakeStore store;
  StringSource src{std::string(data)};
  auto r = ImportRootfs(store, src);
  NoLeases(store);
  Check(store.open_writers() == 0, "import leaked a writer");
  if (!r.ok()) {
    Check(r.status().code() == absl::StatusCode::kInvalidArgument,
          "import failed with a code other than InvalidArgument: " + r.status().ToString());
    Check(Images(store).empty(), "a failed import created a record");
    return;
  }
  Check(Images(store).size() == 1, "import did not create exactly one record");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  FuzzLoad(bytes);
  FuzzImport(bytes);
  return 0;
}
