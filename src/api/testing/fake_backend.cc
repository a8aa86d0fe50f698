// File: api/testing/fake_backend.cc
#include "api/testing/fake_backend.h"

#include <array>
#include <utility>

#include "docker/api_version.h"

namespace reclaim::api_testing {

namespace {
const char kFakeId[] = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
}  // namespace

// The Backend the routes call: every method records its call and arguments
// in the fake, runs the hook, and fails when FailNext asked for it, else
// echoes.
class FakeBackend::Impl final : public Backend {
 public:
  explicit Impl(FakeBackend& fake) : fake_(fake) {}

  // Backend
  absl::StatusOr<Json> Version(const RequestContext& ctx) override {
    if (absl::Status s = fake_.Enter("Version", ctx.api_version); !s.ok()) return s;
    Json j = Json::object();
    j["Version"] = "0.1.0";
    j["ApiVersion"] = std::string(kMaxApiVersion);
    j["MinAPIVersion"] = std::string(kMinApiVersion);
    j["Os"] = "linux";
    j["Arch"] = "amd64";
    return j;
  }

  absl::StatusOr<Json> Info(const RequestContext& ctx) override {
    if (absl::Status s = fake_.Enter("Info", ctx.api_version); !s.ok()) return s;
    return Json::object();
  }

  absl::StatusOr<Json> DiskUsage(const RequestContext&, const DiskUsageQuery& q) override {
    std::string args = std::string(q.containers ? "c" : "") + (q.images ? "i" : "") +
                       (q.volumes ? "v" : "") + (q.build_cache ? "b" : "");
    if (absl::Status s = fake_.Enter("DiskUsage", args); !s.ok()) return s;
    Json j = Json::object();
    j["LayersSize"] = 0;
    return j;
  }

  absl::StatusOr<Json> ListImages(const RequestContext& ctx, const ImageListQuery& q) override {
    if (absl::Status s = fake_.Enter("ListImages", q.filters.ToJSON()); !s.ok()) return s;
    Json row = Json::object();
    row["all"] = q.all;
    row["filters"] = q.filters.ToJSON();
    row["shared_size"] = q.shared_size;
    row["api"] = ctx.api_version;
    return Json::array({row});
  }

  absl::StatusOr<Json> InspectImage(const RequestContext&, std::string_view name) override {
    if (absl::Status s = fake_.Enter("InspectImage", std::string(name)); !s.ok()) return s;
    Json j = Json::object();
    j["Id"] = kFakeId;
    j["Name"] = std::string(name);
    return j;
  }

  absl::StatusOr<Json> ImageHistory(const RequestContext&, std::string_view name) override {
    if (absl::Status s = fake_.Enter("ImageHistory", std::string(name)); !s.ok()) return s;
    return Json::array();
  }

  absl::Status TagImage(const RequestContext&, std::string_view name, std::string_view repo,
                        std::string_view tag) override {
    return fake_.Enter("TagImage",
                       std::string(name) + " " + std::string(repo) + " " + std::string(tag));
  }

  absl::StatusOr<Json> RemoveImage(const RequestContext&, std::string_view name,
                                   const ImageRemoveQuery& q) override {
    std::string args =
        std::string(name) + (q.force ? " force" : "") + (q.noprune ? " noprune" : "");
    if (absl::Status s = fake_.Enter("RemoveImage", args); !s.ok()) return s;
    return Json::array({Json{{"Untagged", std::string(name)}}, Json{{"Deleted", kFakeId}}});
  }

  absl::StatusOr<Json> PruneImages(const RequestContext&, const ImagePruneQuery& q) override {
    if (absl::Status s =
            fake_.Enter("PruneImages", q.filters.ToJSON() + (q.dry_run ? " dryrun" : ""));
        !s.ok()) {
      return s;
    }
    Json j = Json::object();
    j["ImagesDeleted"] = nullptr;
    j["SpaceReclaimed"] = 0;
    j["DryRun"] = q.dry_run;
    j["Filters"] = q.filters.ToJSON();
    return j;
  }

  absl::StatusOr<std::vector<std::string>> LoadImages(const RequestContext&, ByteSource& archive,
                                                      const ImageLoadQuery& q,
                                                      JsonMessageWriter& progress) override {
    if (absl::Status s = fake_.Enter("LoadImages", q.quiet ? "quiet" : "progress"); !s.ok())
      return s;
    absl::StatusOr<std::string> body = fake_.ReadAll(archive, q.quiet ? nullptr : &progress);
    if (!body.ok()) return body.status();
    return std::vector<std::string>{"Loaded image: fake:" + std::to_string(body->size()) + "\n",
                                    "Loaded image ID: " + std::string(kFakeId) + "\n"};
  }

  absl::StatusOr<std::string> ImportImage(const RequestContext&, ByteSource& rootfs,
                                          const ImageImportQuery& q, JsonMessageWriter&) override {
    if (absl::Status s = fake_.Enter("ImportImage", q.source + " " + q.repo + " " + q.tag);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::string> body = fake_.ReadAll(rootfs, nullptr);
    if (!body.ok()) return body.status();
    return std::string(kFakeId);
  }

  absl::Status SaveImages(const RequestContext&, const std::vector<std::string>& names,
                          ByteSink& out) override {
    std::string joined;
    for (const std::string& n : names) joined += (joined.empty() ? "" : ",") + n;
    if (absl::Status s = fake_.Enter("SaveImages", joined); !s.ok()) return s;
    std::string payload;
    int pieces;
    {
      ReaderMutexLock lock(&fake_.mu_);
      payload = fake_.save_payload_;
      pieces = fake_.save_pieces_ < 1 ? 1 : fake_.save_pieces_;
    }
    for (const std::string& n : names) {
      if (n == "missing") return absl::NotFoundError("No such image: missing:latest");
    }
    for (const std::string& n : names) {
      if (n == "fail-midway") {
        if (absl::Status s = out.Write(payload.substr(0, payload.size() / 2)); !s.ok()) return s;
        return absl::DataLossError("blob vanished during save");
      }
    }
    size_t step = (payload.size() + pieces - 1) / pieces;
    for (size_t off = 0; off < payload.size(); off += step) {
      if (absl::Status s = out.Write(std::string_view(payload).substr(off, step)); !s.ok())
        return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Json> CreateContainer(const RequestContext&,
                                       const ContainerCreateQuery& q) override {
    if (absl::Status s =
            fake_.Enter("CreateContainer", q.name + " " + q.body.value("Image", std::string()));
        !s.ok()) {
      return s;
    }
    Json j = Json::object();
    j["Id"] = std::string(64, 'f');
    j["Warnings"] = Json::array();
    return j;
  }

  absl::StatusOr<Json> ListContainers(const RequestContext&, const ContainerListQuery& q) override {
    std::string args = std::string(q.all ? "all " : "") + "limit=" + std::to_string(q.limit) +
                       (q.size ? " size" : "") + " " + q.filters.ToJSON();
    if (absl::Status s = fake_.Enter("ListContainers", args); !s.ok()) return s;
    return Json::array();
  }

  absl::StatusOr<Json> InspectContainer(const RequestContext&, std::string_view id,
                                        bool size) override {
    if (absl::Status s = fake_.Enter("InspectContainer", std::string(id) + (size ? " size" : ""));
        !s.ok()) {
      return s;
    }
    if (id == "missing") return absl::NotFoundError("No such container: missing");
    Json j = Json::object();
    j["Id"] = std::string(64, 'f');
    j["Name"] = "/" + std::string(id);
    return j;
  }

  absl::Status RemoveContainer(const RequestContext&, std::string_view id,
                               const ContainerRemoveQuery& q) override {
    std::string args = std::string(id) + (q.force ? " force" : "") +
                       (q.remove_volumes ? " v" : "") + (q.link ? " link" : "");
    return fake_.Enter("RemoveContainer", args);
  }

  absl::StatusOr<Json> PruneContainers(const RequestContext&, const FilterArgs& f) override {
    if (absl::Status s = fake_.Enter("PruneContainers", f.ToJSON()); !s.ok()) return s;
    Json j = Json::object();
    j["ContainersDeleted"] = nullptr;
    j["SpaceReclaimed"] = 0;
    return j;
  }

 private:
  FakeBackend& fake_;
};

FakeBackend::FakeBackend() : impl_(std::make_unique<Impl>(*this)) {}
FakeBackend::~FakeBackend() = default;

Backend& FakeBackend::backend() { return *impl_; }

std::vector<std::string> FakeBackend::calls() const {
  ReaderMutexLock lock(&mu_);
  return calls_;
}

void FakeBackend::FailNext(const std::string& method, absl::Status status) {
  MutexLock lock(&mu_);
  fail_next_[method] = std::move(status);
}

void FakeBackend::SetHook(std::function<void(std::string_view)> hook) {
  MutexLock lock(&mu_);
  hook_ = std::move(hook);
}

std::vector<std::string> FakeBackend::committed_bodies() const {
  ReaderMutexLock lock(&mu_);
  return committed_;
}

absl::Status FakeBackend::last_read_error() const {
  ReaderMutexLock lock(&mu_);
  return last_read_error_;
}

int FakeBackend::read_errors() const {
  ReaderMutexLock lock(&mu_);
  return read_errors_;
}

void FakeBackend::SetSavePayload(std::string payload, int pieces) {
  MutexLock lock(&mu_);
  save_payload_ = std::move(payload);
  save_pieces_ = pieces;
}

absl::Status FakeBackend::Enter(const std::string& method, const std::string& args) {
  std::function<void(std::string_view)> hook;
  absl::Status fail;
  {
    MutexLock lock(&mu_);
    calls_.push_back(args.empty() ? method : method + " " + args);
    hook = hook_;
    if (auto it = fail_next_.find(method); it != fail_next_.end()) {
      fail = it->second;
      fail_next_.erase(it);
    }
  }
  if (hook) hook(method);
  return fail;
}

absl::StatusOr<std::string> FakeBackend::ReadAll(ByteSource& source, JsonMessageWriter* progress) {
  std::string body;
  std::array<char, 4096> buf;
  while (true) {
    absl::StatusOr<size_t> n = source.Read(buf.data(), buf.size());
    if (!n.ok()) {
      MutexLock lock(&mu_);
      last_read_error_ = n.status();
      ++read_errors_;
      return n.status();
    }
    if (*n == 0) break;
    body.append(buf.data(), *n);
    if (progress != nullptr) {
      Json m = Json::object();
      m["status"] = "Loading";
      m["progressDetail"] = Json{{"current", body.size()}};
      if (absl::Status s = progress->Write(m); !s.ok()) return s;
    }
  }
  MutexLock lock(&mu_);
  committed_.push_back(body);
  return body;
}

}  // namespace reclaim::api_testing
