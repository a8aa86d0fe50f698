// File: api/testing/fake_backend.h
//
// A Backend for the API tests: it records every call, echoes what the routes
// decoded (so tests can check query and path handling), reads load/import
// bodies to the end (committing only a complete body), writes a configurable
// tar for saves, and can be told to fail a method or to block in it. The
// Backend it serves is defined in fake_backend.cc, so this header does not
// repeat Backend's method list; FakeBackend holds what those methods record.
//
//   FakeBackend fake;
//   auto server = ApiServer::Start(fake.backend(), http);
//   fake.FailNext("InspectImage", absl::NotFoundError("No such image: x:latest"));
//   fake.SetHook([&](std::string_view method) { if (method == "ListImages") gate.Wait(); });
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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/backend.h"
#include "platform/mutex.h"

namespace reclaim::api_testing {

class FakeBackend {
 public:
  FakeBackend();
  ~FakeBackend();
  FakeBackend(const FakeBackend&) = delete;
  FakeBackend& operator=(const FakeBackend&) = delete;

  // The Backend to serve (ApiServer::Start); it lives as long as the fake.
  Backend& backend();

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

 private:
  // The Backend (fake_backend.cc): its methods call Enter and ReadAll.
  class Impl;

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

  std::unique_ptr<Impl> impl_;
};

}  // namespace reclaim::api_testing

#endif  // RECLAIM_API_TESTING_FAKE_BACKEND_H_
