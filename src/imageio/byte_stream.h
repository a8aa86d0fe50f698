// File: imageio/byte_stream.h
//
// Byte streams for the archive functions: a ByteSource is where LoadArchive and
// ImportRootfs read (an HTTP request body, stdin, a file), a ByteSink is where
// SaveImages writes (an HTTP response, stdout, a file). Both are pull/push of
// plain bytes, so an archive is never held in memory as a whole.
//
//   StringSource src(bytes);                       // tests
//   SequentialFileSource src(*file);               // platform/fs files
//   FunctionSource src([&](char* buf, size_t n) -> absl::StatusOr<size_t> {...});
//   StringSink sink(&out);  FunctionSink sink([&](std::string_view b) {...});
//
// Thread-safety: a source or sink is used by one thread at a time.
#ifndef RECLAIM_IMAGEIO_BYTE_STREAM_H_
#define RECLAIM_IMAGEIO_BYTE_STREAM_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/fs.h"

namespace reclaim {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` (> 0) bytes into `buf`; 0 means end of stream. Errors are
  // passed through unchanged by the archive functions.
  [[nodiscard]] virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  [[nodiscard]] virtual absl::Status Write(std::string_view bytes) = 0;
};

// Reads from a string it owns (tests, small inputs).
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Reads from a SequentialFile the caller keeps alive.
class SequentialFileSource final : public ByteSource {
 public:
  explicit SequentialFileSource(SequentialFile& file) : file_(file) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

 private:
  SequentialFile& file_;
};

class FunctionSource final : public ByteSource {
 public:
  using ReadFn = std::function<absl::StatusOr<size_t>(char* buf, size_t n)>;
  explicit FunctionSource(ReadFn fn) : fn_(std::move(fn)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override { return fn_(buf, n); }

 private:
  ReadFn fn_;
};

// Appends to a string the caller keeps alive.
class StringSink final : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  absl::Status Write(std::string_view bytes) override {
    out_->append(bytes);
    return absl::OkStatus();
  }

 private:
  std::string* out_;
};

class FunctionSink final : public ByteSink {
 public:
  using WriteFn = std::function<absl::Status(std::string_view bytes)>;
  explicit FunctionSink(WriteFn fn) : fn_(std::move(fn)) {}
  absl::Status Write(std::string_view bytes) override { return fn_(bytes); }

 private:
  WriteFn fn_;
};

// Appends to a WritableFile the caller keeps alive (and closes).
class WritableFileSink final : public ByteSink {
 public:
  explicit WritableFileSink(WritableFile& file) : file_(file) {}
  absl::Status Write(std::string_view bytes) override { return file_.Append(bytes); }

 private:
  WritableFile& file_;
};

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_BYTE_STREAM_H_
