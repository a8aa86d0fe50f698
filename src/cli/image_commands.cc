// `reclaim image ls|inspect|history|rm|tag|load|save|import`, printed as the
// docker CLI prints `docker image ...` (specs/docker-api.md §3.3-§3.10).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <ostream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "core/human_size.h"
#include "core/reference.h"
#include "docker/api_version.h"
#include "docker/image_json.h"
#include "imageio/byte_stream.h"
#include "nlohmann/json.hpp"
#include "platform/fs.h"
#include "service/resolve.h"

namespace reclaim::cli_internal {
namespace {

// A file descriptor closed on destruction (unless it is one we were given).
class Fd {
 public:
  Fd(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~Fd() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
  bool owned_;
};

// The size of `fd` when it is a regular file (a progress total), else 0 (a pipe).
int64_t RegularFileSize(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
}

// Reads `fd`; once `cancel` fires (SIGINT/SIGTERM, which also interrupts a
// blocked read), Cancelled: the load or import then commits nothing and
// gives up its lease before the command exits.
class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd, const CancelToken* cancel = nullptr) : fd_(fd), cancel_(cancel) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      if (cancel_ != nullptr && cancel_->cancelled()) {
        return absl::CancelledError("interrupted: no image was recorded");
      }
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return ErrnoToStatus(errno, "read", "input");
    }
  }

 private:
  int fd_;
  const CancelToken* cancel_;
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

// Go's json.Marshal escapes <, > and & in strings (the CLI's `--format json`).
std::string GoHtmlEscape(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

// Go's t.Format(time.RFC3339) in `zone`.
std::string GoRfc3339(absl::Time t, absl::TimeZone zone) {
  if (zone.At(t).offset == 0) return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, zone);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, zone);
}

// ---- ls

struct ImageRow {
  std::string repo, tag, digest;
  const ImageSummary* image;
};

// The docker CLI's imageFormat: one row per (repository, tag), digests of the
// same repository beside them with --digests, digest-only repositories as
// `<none>` tags, `<none> <none>` for an image with neither. Repositories are
// in sorted order (the docker CLI walks a Go map: random).
std::vector<ImageRow> Rows(const ImageSummary& img, bool show_digests) {
  std::vector<ImageRow> rows;
  if (img.repo_tags.empty() && img.repo_digests.empty()) {
    rows.push_back({"<none>", "<none>", "<none>", &img});
    return rows;
  }
  std::map<std::string, std::vector<std::string>> tags, digests;
  for (const std::string& t : img.repo_tags) {
    absl::StatusOr<Reference> ref = ParseNormalizedNamed(t);
    if (ref.ok() && ref->HasTag()) tags[ref->FamiliarName()].push_back(ref->Tag());
  }
  for (const std::string& d : img.repo_digests) {
    absl::StatusOr<Reference> ref = ParseNormalizedNamed(d);
    if (ref.ok() && ref->HasDigest()) digests[ref->FamiliarName()].push_back(ref->Digest());
  }
  for (const auto& [repo, repo_tags] : tags) {
    std::vector<std::string> ds;
    if (auto it = digests.find(repo); it != digests.end()) {
      ds = it->second;
      digests.erase(it);
    }
    if (!show_digests) ds.clear();
    for (const std::string& tag : repo_tags) {
      if (ds.empty()) {
        rows.push_back({repo, tag, "<none>", &img});
        continue;
      }
      for (const std::string& d : ds) rows.push_back({repo, tag, d, &img});
    }
  }
  for (const auto& [repo, ds] : digests) {
    if (show_digests) {
      for (const std::string& d : ds) rows.push_back({repo, "<none>", d, &img});
    } else {
      rows.push_back({repo, "<none>", "", &img});
    }
  }
  return rows;
}

struct LsFlags {
  bool all = false, quiet = false, digests = false, no_trunc = false;
  std::vector<std::string> filters;
  std::string repository;
};

int ImageLs(Session& s, const LsFlags& f) {
  absl::StatusOr<FilterArgs> filters = ParseFilterFlags(f.filters);
  if (!filters.ok()) return s.Usage(std::string(filters.status().message()));
  if (!f.repository.empty()) filters->Add("reference", f.repository);
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  ImageListOptions o;
  o.filters = *filters;
  o.all = f.all;
  absl::StatusOr<std::vector<ImageSummary>> images = s.images().List(o);
  if (!images.ok()) return s.Fail(images.status());
  std::vector<ImageRow> rows;
  for (const ImageSummary& img : *images) {
    for (ImageRow& r : Rows(img, f.digests)) rows.push_back(std::move(r));
  }
  const absl::Time now = s.Now();
  const bool trunc = !f.no_trunc;
  auto id_of = [&](const ImageSummary& img) {
    return trunc ? TruncateId(img.id.str()) : img.id.str();
  };
  // Docker's Created is whole Unix seconds.
  auto created_of = [](const ImageSummary& img) {
    return absl::FromUnixSeconds(absl::ToUnixSeconds(img.created));
  };
  if (s.Json()) {
    for (const ImageRow& r : rows) {
      const ImageSummary& img = *r.image;
      nlohmann::json j = {
          {"Containers", img.containers < 0 ? "N/A" : std::to_string(img.containers)},
          {"CreatedAt", GoTimeString(created_of(img), s.zone())},
          {"CreatedSince", Ago(now, created_of(img))},
          {"Digest", r.digest},
          {"ID", id_of(img)},
          {"Repository", r.repo},
          {"SharedSize", img.shared_size < 0 ? "N/A" : HumanSizeBytes(img.shared_size)},
          {"Size", HumanSizeWithPrecision(static_cast<double>(img.size), 3)},
          {"Tag", r.tag},
          {"UniqueSize",
           img.shared_size < 0 ? "N/A" : HumanSizeBytes(img.size - img.shared_size)},
          {"VirtualSize", HumanSizeBytes(img.size)}};
      s.out() << GoHtmlEscape(j.dump()) << "\n";
    }
    return kExitOk;
  }
  if (f.quiet) {
    for (const ImageRow& r : rows) s.out() << id_of(*r.image) << "\n";
    return kExitOk;
  }
  Table t(f.digests ? std::vector<std::string>{"REPOSITORY", "TAG", "DIGEST", "IMAGE ID",
                                               "CREATED", "SIZE"}
                    : std::vector<std::string>{"REPOSITORY", "TAG", "IMAGE ID", "CREATED",
                                               "SIZE"});
  for (const ImageRow& r : rows) {
    const ImageSummary& img = *r.image;
    std::string size = HumanSizeWithPrecision(static_cast<double>(img.size), 3);
    std::string ago = Ago(now, created_of(img));
    if (f.digests) {
      t.Add({r.repo, r.tag, r.digest, id_of(img), ago, size});
    } else {
      t.Add({r.repo, r.tag, id_of(img), ago, size});
    }
  }
  t.Print(s.out());
  return kExitOk;
}

// ---- inspect

int ImageInspectCmd(Session& s, const std::vector<std::string>& names) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  Json all = Json::array();
  std::vector<absl::Status> errors;
  for (const std::string& n : names) {
    absl::StatusOr<ImageInspect> i = s.images().Inspect(n);
    if (!i.ok()) {
      errors.push_back(i.status());
      continue;
    }
    // What the newest API version shows.
    all.push_back(ImageInspectJson(*i, kMaxApiVersion));
  }
  s.out() << all.dump(4) << "\n";
  int status = kExitOk;
  for (const absl::Status& e : errors) status = s.Fail(e);
  return status;
}

// ---- history

int ImageHistoryCmd(Session& s, const std::string& name, bool no_trunc, bool quiet) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  absl::StatusOr<std::vector<ImageHistoryItem>> items = s.images().History(name);
  if (!items.ok()) return s.Fail(items.status());
  const absl::Time now = s.Now();
  const bool trunc = !no_trunc;
  auto id_of = [&](const ImageHistoryItem& h) { return trunc ? TruncateId(h.id) : h.id; };
  auto created_by = [&](const ImageHistoryItem& h) {
    std::string c = h.created_by;
    for (char& ch : c) {
      if (ch == '\t') ch = ' ';
    }
    return trunc ? Ellipsis(c, 45) : c;
  };
  if (s.Json()) {
    for (const ImageHistoryItem& h : *items) {
      const absl::Time created = absl::FromUnixSeconds(h.created);
      nlohmann::json j = {{"Comment", h.comment},
                          {"CreatedAt", GoRfc3339(created, s.zone())},
                          {"CreatedBy", created_by(h)},
                          {"CreatedSince", Ago(now, created)},
                          {"ID", id_of(h)},
                          {"Size", HumanSizeWithPrecision(static_cast<double>(h.size), 3)}};
      s.out() << GoHtmlEscape(j.dump()) << "\n";
    }
    return kExitOk;
  }
  if (quiet) {
    for (const ImageHistoryItem& h : *items) s.out() << id_of(h) << "\n";
    return kExitOk;
  }
  Table t({"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"});
  for (const ImageHistoryItem& h : *items) {
    t.Add({id_of(h), Ago(now, absl::FromUnixSeconds(h.created)), created_by(h),
           HumanSizeWithPrecision(static_cast<double>(h.size), 3), h.comment});
  }
  t.Print(s.out());
  return kExitOk;
}

// ---- rm

int ImageRm(Session& s, const std::vector<std::string>& names, bool force, bool no_prune) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  std::vector<absl::Status> errors;
  bool fatal = false;
  std::vector<ReportItem> removed;
  for (const std::string& n : names) {
    absl::StatusOr<std::vector<ReportItem>> items = s.images().Remove(n, force, no_prune);
    if (!items.ok()) {
      if (!absl::IsNotFound(items.status())) fatal = true;
      errors.push_back(items.status());
      continue;
    }
    for (const ReportItem& item : *items) {
      if (!s.Json()) {
        s.out() << (item.deleted.empty() ? "Untagged: " + item.untagged
                                         : "Deleted: " + item.deleted)
                << "\n";
      }
      removed.push_back(item);
    }
  }
  if (s.Json()) s.out() << ImageDeleteResponseJson(removed).dump() << "\n";
  for (const absl::Status& e : errors) s.Fail(e);
  // docker rmi: with -f, "not found" alone does not fail the command.
  if (errors.empty() || (force && !fatal)) return kExitOk;
  return kExitError;
}

// ---- tag

int ImageTagCmd(Session& s, const std::string& source, const std::string& target) {
  // The docker client's checks, before any request.
  if (absl::StatusOr<AnyReference> src = ParseAnyReference(source); !src.ok()) {
    return s.Fail(absl::InvalidArgumentError("Error parsing reference: \"" + source +
                                             "\" is not a valid repository/tag: " +
                                             std::string(src.status().message())));
  }
  absl::StatusOr<Reference> ref = ParseNormalizedNamed(target);
  if (!ref.ok()) {
    return s.Fail(absl::InvalidArgumentError("Error parsing reference: \"" + target +
                                             "\" is not a valid repository/tag: " +
                                             std::string(ref.status().message())));
  }
  if (ref->HasDigest()) {
    return s.Fail(absl::InvalidArgumentError("refusing to create a tag with a digest reference"));
  }
  const Reference tagged = TagNameOnly(*ref);
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  absl::StatusOr<std::string> name = s.images().Tag(source, tagged.Name(), tagged.Tag());
  if (!name.ok()) return s.Fail(name.status());
  return kExitOk;
}

// ---- load

int ImageLoad(Session& s, const std::string& input, bool quiet) {
  int fd = s.env().stdin_fd;
  bool owned = false;
  if (!input.empty() && input != "-") {
    fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return s.Fail(ErrnoToStatus(errno, "open", input));
    owned = true;
  }
  Fd guard(fd, owned);
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  const int64_t total = RegularFileSize(fd);
  std::unique_ptr<ProgressBar> bar = s.Progress("Loading", "load", total, quiet);
  Session::Interruptible interruptible(s);
  FdSource source(fd, s.cancel());
  LoadOptions opts;
  opts.clock = s.env().clock;
  if (bar != nullptr) opts.progress = [&](const LoadProgress& p) { bar->Update(p.bytes_read); };
  absl::StatusOr<LoadResult> result = s.images().Load(source, opts);
  if (bar != nullptr) bar->Finish();
  if (!result.ok()) return s.Fail(result.status());
  if (s.Json()) {
    nlohmann::json j = nlohmann::json::array();
    for (const LoadedImage& img : result->images) {
      j.push_back({{"Name", img.name}, {"ID", img.target.digest.str()}});
    }
    s.out() << j.dump() << "\n";
  } else {
    for (const LoadedImage& img : result->images) s.out() << img.Message() << "\n";
  }
  return kExitOk;
}

// ---- save

int ImageSave(Session& s, const std::vector<std::string>& names, const std::string& output,
              bool quiet) {
  if (output.empty() && s.env().stdout_is_terminal) {
    return s.Fail(absl::InvalidArgumentError(
        "cowardly refusing to save to a terminal. Use the -o flag or redirect"));
  }
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  int fd = s.env().stdout_fd;
  bool owned = false;
  std::string tmp;
  if (!output.empty()) {
    tmp = output + ".reclaim-tmp";
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return s.Fail(ErrnoToStatus(errno, "open", output));
    owned = true;
  }
  absl::Status status;
  {
    Fd guard(fd, owned);
    FdSink file(fd);
    // The tar's size is known only at its end: the bytes so far are shown.
    std::unique_ptr<ProgressBar> bar = s.Progress("Saving", "save", 0, quiet);
    int64_t written = 0;
    FunctionSink sink([&](std::string_view bytes) {
      written += static_cast<int64_t>(bytes.size());
      if (bar != nullptr) bar->Update(written);
      return file.Write(bytes);
    });
    status = s.images().Save(names, sink).status();
    if (bar != nullptr) bar->Finish();
    if (status.ok() && owned && ::fsync(fd) != 0) status = ErrnoToStatus(errno, "fsync", output);
  }
  if (!tmp.empty()) {
    if (status.ok() && ::rename(tmp.c_str(), output.c_str()) != 0) {
      status = ErrnoToStatus(errno, "rename", output);
    }
    if (!status.ok()) ::unlink(tmp.c_str());
  }
  if (!status.ok()) return s.Fail(status);
  return kExitOk;
}

// ---- import

int ImageImport(Session& s, const std::string& file, const std::string& name,
                const std::vector<std::string>& labels, const std::string& message,
                bool quiet) {
  ImportOptions opts;
  opts.name = name;
  opts.message = message;
  opts.clock = s.env().clock;
  for (const std::string& l : labels) {
    const size_t eq = l.find('=');
    opts.labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  int fd = s.env().stdin_fd;
  bool owned = false;
  if (file != "-") {
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return s.Fail(ErrnoToStatus(errno, "open", file));
    owned = true;
  }
  Fd guard(fd, owned);
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  const int64_t total = RegularFileSize(fd);
  std::unique_ptr<ProgressBar> bar = s.Progress("Importing", "import", total, quiet);
  Session::Interruptible interruptible(s);
  FdSource input(fd, s.cancel());
  int64_t read = 0;
  FunctionSource source([&](char* buf, size_t n) -> absl::StatusOr<size_t> {
    absl::StatusOr<size_t> got = input.Read(buf, n);
    if (got.ok()) read += static_cast<int64_t>(*got);
    if (bar != nullptr) bar->Update(read);
    return got;
  });
  absl::StatusOr<ImportResult> result = s.images().Import(source, opts);
  if (bar != nullptr) bar->Finish();
  if (!result.ok()) return s.Fail(result.status());
  if (s.Json()) {
    s.out() << nlohmann::json({{"Name", result->name}, {"ID", result->target.digest.str()}}).dump()
            << "\n";
  } else {
    s.out() << result->target.digest.str() << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddImageCommands(CLI::App& image, Session& s, int& status) {
  auto* ls = image.add_subcommand("ls", "List images");
  ls->alias("list");
  auto lsf = std::make_shared<LsFlags>();
  ls->add_flag("-a,--all", lsf->all, "Show all images (reclaim has no intermediate images)");
  ls->add_flag("-q,--quiet", lsf->quiet, "Only show image IDs");
  ls->add_flag("--digests", lsf->digests, "Show digests");
  ls->add_flag("--no-trunc", lsf->no_trunc, "Don't truncate output");
  ls->add_option("--filter", lsf->filters,
                 "Filter output (dangling, label, label!, before, since, reference, until)")
      ->allow_extra_args(false);
  ls->add_option("repository", lsf->repository, "REPOSITORY[:TAG] to list");
  ls->callback([&s, &status, lsf] { status = ImageLs(s, *lsf); });

  auto* inspect = image.add_subcommand("inspect", "Display detailed information on images");
  auto names = std::make_shared<std::vector<std::string>>();
  inspect->add_option("images", *names, "Images to inspect")->required();
  inspect->callback([&s, &status, names] { status = ImageInspectCmd(s, *names); });

  auto* history = image.add_subcommand("history", "Show the history of an image");
  struct HistoryFlags {
    std::string name;
    bool no_trunc = false, quiet = false;
  };
  auto hf = std::make_shared<HistoryFlags>();
  history->add_option("image", hf->name, "Image")->required();
  history->add_flag("--no-trunc", hf->no_trunc, "Don't truncate output");
  history->add_flag("-q,--quiet", hf->quiet, "Only show image IDs");
  history->callback(
      [&s, &status, hf] { status = ImageHistoryCmd(s, hf->name, hf->no_trunc, hf->quiet); });

  auto* rm = image.add_subcommand("rm", "Remove one or more images");
  rm->alias("remove");
  struct RmFlags {
    std::vector<std::string> names;
    bool force = false, no_prune = false;
  };
  auto rf = std::make_shared<RmFlags>();
  rm->add_option("images", rf->names, "Images to remove")->required();
  rm->add_flag("-f,--force", rf->force, "Force removal of the image");
  rm->add_flag("--no-prune", rf->no_prune, "Do not delete untagged parents (accepted)");
  rm->callback([&s, &status, rf] { status = ImageRm(s, rf->names, rf->force, rf->no_prune); });

  auto* tag = image.add_subcommand("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
  auto tf = std::make_shared<std::pair<std::string, std::string>>();
  tag->add_option("source", tf->first, "SOURCE_IMAGE[:TAG]")->required();
  tag->add_option("target", tf->second, "TARGET_IMAGE[:TAG]")->required();
  tag->callback([&s, &status, tf] { status = ImageTagCmd(s, tf->first, tf->second); });

  auto* load = image.add_subcommand("load", "Load images from a tar archive (docker or OCI)");
  auto input = std::make_shared<std::string>();
  auto load_quiet = std::make_shared<bool>(false);
  load->add_option("-i,--input", *input, "Read from a tar archive file instead of stdin");
  load->add_flag("-q,--quiet", *load_quiet, "Suppress the load progress");
  load->callback([&s, &status, input, load_quiet] { status = ImageLoad(s, *input, *load_quiet); });

  auto* save = image.add_subcommand("save", "Save images to a tar archive (stdout by default)");
  auto save_names = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  save->add_option("-o,--output", *output, "Write to a file instead of stdout");
  save->add_option("images", *save_names, "Images to save")->required();
  auto save_quiet = std::make_shared<bool>(false);
  save->add_flag("-q,--quiet", *save_quiet, "Suppress the save progress");
  save->callback([&s, &status, save_names, output, save_quiet] {
    status = ImageSave(s, *save_names, *output, *save_quiet);
  });

  auto* import = image.add_subcommand("import", "Import a root filesystem tar as an image");
  struct ImportFlags {
    std::string file, name, message;
    std::vector<std::string> labels;
    bool quiet = false;
  };
  auto imf = std::make_shared<ImportFlags>();
  import->add_option("file", imf->file, "Tarball (plain, gzip or zstd), or - for stdin")
      ->required();
  import->add_option("repository", imf->name, "REPOSITORY[:TAG]");
  import->add_option("-m,--message", imf->message, "Commit message for the imported image");
  import->add_option("--label", imf->labels, "Set a label on the image config (k=v)")
      ->allow_extra_args(false);
  import->add_flag("-q,--quiet", imf->quiet, "Suppress the import progress");
  import->callback([&s, &status, imf] {
    status = ImageImport(s, imf->file, imf->name, imf->labels, imf->message, imf->quiet);
  });
}

}  // namespace reclaim::cli_internal
