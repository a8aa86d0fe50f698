// File: api/testing/fake_backend.h
//
// A Backend for the API tests: it records every call, echoes what the routes
// decoded (so tests can check query and path handling), reads load/import
// bodies to the end (committing only a complete body), writes a configurable
// tar for saves, and can be told to fail a method or to block in it.
//
//   FakeBackend backend;
//   backend.FailNext("InspectImage", absl::NotFoundError("No such image: x:latest"));
//   backend.SetHook([&](std::string_view method) { if (method == "ListImages") gate.Wait(); });
//
// Echo shapes (not Docker's; only the routes are under test):
//   ListImages   [{"all":…,"filters":"<FilterArgs::ToJSON>","shared_size":…,"api":"1.50"}]
//   InspectImage {"Id":"sha256:…","Name":"<name as received>"}
//   RemoveImage  [{"Untagged":"<name>"},{"Deleted":"sha256:…"}]
//   PruneImages  {"ImagesDeleted":null,"SpaceReclaimed":0,"DryRun":…,"Filters":"…"}
//
// Thread-safety: safe for concurrent use.
#ifndef RECLAIM_API_TESTING_FAKE_BACKEND_H_
#define RECLAIM_API_TESTING_FAKE_BACKEND_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "api/backend.h"
#include "platform/mutex.h"

namespace reclaim::api_testing {

class FakeBackend final : public Backend {
 public:
  // "Method arg…" per call, in call order.
  std::vector<std::string> calls() const;
  // The next call of `method` fails with `status` (once).
  void FailNext(const std::string& method, absl::Status status);
  // Called at the start of every method with its name (outside the lock).
  void SetHook(std::function<void(std::string_view method)> hook);

  // Load/import: the bodies that were read completely ("committed"), and the
  // status of the last body read that failed.
  std::vector<std::string> committed_bodies() const;
  absl::Status last_read_error() const;
  int read_errors() const;

  // What SaveImages writes, in `save_pieces` writes. A name "fail-midway"
  // makes it write half and fail; "missing" fails before the first byte.
  void SetSavePayload(std::string payload, int pieces);

  absl::StatusOr<Json> Version(const RequestContext& ctx) override;
  absl::StatusOr<Json> Info(const RequestContext& ctx) override;
  absl::StatusOr<Json> DiskUsage(const RequestContext& ctx, const DiskUsageQuery& query) override;
  absl::StatusOr<Json> ListImages(const RequestContext& ctx, const ImageListQuery& query) override;
  absl::StatusOr<Json> InspectImage(const RequestContext& ctx, std::string_view name) override;
  absl::StatusOr<Json> ImageHistory(const RequestContext& ctx, std::string_view name) override;
  absl::Status TagImage(const RequestContext& ctx, std::string_view name, std::string_view repo,
                        std::string_view tag) override;
  absl::StatusOr<Json> RemoveImage(const RequestContext& ctx, std::string_view name,
                                   const ImageRemoveQuery& query) override;
  absl::StatusOr<Json> PruneImages(const RequestContext& ctx, const ImagePruneQuery& query) override;
  absl::StatusOr<std::vector<std::string>> LoadImages(const RequestContext& ctx,
                                                      ByteSource& archive,
                                                      const ImageLoadQuery& query,
                                                      JsonMessageWriter& progress) override;
  absl::StatusOr<std::string> ImportImage(const RequestContext& ctx, ByteSource& rootfs,
                                          const ImageImportQuery& query,
                                          JsonMessageWriter& progress) override;
  absl::Status SaveImages(const RequestContext& ctx, const std::vector<std::string>& names,
                          ByteSink& out) override;
  absl::StatusOr<Json> CreateContainer(const RequestContext& ctx,
                                       const ContainerCreateQuery& query) override;
  absl::StatusOr<Json> ListContainers(const RequestContext& ctx,
                                      const ContainerListQuery& query) override;
  absl::StatusOr<Json> InspectContainer(const RequestContext& ctx, std::string_view id,
                                        bool size) override;
  absl::Status RemoveContainer(const RequestContext& ctx, std::string_view id,
                               const ContainerRemoveQuery& query) override;
  absl::StatusOr<Json> PruneContainers(const RequestContext& ctx,
                                       const FilterArgs& filters) override;

 private:
  // Records the call, runs the hook, and returns a failure set by FailNext.
  absl::Status Enter(const std::string& method, const std::string& args);
  // Reads `source` to its end; records the body or the error.
  absl::StatusOr<std::string> ReadAll(ByteSource& source, JsonMessageWriter* progress);

  mutable Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> fail_next_ ABSL_GUARDED_BY(mu_);
  std::function<void(std::string_view)> hook_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> committed_ ABSL_GUARDED_BY(mu_);
  absl::Status last_read_error_ ABSL_GUARDED_BY(mu_);
  int read_errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::string save_payload_ ABSL_GUARDED_BY(mu_) = "tar-bytes";
  int save_pieces_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace reclaim::api_testing

#endif  // RECLAIM_API_TESTING_FAKE_BACKEND_H_
