#include "cli/cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <ostream>

#include "CLI/CLI.hpp"
#include "cli/table.h"
#include "core/human_size.h"
#include "core/reference.h"
#include "imageio/byte_stream.h"
#include "imageio/import.h"
#include "imageio/load.h"
#include "imageio/save.h"
#include "imageio/walk.h"
#include "nlohmann/json.hpp"
#include "store/local/local_store.h"

#ifndef RECLAIM_VERSION
#define RECLAIM_VERSION "0.0.0"
#endif

namespace reclaim {
namespace {

// A file descriptor closed on destruction (unless it is one we were given).
class Fd {
 public:
  Fd(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~Fd() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
  bool owned_;
};

class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return ErrnoToStatus(errno, "read", "input");
    }
  }

 private:
  int fd_;
};

class FdSink final : public ByteSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  absl::Status Write(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t w = ::write(fd_, bytes.data(), bytes.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        return ErrnoToStatus(errno, "write", "output");
      }
      bytes.remove_prefix(static_cast<size_t>(w));
    }
    return absl::OkStatus();
  }

 private:
  int fd_;
};

struct Globals {
  std::string root;
  std::string format = "text";
};

class Runner {
 public:
  Runner(const CliEnv& env, Globals& g) : env_(env), g_(g) {}

  std::ostream& out() { return *env_.out; }

  int Fail(const absl::Status& s) {
    *env_.err << "Error: " << s.message() << "\n";
    return 1;
  }

  absl::StatusOr<std::unique_ptr<LocalStore>> OpenStore() {
    LocalStoreOptions o;
    o.root = g_.root.empty() ? env_.default_root : g_.root;
    o.clock = env_.clock;
    o.holder = "reclaim";
    return LocalStore::Open(o);
  }

  bool Json() const { return g_.format == "json"; }

  // ---- fsck
  int Fsck(bool repair) {
    auto store = OpenStore();
    if (!store.ok()) return Fail(store.status());
    auto report = (*store)->Fsck(repair);
    if (!report.ok()) return Fail(report.status());
    if (Json()) {
      nlohmann::json j = {{"BlobsChecked", report->blobs_checked},
                          {"ImagesChecked", report->images_checked},
                          {"Problems", nlohmann::json::array()},
                          {"Garbage", nlohmann::json::array()}};
      for (const auto& p : report->problems) {
        j["Problems"].push_back({{"What", p.what}, {"Repaired", p.repaired}});
      }
      for (const auto& p : report->garbage) {
        j["Garbage"].push_back({{"What", p.what}, {"Repaired", p.repaired}});
      }
      out() << j.dump() << "\n";
    } else {
      for (const auto& p : report->problems) {
        out() << "problem: " << p.what << (p.repaired ? " (repaired)" : "") << "\n";
      }
      for (const auto& p : report->garbage) {
        out() << "garbage: " << p.what << (p.repaired ? " (removed)" : "") << "\n";
      }
      out() << "checked " << report->blobs_checked << " blobs and " << report->images_checked
            << " images: " << report->problems.size() << " problem(s), "
            << report->garbage.size() << " collectable leftover(s)\n";
    }
    int unrepaired = 0;
    for (const auto& p : report->problems) unrepaired += p.repaired ? 0 : 1;
    return unrepaired == 0 ? 0 : 1;
  }

  // ---- image ls
  int ImageLs(bool quiet, bool digests) {
    auto store = OpenStore();
    if (!store.ok()) return Fail(store.status());
    auto images = (*store)->ListImages();
    if (!images.ok()) return Fail(images.status());
    struct Row {
      std::string repo, tag, digest, id, size;
      absl::Time created;
      int64_t bytes;
    };
    std::vector<Row> rows;
    std::map<std::string, int64_t> size_by_target;
    for (const ImageRecord& img : *images) {
      const bool dangling = img.name.rfind(kDanglingPrefix, 0) == 0;
      Row r;
      r.id = img.target.digest.str();
      r.created = img.created_at;
      if (!size_by_target.contains(r.id)) {
        auto blobs = PresentBlobs(**store, img.target);
        int64_t total = 0;
        if (blobs.ok()) {
          for (const auto& b : *blobs) total += b.size;
        }
        size_by_target[r.id] = total;
      }
      r.bytes = size_by_target[r.id];
      r.size = HumanSizeBytes(static_cast<uint64_t>(r.bytes));
      r.repo = "<none>";
      r.tag = "<none>";
      r.digest = "<none>";
      if (!dangling) {
        auto ref = ParseCanonical(img.name);
        if (ref.ok()) {
          r.repo = ref->FamiliarName();
          if (ref->HasTag()) r.tag = ref->Tag();
          if (ref->HasDigest()) r.digest = ref->Digest();
        } else {
          r.repo = img.name;
        }
      }
      rows.push_back(std::move(r));
    }
    const absl::Time now = (env_.clock != nullptr ? env_.clock : &RealClock())->Now();
    if (Json()) {
      for (const Row& r : rows) {
        nlohmann::json j = {{"Repository", r.repo}, {"Tag", r.tag},
                            {"ID", r.id},           {"Digest", r.digest},
                            {"Size", r.bytes},      {"CreatedAt", absl::FormatTime(r.created)}};
        out() << j.dump() << "\n";
      }
      return 0;
    }
    if (quiet) {
      std::vector<std::string> seen;
      for (const Row& r : rows) {
        std::string id(Digest::Parse(r.id)->ShortHex());
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
        seen.push_back(id);
        out() << id << "\n";
      }
      return 0;
    }
    Table t(digests ? std::vector<std::string>{"REPOSITORY", "TAG", "DIGEST", "IMAGE ID",
                                               "CREATED", "SIZE"}
                    : std::vector<std::string>{"REPOSITORY", "TAG", "IMAGE ID", "CREATED",
                                               "SIZE"});
    for (const Row& r : rows) {
      std::string id(Digest::Parse(r.id)->ShortHex());
      std::string ago = HumanDuration(now - r.created) + " ago";
      if (digests) {
        t.Add({r.repo, r.tag, r.digest, id, ago, r.size});
      } else {
        t.Add({r.repo, r.tag, id, ago, r.size});
      }
    }
    t.Print(out());
    return 0;
  }

  // ---- image load
  int ImageLoad(const std::string& input, bool quiet) {
    auto store = OpenStore();
    if (!store.ok()) return Fail(store.status());
    int fd = env_.stdin_fd;
    bool owned = false;
    if (!input.empty() && input != "-") {
      fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Fail(ErrnoToStatus(errno, "open", input));
      owned = true;
    }
    Fd guard(fd, owned);
    FdSource source(fd);
    LoadOptions opts;
    opts.clock = env_.clock;
    auto result = LoadArchive(**store, source, opts);
    if (!result.ok()) return Fail(result.status());
    if (Json()) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& img : result->images) {
        j.push_back({{"Name", img.name}, {"ID", img.target.digest.str()}});
      }
      out() << j.dump() << "\n";
    } else {
      for (const auto& img : result->images) out() << img.Message() << "\n";
    }
    (void)quiet;
    return 0;
  }

  // ---- image save
  int ImageSave(const std::vector<std::string>& names, const std::string& output) {
    if (output.empty() && env_.stdout_is_terminal) {
      return Fail(absl::InvalidArgumentError(
          "cowardly refusing to save to a terminal. Use the -o flag or redirect"));
    }
    auto store = OpenStore();
    if (!store.ok()) return Fail(store.status());
    int fd = env_.stdout_fd;
    bool owned = false;
    std::string tmp;
    if (!output.empty()) {
      tmp = output + ".reclaim-tmp";
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) return Fail(ErrnoToStatus(errno, "open", output));
      owned = true;
    }
    absl::Status s;
    {
      Fd guard(fd, owned);
      FdSink sink(fd);
      auto result = SaveImages(**store, names, sink);
      s = result.status();
      if (s.ok() && owned && ::fsync(fd) != 0) s = ErrnoToStatus(errno, "fsync", output);
    }
    if (!tmp.empty()) {
      if (s.ok() && ::rename(tmp.c_str(), output.c_str()) != 0) {
        s = ErrnoToStatus(errno, "rename", output);
      }
      if (!s.ok()) ::unlink(tmp.c_str());
    }
    if (!s.ok()) return Fail(s);
    return 0;
  }

  // ---- image import
  int ImageImport(const std::string& file, const std::string& name,
                  const std::vector<std::string>& labels, const std::string& message) {
    ImportOptions opts;
    opts.name = name;
    opts.message = message;
    opts.clock = env_.clock;
    for (const std::string& l : labels) {
      const size_t eq = l.find('=');
      opts.labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
    }
    auto store = OpenStore();
    if (!store.ok()) return Fail(store.status());
    int fd = env_.stdin_fd;
    bool owned = false;
    if (file != "-") {
      fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Fail(ErrnoToStatus(errno, "open", file));
      owned = true;
    }
    Fd guard(fd, owned);
    FdSource source(fd);
    auto result = ImportRootfs(**store, source, opts);
    if (!result.ok()) return Fail(result.status());
    if (Json()) {
      out() << nlohmann::json({{"Name", result->name}, {"ID", result->target.digest.str()}}).dump()
            << "\n";
    } else {
      out() << result->target.digest.str() << "\n";
    }
    return 0;
  }

 private:
  const CliEnv& env_;
  Globals& g_;
};

}  // namespace

std::string DefaultRoot() {
  if (::geteuid() == 0) return "/var/lib/reclaim";
  if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/reclaim";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/reclaim";
}

int RunCli(const std::vector<std::string>& args, const CliEnv& env) {
  Globals g;
  Runner run(env, g);
  CLI::App app{"reclaim: Docker-exact image pruning, with dry-run plans and explanations"};
  app.set_version_flag("--version,-v", std::string("reclaim version ") + RECLAIM_VERSION);
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--root", g.root, "Store root (default " + env.default_root + ")");
  app.add_option("--format", g.format, "Output format")->check(CLI::IsMember({"text", "json"}));

  int status = 0;
  auto* fsck = app.add_subcommand("fsck", "Check the store's on-disk invariants");
  bool repair = false;
  fsck->add_flag("--repair", repair, "Fix what can be fixed (drop corrupt blobs, remove leftovers)");
  fsck->callback([&] { status = run.Fsck(repair); });

  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);

  auto* ls = image->add_subcommand("ls", "List images");
  ls->alias("list");
  bool all = false, quiet = false, digests = false;
  ls->add_flag("-a,--all", all, "Show all images (accepted for docker compatibility: all are shown)");
  ls->add_flag("-q,--quiet", quiet, "Only show image IDs");
  ls->add_flag("--digests", digests, "Show digests");
  ls->callback([&] { status = run.ImageLs(quiet, digests); });

  auto* load = image->add_subcommand("load", "Load images from a tar archive (docker or OCI)");
  std::string input;
  bool load_quiet = false;
  load->add_option("-i,--input", input, "Read from a tar archive file instead of stdin");
  load->add_flag("-q,--quiet", load_quiet, "Suppress the load output");
  load->callback([&] { status = run.ImageLoad(input, load_quiet); });

  auto* save = image->add_subcommand("save", "Save images to a tar archive (stdout by default)");
  std::vector<std::string> save_names;
  std::string output;
  save->add_option("-o,--output", output, "Write to a file instead of stdout");
  save->add_option("images", save_names, "Images to save")->required();
  save->callback([&] { status = run.ImageSave(save_names, output); });

  auto* import = image->add_subcommand("import", "Import a root filesystem tar as an image");
  std::string file, name, message;
  std::vector<std::string> labels;
  import->add_option("file", file, "Tarball (plain, gzip or zstd), or - for stdin")->required();
  import->add_option("repository", name, "REPOSITORY[:TAG]");
  import->add_option("-m,--message", message, "Commit message for the imported image");
  import->add_option("--label", labels, "Set a label on the image config (k=v)");
  import->callback([&] { status = run.ImageImport(file, name, labels, message); });

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e, *env.out, *env.err);
  } catch (const CLI::ParseError& e) {
    if (args.empty()) {
      *env.out << app.help();
      return 0;
    }
    *env.err << "Error: " << e.what() << "\n";
    *env.err << "Run 'reclaim --help' for usage.\n";
    return 2;
  }
  return status;
}

}  // namespace reclaim
