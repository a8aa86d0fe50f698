// bench/containerd-prune: one way of deleting every image of a containerd
// namespace, timed (issue 6 item 6). bench/containerd_prune.sh imports the same
// N unpacked images into a fresh daemon before each run and compares:
//
//   reclaim  PruneService::Prune(dangling=false) over ContainerdStore: the
//            whole pipeline (inventory, plan, re-check, one batch delete with
//            ONE synchronous collection and its before/after diff, report);
//   moby     moby's algorithm: one synchronous collection per image. Each image
//            is deleted (DeleteImage) and then one synchronous GC runs
//            (--moby-gc lease: a throwaway lease deleted with sync, i.e. what
//            Images.Delete{sync} costs, the fairest case for moby; --moby-gc
//            collect: Store::Collect(), which also lists and diffs the store);
//   floor    one bulk delete plus one synchronous collection and nothing else:
//            DeleteImage for every name, then one throwaway lease deleted with
//            sync (what `ctr images rm --sync` does);
//   batch    Store::DeleteImagesAndCollect(all names): the floor plus the
//            store's before/after listings (what the prune's delete step calls).
//
// Before the clock starts every mode lists the images, snapshots and content
// and runs one synchronous collection so that the GC the import left pending
// is not charged to it. Afterwards it checks that no image, blob or snapshot
// is left in the namespace (and, for reclaim, that the report untagged and
// deleted every image and reclaimed > 0 bytes), and prints one line
//
//   RESULT mode=<m> n=<images> wall_s=<seconds> ...
//
// plus, for reclaim, where the time went: the phases of the prune and every
// Store call it made (count, summed time; calls on the inventory's worker
// threads overlap, so sums can exceed the wall time). Exits 1 when a check
// fails, 2 on a usage or connection error.
//
//   containerd_prune_bench --mode reclaim|moby|floor|batch --socket SOCK
//       [--namespace NS] [--snapshotter overlayfs] [--expect N]
//       [--parallelism P] [--moby-gc lease|collect]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/filters.h"
#include "gc/labels.h"
#include "platform/mutex.h"
#include "service/prune/prune_service.h"
#include "service/prune/report.h"
#include "store/containerd/containerd_store.h"
#include "store/store.h"

namespace {

using namespace reclaim;  // NOLINT
using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

[[noreturn]] void Die(int code, const std::string& what) {
  std::fprintf(stderr, "containerd_prune_bench: %s\n", what.c_str());
  std::exit(code);
}

void Check(const absl::Status& s, const std::string& what) {
  if (!s.ok()) Die(1, what + ": " + std::string(s.message()));
}

// ------------------------------------------------------------ timing store

// Forwards every call to `inner` and adds its duration to a per-method tally.
class TimingStore final : public Store,
                          public ImageStore,
                          public ContentStore,
                          public ContainerStore,
                          public LeaseStore,
                          public SnapshotStore,
                          public Collector {
 public:
  struct Tally {
    int64_t calls = 0;
    double seconds = 0;
  };

  explicit TimingStore(Store& inner) : inner_(inner) {}

  std::map<std::string, Tally> tallies() const {
    MutexLock lock(&mu_);
    return tallies_;
  }

 private:
  template <typename F>
  auto Time(const char* name, F&& f) {
    const auto start = Steady::now();
    auto result = f();
    const double took = Since(start);
    MutexLock lock(&mu_);
    Tally& t = tallies_[name];
    ++t.calls;
    t.seconds += took;
    return result;
  }

 public:
  std::string Describe() const override { return inner_.Describe(); }
  ImageStore& images() override { return *this; }
  ContentStore& content() override { return *this; }
  ContainerStore& containers() override { return *this; }
  LeaseStore& leases() override { return *this; }
  SnapshotStore& snapshots() override { return *this; }
  Collector& collector() override { return *this; }
  absl::StatusOr<std::vector<ImageRecord>> ListImages() override {
    return Time("ListImages", [&] { return inner_.images().ListImages(); });
  }
  absl::StatusOr<ImageRecord> GetImage(std::string_view name) override {
    return Time("GetImage", [&] { return inner_.images().GetImage(name); });
  }
  absl::StatusOr<ImageRecord> CreateImage(const ImageRecord& image) override {
    return Time("CreateImage", [&] { return inner_.images().CreateImage(image); });
  }
  absl::StatusOr<ImageRecord> UpdateImage(const ImageRecord& image) override {
    return Time("UpdateImage", [&] { return inner_.images().UpdateImage(image); });
  }
  absl::Status DeleteImage(std::string_view name) override {
    return Time("DeleteImage", [&] { return inner_.images().DeleteImage(name); });
  }
  absl::StatusOr<ContentInfo> Info(const Digest& digest) override {
    return Time("Info", [&] { return inner_.content().Info(digest); });
  }
  absl::StatusOr<std::vector<ContentInfo>> ListContent() override {
    return Time("ListContent", [&] { return inner_.content().ListContent(); });
  }
  absl::StatusOr<std::string> ReadBlob(const Digest& digest, int64_t max_size) override {
    return Time("ReadBlob", [&] { return inner_.content().ReadBlob(digest, max_size); });
  }
  absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(const Digest& digest) override {
    return Time("OpenBlob", [&] { return inner_.content().OpenBlob(digest); });
  }
  absl::StatusOr<ContentInfo> UpdateContentLabels(const Digest& digest,
                                                  const Labels& changes) override {
    return Time("UpdateContentLabels",
                [&] { return inner_.content().UpdateContentLabels(digest, changes); });
  }
  absl::Status DeleteContent(const Digest& digest) override {
    return Time("DeleteContent", [&] { return inner_.content().DeleteContent(digest); });
  }
  absl::StatusOr<std::unique_ptr<ContentWriter>> Writer(const WriterOptions& options) override {
    return Time("Writer", [&] { return inner_.content().Writer(options); });
  }
  absl::StatusOr<ContainerRecord> CreateContainer(const ContainerRecord& container) override {
    return Time("CreateContainer", [&] { return inner_.containers().CreateContainer(container); });
  }
  absl::StatusOr<std::vector<ContainerRecord>> ListContainers() override {
    return Time("ListContainers", [&] { return inner_.containers().ListContainers(); });
  }
  absl::StatusOr<ContainerRecord> GetContainer(std::string_view id) override {
    return Time("GetContainer", [&] { return inner_.containers().GetContainer(id); });
  }
  absl::Status DeleteContainer(std::string_view id) override {
    return Time("DeleteContainer", [&] { return inner_.containers().DeleteContainer(id); });
  }
  absl::StatusOr<Lease> CreateLease(std::string_view id, const Labels& labels) override {
    return Time("CreateLease", [&] { return inner_.leases().CreateLease(id, labels); });
  }
  absl::StatusOr<std::vector<Lease>> ListLeases() override {
    return Time("ListLeases", [&] { return inner_.leases().ListLeases(); });
  }
  absl::Status AddLeaseResource(std::string_view lease_id, const LeaseResource& resource) override {
    return Time("AddLeaseResource",
                [&] { return inner_.leases().AddLeaseResource(lease_id, resource); });
  }
  absl::Status DeleteLease(std::string_view id, bool sync) override {
    return Time("DeleteLease", [&] { return inner_.leases().DeleteLease(id, sync); });
  }
  absl::StatusOr<std::vector<SnapshotUsage>> ListSnapshots() override {
    return Time("ListSnapshots", [&] { return inner_.snapshots().ListSnapshots(); });
  }
  absl::StatusOr<BatchDeleteResult> DeleteImagesAndCollect(
      const std::vector<std::string>& names, const DeleteAndCollectOptions& options) override {
    return Time("DeleteImagesAndCollect",
                [&] { return inner_.collector().DeleteImagesAndCollect(names, options); });
  }
  absl::StatusOr<CollectResult> Collect() override {
    return Time("Collect", [&] { return inner_.collector().Collect(); });
  }
  absl::StatusOr<uint64_t> RecordsGeneration() override {
    return Time("RecordsGeneration", [&] { return inner_.RecordsGeneration(); });
  }

 private:
  Store& inner_;
  mutable Mutex mu_;
  std::map<std::string, Tally> tallies_;
};

// ------------------------------------------------------------------ flags

struct Flags {
  std::string mode;
  std::string socket;
  std::string ns = "bench";
  std::string snapshotter = "overlayfs";
  std::string moby_gc = "lease";
  int expect = -1;
  int parallelism = 4;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(2, a + " needs a value");
      return argv[++i];
    };
    if (a == "--mode") {
      f.mode = value();
    } else if (a == "--socket") {
      f.socket = value();
    } else if (a == "--namespace") {
      f.ns = value();
    } else if (a == "--snapshotter") {
      f.snapshotter = value();
    } else if (a == "--moby-gc") {
      f.moby_gc = value();
    } else if (a == "--expect") {
      f.expect = std::atoi(value().c_str());
    } else if (a == "--parallelism") {
      f.parallelism = std::atoi(value().c_str());
    } else {
      Die(2, "unknown flag " + a);
    }
  }
  if (f.mode != "reclaim" && f.mode != "moby" && f.mode != "floor" && f.mode != "batch") {
    Die(2, "--mode must be reclaim, moby, floor or batch");
  }
  if (f.moby_gc != "lease" && f.moby_gc != "collect") Die(2, "--moby-gc must be lease or collect");
  if (f.socket.empty()) Die(2, "--socket is required");
  return f;
}

// One synchronous collection and nothing else: what Images.Delete{sync} or
// `ctr images rm --sync` waits for.
absl::Status SyncGc(Store& store, int seq) {
  const std::string id = "bench-gc-" + std::to_string(::getpid()) + "-" + std::to_string(seq);
  const absl::Time expire = absl::Now() + absl::Hours(1);
  absl::StatusOr<Lease> lease = store.leases().CreateLease(
      id, {{std::string(gc::kLabelExpire),
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", expire, absl::UTCTimeZone())}});
  if (!lease.ok()) return lease.status();
  return store.leases().DeleteLease(id, /*sync=*/true);
}

struct Census {
  size_t images = 0, blobs = 0, snapshots = 0, leases = 0;
  int64_t blob_bytes = 0, snapshot_bytes = 0;
  double list_s[4] = {0, 0, 0, 0};  // ListImages, ListContent, ListSnapshots (+usage), ListLeases
};

// Lists everything (each listing timed, for the record: the prune makes the
// same calls).
Census Count(Store& store) {
  Census c;
  auto t = Steady::now();
  auto images = store.images().ListImages();
  c.list_s[0] = Since(t);
  t = Steady::now();
  auto content = store.content().ListContent();
  c.list_s[1] = Since(t);
  t = Steady::now();
  auto snaps = store.snapshots().ListSnapshots();
  c.list_s[2] = Since(t);
  t = Steady::now();
  auto leases = store.leases().ListLeases();
  c.list_s[3] = Since(t);
  Check(images.status(), "list images");
  Check(content.status(), "list content");
  Check(snaps.status(), "list snapshots");
  Check(leases.status(), "list leases");
  c.images = images->size();
  c.blobs = content->size();
  c.snapshots = snaps->size();
  c.leases = leases->size();
  for (const ContentInfo& i : *content) c.blob_bytes += i.size;
  for (const SnapshotUsage& s : *snaps) c.snapshot_bytes += s.size;
  return c;
}

const char* PhaseName(PrunePhase p) {
  switch (p) {
    case PrunePhase::kGuardTaken: return "guard";
    case PrunePhase::kOptions: return "options";
    case PrunePhase::kInventory: return "inventory";
    case PrunePhase::kPlan: return "plan";
    case PrunePhase::kDelete: return "re-check+delete+collect";
    case PrunePhase::kDone: return "done";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  const Flags f = ParseFlags(argc, argv);
  ContainerdStoreOptions o;
  o.socket = f.socket;
  o.ns = f.ns;
  o.snapshotter = f.snapshotter;
  auto opened = ContainerdStore::Open(o);
  if (!opened.ok()) Die(2, std::string(opened.status().message()));
  ContainerdStore& store = **opened;

  // ---- before: what is there, and no GC left pending by the import
  std::vector<std::string> names;
  {
    auto images = store.images().ListImages();
    Check(images.status(), "list images");
    for (const ImageRecord& r : *images) names.push_back(r.name);
    std::sort(names.begin(), names.end());
  }
  const size_t n = names.size();
  if (f.expect >= 0 && n != static_cast<size_t>(f.expect)) {
    Die(1, "expected " + std::to_string(f.expect) + " images in namespace " + f.ns + ", found " +
               std::to_string(n));
  }
  if (n == 0) Die(1, "no images in namespace " + f.ns);
  Check(SyncGc(store, 0), "settling collection");
  const Census before = Count(store);
  std::printf(
      "  [%s] before: %zu images, %zu blobs (%lld B), %zu %s snapshots (%lld B), %zu leases\n",
      f.mode.c_str(), before.images, before.blobs, static_cast<long long>(before.blob_bytes),
      before.snapshots, f.snapshotter.c_str(), static_cast<long long>(before.snapshot_bytes),
      before.leases);
  std::printf(
      "  [%s] listing times: ListImages %.3f s, ListContent %.3f s, ListSnapshots (one "
      "Usage call per snapshot) %.3f s, ListLeases %.3f s\n",
      f.mode.c_str(), before.list_s[0], before.list_s[1], before.list_s[2], before.list_s[3]);
  std::fflush(stdout);

  bool ok = true;
  std::string extra;
  double wall = 0;

  if (f.mode == "reclaim") {
    TimingStore timed(store);
    PruneServiceOptions po;
    po.snapshotter = f.snapshotter;
    po.parallelism = f.parallelism;
    PruneService service(timed, po);
    std::vector<std::pair<PrunePhase, Steady::time_point>> phases;
    service.SetPhaseHookForTesting(
        [&phases](PrunePhase p) { phases.emplace_back(p, Steady::now()); });
    auto filters = FilterArgs::FromJSON(R"({"dangling":{"false":true}})");
    Check(filters.status(), "filters");

    const auto start = Steady::now();
    absl::StatusOr<PruneResult> result = service.Prune(*filters, PruneRequest{});
    wall = Since(start);
    Check(result.status(), "prune");

    const Report& report = result->report;
    size_t untagged = 0, deleted = 0;
    for (const ReportItem& item : report.images_deleted) {
      if (!item.untagged.empty()) ++untagged;
      if (!item.deleted.empty()) ++deleted;
    }
    std::printf(
        "  [reclaim] report: %zu untagged, %zu deleted, %llu B reclaimed, %zu errors\n", untagged,
        deleted, static_cast<unsigned long long>(report.space_reclaimed), report.errors.size());
    for (size_t i = 0; i < report.errors.size() && i < 5; ++i) {
      std::printf("    error %s: %s\n", report.errors[i].name.c_str(),
                  std::string(report.errors[i].status.message()).c_str());
    }
    if (untagged != n || deleted < before.blobs || report.space_reclaimed == 0 ||
        !report.errors.empty()) {
      std::printf("  [reclaim] CHECK FAILED: expected %zu untagged, >= %zu deleted, > 0 B, "
                  "no errors\n", n, before.blobs);
      ok = false;
    }
    std::printf("  [reclaim] phases:");
    for (size_t i = 0; i + 1 < phases.size(); ++i) {
      const double d =
          std::chrono::duration<double>(phases[i + 1].second - phases[i].second).count();
      std::printf(" %s %.3f s;", PhaseName(phases[i].first), d);
    }
    std::printf("\n  [reclaim] store calls (count, summed s):");
    for (const auto& [name, t] : timed.tallies()) {
      std::printf(" %s %lld %.3f;", name.c_str(), static_cast<long long>(t.calls), t.seconds);
    }
    std::printf("\n");
    extra = " space_reclaimed=" + std::to_string(report.space_reclaimed);
  } else if (f.mode == "moby") {
    // The per-image time grows with what is left in the store: show it.
    std::vector<double> each;
    each.reserve(n);
    const auto start = Steady::now();
    int seq = 1;
    for (const std::string& name : names) {
      const auto t = Steady::now();
      Check(store.images().DeleteImage(name), "delete " + name);
      if (f.moby_gc == "lease") {
        Check(SyncGc(store, seq++), "sync collection after " + name);
      } else {
        Check(store.collector().Collect().status(), "collect after " + name);
      }
      each.push_back(Since(t));
    }
    wall = Since(start);
    const size_t tenth = std::max<size_t>(1, n / 10);
    double first = 0, last = 0;
    for (size_t i = 0; i < tenth; ++i) {
      first += each[i];
      last += each[n - 1 - i];
    }
    std::printf(
        "  [moby] per image (delete + sync GC via %s): first 10%% %.1f ms, last 10%% %.1f ms, "
        "mean %.1f ms\n",
        f.moby_gc.c_str(), 1e3 * first / tenth, 1e3 * last / tenth, 1e3 * wall / n);
    extra = " gc=" + f.moby_gc;
  } else if (f.mode == "floor") {
    const auto start = Steady::now();
    for (const std::string& name : names) Check(store.images().DeleteImage(name), "delete " + name);
    const double deletes = Since(start);
    const auto gc_start = Steady::now();
    Check(SyncGc(store, 1), "sync collection");
    const double gc = Since(gc_start);
    wall = Since(start);
    std::printf("  [floor] %zu deletes %.3f s + one sync GC %.3f s\n", n, deletes, gc);
    extra = " deletes_s=" + std::to_string(deletes) + " gc_s=" + std::to_string(gc);
  } else {  // batch
    const auto start = Steady::now();
    absl::StatusOr<BatchDeleteResult> r = store.collector().DeleteImagesAndCollect(names);
    wall = Since(start);
    Check(r.status(), "delete images and collect");
    size_t failed = 0;
    for (const ImageDeletion& d : r->deletions) failed += d.status.ok() ? 0 : 1;
    int64_t bytes = 0;
    for (const ContentInfo& c : r->collected.removed_content) bytes += c.size;
    for (const SnapshotUsage& s : r->collected.removed_snapshots) bytes += s.size;
    const double gc = absl::ToDoubleSeconds(r->collected.duration);
    std::printf(
        "  [batch] removed %zu blobs + %zu snapshots (%lld B), %zu failed deletes; sync GC %.3f "
        "s, the rest (deletes + listings before/after) %.3f s\n",
        r->collected.removed_content.size(), r->collected.removed_snapshots.size(),
        static_cast<long long>(bytes), failed, gc, wall - gc);
    if (failed != 0 || r->collected.removed_content.size() != before.blobs) ok = false;
    extra = " gc_s=" + std::to_string(gc);
  }

  // ---- after: nothing of ours may be left
  const Census after = Count(store);
  std::printf("  [%s] after: %zu images, %zu blobs, %zu snapshots, %zu leases\n", f.mode.c_str(),
              after.images, after.blobs, after.snapshots, after.leases);
  if (after.images != 0 || after.blobs != 0 || after.snapshots != 0) {
    std::printf("  [%s] CHECK FAILED: images, blobs or snapshots left\n", f.mode.c_str());
    ok = false;
  }
  std::printf("RESULT mode=%s n=%zu wall_s=%.3f ok=%d%s\n", f.mode.c_str(), n, wall, ok ? 1 : 0,
              extra.c_str());
  return ok ? 0 : 1;
}
