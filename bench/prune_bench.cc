// bench/prune: `docker image prune -a` of the embedded store against its floor.
//
// The store holds --images image records (default 100k) over distinct targets
// that share base layers (the mix is printed), and --containers containers
// (default 1k) referring to images by name, full or short ID, digest and
// tag@digest, so that some images are protected. Set-up runs in the parent
// (sync=false, everything under one lease, deleted before measuring); then
//
//   1. a dry run (PruneService::Prune, dangling=false, dry_run) in a child;
//   2. the floor, from what the dry run predicts: unlinking as many files of the
//      same sizes in a plain directory, plus one SQLite transaction deleting the
//      same image and content rows from tables of the store's shape;
//   3. the real prune in another child, which reopens the store (sync=true).
//
// Each child is forked before the set-up, while the process is small, so its
// getrusage(RUSAGE_SELF).ru_maxrss is its own peak. The binary prints both
// times, the ratio prune/floor (target <= 1.5), the peak RSS of the prune
// (target <= 200 MB), and exits non-zero if the dry run's report differs from
// the real one or the prune removed other blobs than predicted.
//
//   prune_bench [--images N] [--containers M] [--shared S] [--tags T]
//               [--parallelism P] [--keep]
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/descriptor.h"
#include "core/digest.h"
#include "core/filters.h"
#include "core/media_types.h"
#include "nlohmann/json.hpp"
#include "service/prune/prune_service.h"
#include "service/prune/report.h"
#include "store/local/local_store.h"

namespace {

using namespace reclaim;  // NOLINT
using Steady = std::chrono::steady_clock;
using json = nlohmann::json;

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "prune_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const absl::Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + std::string(s.message()));
}

long MaxRssKb() {
  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// User + system CPU seconds of this process so far.
double CpuSeconds() {
  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// Deterministic pseudo-random numbers (splitmix64).
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
};

struct Flags {
  int images = 100000;
  int containers = 1000;
  int shared = 100;
  int tags = 10;
  int parallelism = 4;
  bool keep = false;
  std::string tmp = "/tmp";
  std::string setup_only;  // build the store at this root, print the mix, exit
};

// ------------------------------------------------------------------ workers

// A child forked before the set-up. It waits for one byte on its pipe, runs
// one prune against the closed store, writes its findings as JSON to `out`
// and exits. EOF on the pipe: it exits without doing anything.
struct Worker {
  pid_t pid = -1;
  int cmd_fd = -1;
};

[[noreturn]] void WorkerMain(int cmd_fd, const std::string& root, const std::string& out,
                             bool dry_run, int parallelism) {
  char c;
  if (::read(cmd_fd, &c, 1) != 1) ::_exit(0);
  json j;
  j["rss_before_kb"] = MaxRssKb();
  {
    auto opened = LocalStore::Open(LocalStoreOptions{root, nullptr, nullptr, "prune_bench",
                                                     /*sync=*/true});
    if (!opened.ok()) {
      std::fprintf(stderr, "worker open: %s\n", std::string(opened.status().message()).c_str());
      ::_exit(2);
    }
    std::unique_ptr<LocalStore> store = *std::move(opened);
    PruneServiceOptions po;
    po.parallelism = parallelism;
    PruneService service(*store, po);
    std::vector<std::pair<PrunePhase, Steady::time_point>> phases;
    service.SetPhaseHookForTesting(
        [&phases](PrunePhase p) { phases.emplace_back(p, Steady::now()); });
    FilterArgs filters;
    filters.Add("dangling", "false");
    PruneRequest request;
    request.dry_run = dry_run;

    const double cpu0 = CpuSeconds();
    const auto start = Steady::now();
    absl::StatusOr<PruneResult> result = service.Prune(filters, request);
    const double wall = Since(start);
    j["cpu_s"] = CpuSeconds() - cpu0;
    j["maxrss_kb"] = MaxRssKb();
    j["wall_s"] = wall;
    if (!result.ok()) {
      std::fprintf(stderr, "worker prune: %s\n", std::string(result.status().message()).c_str());
      ::_exit(3);
    }
    j["phases"] = json::object();
    for (size_t i = 0; i + 1 < phases.size(); ++i) {
      const double d =
          std::chrono::duration<double>(phases[i + 1].second - phases[i].second).count();
      j["phases"][std::to_string(static_cast<int>(phases[i].first))] = d;
    }
    const Report& report = result->report;
    j["report_json"] = ReportJson(report);
    json errors = json::array();
    for (const ImageError& e : report.errors) {
      errors.push_back(e.name + ": " + std::string(e.status.message()));
    }
    j["errors"] = errors;
    j["space_reclaimed"] = report.space_reclaimed;
    size_t untagged = 0, deleted = 0;
    for (const ReportItem& item : report.images_deleted) {
      if (!item.untagged.empty()) ++untagged;
      if (!item.deleted.empty()) ++deleted;
    }
    j["untagged_items"] = untagged;
    j["deleted_items"] = deleted;
    std::map<std::string, int> reasons;
    for (const Decision& d : result->plan.decisions) {
      ++reasons[std::string(DecisionReasonName(d.reason))];
    }
    j["reasons"] = reasons;
    j["names"] = result->plan.NamesToDelete();
    json removed = json::array();
    for (const Digest& d : result->plan.predicted_removed_blobs) removed.push_back(d.str());
    j["predicted_removed"] = removed;
  }
  std::ofstream(out) << j.dump();
  ::_exit(0);
}

Worker StartWorker(const std::string& root, const std::string& out, bool dry_run, int parallelism) {
  int fds[2];
  if (::pipe(fds) != 0) Die("pipe");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    ::close(fds[1]);
    WorkerMain(fds[0], root, out, dry_run, parallelism);
  }
  ::close(fds[0]);
  return Worker{pid, fds[1]};
}

json RunWorker(Worker& w, const std::string& out) {
  if (::write(w.cmd_fd, "g", 1) != 1) Die("signal worker");
  ::close(w.cmd_fd);
  int status = 0;
  if (::waitpid(w.pid, &status, 0) != w.pid) Die("waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die("worker failed with status " + std::to_string(status));
  }
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

// ------------------------------------------------------------------ set-up

class Builder {
 public:
  explicit Builder(Store& store) : store_(store) {}

  Descriptor Put(std::string_view mt, const std::string& bytes, const Labels& labels = {}) {
    Descriptor d{std::string(mt), Digest::Sha256Of(bytes), static_cast<int64_t>(bytes.size())};
    WriterOptions o;
    o.ref = d.digest.str();
    o.lease_id = "setup";
    auto w = store_.content().Writer(o);
    if (!w.ok()) Die("writer: " + std::string(w.status().message()));
    Check((*w)->Write(bytes), "write");
    absl::Status st = (*w)->Commit(d.size, d.digest, labels);
    if (!st.ok() && !absl::IsAlreadyExists(st)) Check(st, "commit");
    sizes_[d.digest.str()] = d.size;
    return d;
  }

  const std::unordered_map<std::string, int64_t>& sizes() const { return sizes_; }

 private:
  Store& store_;
  std::unordered_map<std::string, int64_t> sizes_;
};

std::string Filler(Rng& rng, size_t n) {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.Next();
    for (size_t k = 0; k < 8 && i + k < n; ++k) s[i + k] = static_cast<char>(v >> (8 * k));
  }
  return s;
}

// One target of the store: a manifest, or an index over it (multi-platform
// pull: the arm64 manifest is listed but absent).
struct Unit {
  Descriptor target;
  std::string repo;  // familiar repository ("bench/svc17")
  std::vector<std::string> tags;
  bool dangling = false;
  bool index = false;
};

struct Mix {
  int units_tagged = 0, units_index = 0, units_dangling = 0;
  int records = 0, blobs = 0;
  int64_t bytes = 0;
  std::map<std::string, int> container_forms;
};

std::vector<Unit> BuildImages(Store& store, Builder& b, const Flags& f, Mix& mix) {
  Rng rng{42};
  std::vector<Descriptor> bases;
  for (int i = 0; i < f.shared; ++i) {
    bases.push_back(b.Put(media_types::kOciLayer,
                          "base " + std::to_string(i) + Filler(rng, 48 * 1024 + 256 * (i % 64))));
  }
  const int dangling = f.images / 100;
  const int tagged_records = f.images - dangling;
  const int tagged_units = (tagged_records + f.tags - 1) / f.tags;
  std::vector<Unit> units;
  int records_left = tagged_records;
  for (int u = 0; u < tagged_units + dangling; ++u) {
    Unit unit;
    unit.dangling = u >= tagged_units;
    unit.index = !unit.dangling && u % 10 == 9;
    const std::string n = std::to_string(u);
    const Descriptor& base = bases[static_cast<size_t>(rng.Below(f.shared))];
    const Descriptor own =
        b.Put(media_types::kOciLayer, "layer " + n + Filler(rng, 2048 + rng.Below(30 * 1024)));
    const json config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"created", "2024-05-" + std::to_string(10 + u % 18) + "T12:00:00Z"},
        {"config",
         {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
          {"Cmd", {"/bin/app", "--serve"}},
          {"WorkingDir", "/srv"},
          {"Labels", {{"org.opencontainers.image.version", n}, {"com.example.team", "bench"}}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {base.digest.str(), own.digest.str()}}}},
        {"history",
         {{{"created", "2024-05-01T00:00:00Z"}, {"created_by", "ADD rootfs.tar /"}},
          {{"created", "2024-05-02T00:00:00Z"}, {"created_by", "COPY app /bin/app # " + n}}}}};
    const Descriptor cfg = b.Put(media_types::kOciConfig, config.dump());
    const json manifest = {{"schemaVersion", 2},
                           {"mediaType", std::string(media_types::kOciManifest)},
                           {"config", DescriptorToJson(cfg)},
                           {"layers", {DescriptorToJson(base), DescriptorToJson(own)}}};
    Descriptor md = b.Put(media_types::kOciManifest, manifest.dump(),
                          {{"containerd.io/gc.ref.content.config", cfg.digest.str()},
                           {"containerd.io/gc.ref.content.l.0", base.digest.str()},
                           {"containerd.io/gc.ref.content.l.1", own.digest.str()}});
    unit.target = md;
    if (unit.index) {
      Descriptor amd = md;
      amd.platform = Platform{"amd64", "linux", "", "", {}};
      Descriptor arm{std::string(media_types::kOciManifest),
                     Digest::Sha256Of("absent arm64 manifest " + n), 1024 + u % 100};
      arm.platform = Platform{"arm64", "linux", "v8", "", {}};
      const json idx = {{"schemaVersion", 2},
                        {"mediaType", std::string(media_types::kOciIndex)},
                        {"manifests", {DescriptorToJson(amd), DescriptorToJson(arm)}}};
      unit.target = b.Put(media_types::kOciIndex, idx.dump(),
                          {{"containerd.io/gc.ref.content.m.0", md.digest.str()}});
      ++mix.units_index;
    }
    if (unit.dangling) {
      ++mix.units_dangling;
      Check(store.images()
                .CreateImage(ImageRecord{"moby-dangling@" + unit.target.digest.str(), unit.target})
                .status(),
            "create dangling record");
      ++mix.records;
    } else {
      ++mix.units_tagged;
      unit.repo = "bench/svc" + std::to_string(u % 500);
      const int ntags = std::min(f.tags, records_left);
      records_left -= ntags;
      for (int t = 0; t < ntags; ++t) {
        unit.tags.push_back("b" + n + "-" + std::to_string(t));
        Check(store.images()
                  .CreateImage(
                      ImageRecord{"docker.io/" + unit.repo + ":" + unit.tags.back(), unit.target})
                  .status(),
              "create image");
        ++mix.records;
      }
    }
    units.push_back(std::move(unit));
  }
  return units;
}

void BuildContainers(Store& store, const std::vector<Unit>& units, const Flags& f, Mix& mix) {
  Rng rng{7};
  std::vector<size_t> tagged, dangling;
  for (size_t i = 0; i < units.size(); ++i) (units[i].dangling ? dangling : tagged).push_back(i);
  for (int j = 0; j < f.containers; ++j) {
    int form = j % 10;
    if (form == 9 && dangling.empty()) form = 0;
    if (form != 9 && tagged.empty()) form = 9;
    const Unit& u =
        form == 9
            ? units[dangling[static_cast<size_t>(rng.Below(static_cast<int>(dangling.size())))]]
            : units[tagged[static_cast<size_t>(rng.Below(static_cast<int>(tagged.size())))]];
    const std::string hex(u.target.digest.hex());
    const std::string tag =
        u.tags.empty() ? ""
                       : u.tags[static_cast<size_t>(rng.Below(static_cast<int>(u.tags.size())))];
    std::string image, kind;
    switch (form) {
      case 0:
      case 1:
      case 2:
      case 3:
        image = u.repo + ":" + tag;
        kind = "name (familiar repo:tag)";
        break;
      case 4:
        image = "docker.io/" + u.repo + ":" + tag;
        kind = "name (docker.io/repo:tag)";
        break;
      case 5:
        image = "sha256:" + hex;
        kind = "full ID";
        break;
      case 6:
        image = hex.substr(0, 12);
        kind = "short ID";
        break;
      case 7:
        image = u.repo + "@sha256:" + hex;
        kind = "repo@digest";
        break;
      case 8:
        image = u.repo + ":" + tag + "@sha256:" + hex;
        kind = "repo:tag@digest";
        break;
      default:
        image = "sha256:" + hex;
        kind = "full ID of a dangling image";
        break;
    }
    ++mix.container_forms[kind];
    ContainerRecord c;
    c.id = std::string(Digest::Sha256Of("container " + std::to_string(j)).hex());
    c.name = "bench_c" + std::to_string(j);
    c.image = image;
    c.image_id = u.target.digest;
    Check(store.containers().CreateContainer(c).status(), "create container");
  }
}

// ------------------------------------------------------------------ floor

constexpr char kFloorSchema[] = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE images (
  name TEXT PRIMARY KEY,
  target_digest TEXT NOT NULL,
  target TEXT NOT NULL,
  labels TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL);
CREATE INDEX images_by_target ON images(target_digest);
CREATE TABLE content (
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  labels TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL);
)sql";

void SqlExec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    Die(std::string("sqlite: ") + (err ? err : "?"));
  }
}

sqlite3_stmt* SqlPrepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    Die(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  return st;
}

void SqlStep(sqlite3* db, sqlite3_stmt* st) {
  if (sqlite3_step(st) != SQLITE_DONE) Die(std::string("sqlite step: ") + sqlite3_errmsg(db));
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

void BindText(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

std::string LabelsJson(const Labels& labels) {
  json j = json::object();
  for (const auto& [k, v] : labels) j[k] = v;
  return j.dump();
}

// A database with the store's images and content tables, holding rows like the
// store's (same keys and row sizes).
sqlite3* BuildFloorDb(const std::string& path, const std::vector<ImageRecord>& images,
                      const std::vector<ContentInfo>& content) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die("sqlite open " + path);
  SqlExec(db, kFloorSchema);
  SqlExec(db, "BEGIN");
  sqlite3_stmt* ins = SqlPrepare(db, "INSERT INTO images VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  for (const ImageRecord& r : images) {
    BindText(ins, 1, r.name);
    BindText(ins, 2, r.target.digest.str());
    BindText(ins, 3, DescriptorToJson(r.target).dump());
    BindText(ins, 4, LabelsJson(r.labels));
    sqlite3_bind_int64(ins, 5, absl::ToUnixNanos(r.created_at));
    sqlite3_bind_int64(ins, 6, absl::ToUnixNanos(r.updated_at));
    SqlStep(db, ins);
  }
  sqlite3_finalize(ins);
  ins = SqlPrepare(db, "INSERT INTO content VALUES (?1, ?2, ?3, ?4, ?5)");
  for (const ContentInfo& c : content) {
    BindText(ins, 1, c.digest.str());
    sqlite3_bind_int64(ins, 2, c.size);
    BindText(ins, 3, LabelsJson(c.labels));
    sqlite3_bind_int64(ins, 4, absl::ToUnixNanos(c.created_at));
    sqlite3_bind_int64(ins, 5, absl::ToUnixNanos(c.updated_at));
    SqlStep(db, ins);
  }
  sqlite3_finalize(ins);
  SqlExec(db, "COMMIT");
  SqlExec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  return db;
}

// One transaction deleting `names` from images and `digests` from content.
void FloorTransaction(sqlite3* db, const std::vector<std::string>& names,
                      const std::vector<std::string>& digests) {
  SqlExec(db, "BEGIN");
  sqlite3_stmt* del = SqlPrepare(db, "DELETE FROM images WHERE name = ?1");
  for (const std::string& n : names) {
    BindText(del, 1, n);
    SqlStep(db, del);
  }
  sqlite3_finalize(del);
  del = SqlPrepare(db, "DELETE FROM content WHERE digest = ?1");
  for (const std::string& d : digests) {
    BindText(del, 1, d);
    SqlStep(db, del);
  }
  sqlite3_finalize(del);
  SqlExec(db, "COMMIT");
}

std::string Mb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> int {
      if (i + 1 >= argc) Die("missing value for " + a);
      return std::atoi(argv[++i]);
    };
    if (a == "--images") {
      f.images = next();
    } else if (a == "--containers") {
      f.containers = next();
    } else if (a == "--shared") {
      f.shared = next();
    } else if (a == "--tags") {
      f.tags = next();
    } else if (a == "--parallelism") {
      f.parallelism = next();
    } else if (a == "--keep") {
      f.keep = true;
    } else if (a == "--setup-only") {
      if (i + 1 >= argc) Die("missing value for --setup-only");
      f.setup_only = argv[++i];
    } else if (a == "--tmp") {
      if (i + 1 >= argc) Die("missing value for --tmp");
      f.tmp = argv[++i];
    } else {
      Die("unknown flag " + a +
          " (flags: --images N --containers M --shared S --tags T --parallelism P --tmp DIR --keep "
          "--setup-only ROOT)");
    }
  }
  if (f.images < 1 || f.containers < 0 || f.shared < 1 || f.tags < 1) Die("bad flags");

  std::string tmpl = f.tmp + "/reclaim-prune-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp in " + f.tmp);
  const std::string dir = tmpl;
  const std::string root = f.setup_only.empty() ? dir + "/root" : f.setup_only;
  const std::string dry_out = dir + "/dry.json", real_out = dir + "/real.json";

  // Forked while the process is small: their ru_maxrss is their own.
  Worker dry_worker, real_worker;
  if (f.setup_only.empty()) {
    dry_worker = StartWorker(root, dry_out, /*dry_run=*/true, f.parallelism);
    real_worker = StartWorker(root, real_out, /*dry_run=*/false, f.parallelism);
  }

  // ---- set-up
  const auto setup_start = Steady::now();
  Mix mix;
  std::unordered_map<std::string, int64_t> sizes;
  std::vector<ImageRecord> all_images;
  std::vector<ContentInfo> all_content;
  {
    auto opened = LocalStore::Open(LocalStoreOptions{root, nullptr, nullptr, "prune_bench setup",
                                                     /*sync=*/false});
    if (!opened.ok()) Die(std::string(opened.status().message()));
    LocalStore& store = **opened;
    Check(store.leases().CreateLease("setup", {}).status(), "create lease");
    Builder builder(store);
    std::vector<Unit> units = BuildImages(store, builder, f, mix);
    BuildContainers(store, units, f, mix);
    Check(store.leases().DeleteLease("setup", /*sync=*/false), "delete lease");
    sizes = builder.sizes();
    auto imgs = store.images().ListImages();
    auto content = store.content().ListContent();
    Check(imgs.status(), "list images");
    Check(content.status(), "list content");
    all_images = *std::move(imgs);
    all_content = *std::move(content);
    mix.blobs = static_cast<int>(all_content.size());
    for (const ContentInfo& c : all_content) mix.bytes += c.size;
  }  // the store is closed here
  ::sync();
  const double setup_s = Since(setup_start);

  std::printf("bench/prune: prune -a of the embedded store (%d images, %d containers) in %s\n",
              f.images, f.containers, f.tmp.c_str());
  std::printf(
      "  mix: %d image records over %d targets: %d tagged (%d tags each, %d of them an "
      "index with an absent arm64 manifest) + %d dangling records;\n",
      mix.records, mix.units_tagged + mix.units_dangling, mix.units_tagged, f.tags, mix.units_index,
      mix.units_dangling);
  std::printf(
      "       each target: own config + own layer (2-32 KiB) + 1 of %d shared base "
      "layers (~48-64 KiB); %d blobs, %s\n",
      f.shared, mix.blobs, Mb(static_cast<double>(mix.bytes)).c_str());
  std::printf("  containers by reference form:");
  for (const auto& [kind, n] : mix.container_forms) std::printf(" %s %d;", kind.c_str(), n);
  std::printf("\n  set-up (sync=false, one lease): %.1f s\n", setup_s);
  std::fflush(stdout);
  if (!f.setup_only.empty()) {
    std::printf("  store left at %s\n", root.c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
  }

  // ---- dry run
  json dry = RunWorker(dry_worker, dry_out);
  const std::vector<std::string> names = dry["names"].get<std::vector<std::string>>();
  const std::vector<std::string> predicted =
      dry["predicted_removed"].get<std::vector<std::string>>();

  // ---- floor: files of the predicted removals' sizes + one metadata transaction
  const std::string floor_dir = dir + "/floor";
  std::filesystem::create_directories(floor_dir);
  std::vector<std::string> paths;
  int64_t floor_bytes = 0;
  for (const std::string& d : predicted) {
    auto it = sizes.find(d);
    if (it == sizes.end()) Die("predicted removal of unknown blob " + d);
    paths.push_back(floor_dir + "/" + d.substr(7));
    int fd = ::open(paths.back().c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    const std::string bytes(static_cast<size_t>(it->second), 'f');
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
      Die("write floor file");
    }
    ::close(fd);
    floor_bytes += it->second;
  }
  sqlite3* floor_db = BuildFloorDb(dir + "/floor.db", all_images, all_content);
  all_images.clear();
  all_images.shrink_to_fit();
  ::sync();

  const double floor_cpu0 = CpuSeconds();
  const auto floor_start = Steady::now();
  for (const std::string& p : paths) {
    if (::unlink(p.c_str()) != 0) Die("unlink " + p);
  }
  const double unlink_s = Since(floor_start);
  const auto tx_start = Steady::now();
  FloorTransaction(floor_db, names, predicted);
  const double tx_s = Since(tx_start);
  const double floor_s = Since(floor_start);
  const double floor_cpu = CpuSeconds() - floor_cpu0;
  sqlite3_close(floor_db);
  ::sync();

  // ---- the real prune
  json real = RunWorker(real_worker, real_out);

  // ---- what really changed
  size_t content_after = 0, images_after = 0;
  int64_t bytes_removed = 0;
  bool removed_as_predicted = true;
  {
    auto opened = LocalStore::Open(LocalStoreOptions{root, nullptr, nullptr, "prune_bench check",
                                                     /*sync=*/false});
    if (!opened.ok()) Die(std::string(opened.status().message()));
    auto content = (*opened)->content().ListContent();
    auto imgs = (*opened)->images().ListImages();
    Check(content.status(), "list content");
    Check(imgs.status(), "list images");
    content_after = content->size();
    images_after = imgs->size();
    std::unordered_map<std::string, bool> left;
    for (const ContentInfo& c : *content) left[c.digest.str()] = true;
    for (const ContentInfo& c : all_content) {
      if (!left.contains(c.digest.str())) bytes_removed += c.size;
    }
    for (const std::string& d : predicted) {
      if (left.contains(d)) removed_as_predicted = false;
    }
    for (const std::string& d : predicted) {
      if (std::filesystem::exists((*opened)->BlobPath(*Digest::Parse(d)))) {
        removed_as_predicted = false;
      }
    }
  }
  const size_t blobs_removed = all_content.size() - content_after;
  if (blobs_removed != predicted.size()) removed_as_predicted = false;

  const double prune_s = real["wall_s"].get<double>();
  const double dry_s = dry["wall_s"].get<double>();
  const double rss_mb = real["maxrss_kb"].get<double>() / 1024.0;
  const double rss0_mb = real["rss_before_kb"].get<double>() / 1024.0;
  const double dry_rss_mb = dry["maxrss_kb"].get<double>() / 1024.0;
  const bool same_report =
      dry["report_json"] == real["report_json"] && dry["errors"] == real["errors"];

  std::printf("  decisions:");
  for (const auto& [reason, n] : real["reasons"].items()) {
    std::printf(" %s %d;", reason.c_str(), n.get<int>());
  }
  std::printf(
      "\n  pruned: %zu image records (%zu left), %zu blobs removed (%zu left), %s "
      "reclaimed (report: %s, %zu untagged + %zu deleted items, %zu errors)\n",
      names.size(), images_after, blobs_removed, content_after,
      Mb(static_cast<double>(bytes_removed)).c_str(),
      Mb(real["space_reclaimed"].get<double>()).c_str(), real["untagged_items"].get<size_t>(),
      real["deleted_items"].get<size_t>(), real["errors"].size());
  std::printf(
      "  dry run (prune -a --dry-run, own process)     %.3f s  (cpu %.3f s, peak RSS %.1f MB)\n",
      dry_s, dry["cpu_s"].get<double>(), dry_rss_mb);
  std::printf("  prune -a (real, sync=true, own process)       %.3f s  (cpu %.3f s)\n", prune_s,
              real["cpu_s"].get<double>());
  const char* phase_names[] = {"guard", "options", "inventory", "plan",
                               "re-check+delete+collect+report"};
  std::printf("    phases:");
  for (const auto& [k, v] : real["phases"].items()) {
    const int p = std::atoi(k.c_str());
    std::printf(" %s %.3f s;", p >= 0 && p < 5 ? phase_names[p] : k.c_str(), v.get<double>());
  }
  std::printf(
      "\n  floor: unlink %zu files (%s) %.3f s + one SQLite tx deleting %zu+%zu rows "
      "%.3f s = %.3f s (cpu %.3f s)\n",
      paths.size(), Mb(static_cast<double>(floor_bytes)).c_str(), unlink_s, names.size(),
      predicted.size(), tx_s, floor_s, floor_cpu);
  std::printf("  ratio prune/floor: %.2f (target <= 1.50)\n", prune_s / floor_s);
  std::printf("  peak RSS of the prune process: %.1f MB (%.1f MB at its start; target <= 200 MB)\n",
              rss_mb, rss0_mb);
  std::printf("  dry-run report == real report: %s; removed blobs == predicted: %s\n",
              same_report ? "yes" : "NO", removed_as_predicted ? "yes" : "NO");
  if (!f.keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  } else {
    std::printf("  kept %s\n", dir.c_str());
  }
  return same_report && removed_as_predicted ? 0 : 1;
}
