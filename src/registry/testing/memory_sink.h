// File: registry/testing/memory_sink.h
//
// Test-only BlobSinks that keep the bytes in memory and record whether they
// were committed, so tests can check that nothing unverified is committed.
//
//   MemorySink sink;
//   RECLAIM_RETURN_IF_ERROR(client->FetchBlob(repo, desc, sink));
//   EXPECT_TRUE(sink.committed());
//
// Thread-safety: one sink per fetch; not shared between threads.
#ifndef RECLAIM_REGISTRY_TESTING_MEMORY_SINK_H_
#define RECLAIM_REGISTRY_TESTING_MEMORY_SINK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "registry/client.h"

namespace reclaim {

class MemorySink final : public BlobSink {
 public:
  // `prefix`: bytes held from an earlier attempt.
  explicit MemorySink(std::string prefix = "") : data_(std::move(prefix)) {}

  absl::Status Write(std::string_view d) override {
    if (committed_) return absl::FailedPreconditionError("write after commit");
    data_.append(d);
    return absl::OkStatus();
  }
  absl::Status Commit() override {
    if (committed_) return absl::FailedPreconditionError("committed twice");
    committed_ = true;
    return absl::OkStatus();
  }
  absl::Status ReadPrefix(uint64_t n,
                          const std::function<absl::Status(std::string_view)>& fn) override {
    ++replays_;
    if (n > data_.size()) return absl::OutOfRangeError("prefix longer than the data");
    return fn(std::string_view(data_).substr(0, n));
  }

  const std::string& data() const { return data_; }
  bool committed() const { return committed_; }
  int replays() const { return replays_; }

 private:
  std::string data_;
  bool committed_ = false;
  int replays_ = 0;
};

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_TESTING_MEMORY_SINK_H_
