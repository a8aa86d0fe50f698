// libFuzzer target for the Docker API's request bodies: arbitrary bytes as
// the body of POST /containers/create, /auth, /images/load and
// /images/create?fromSrc=- (an import), served by DockerApi over the real
// ServiceBackend and services on the in-memory FakeStore, through an
// in-memory exchange. A hostile body must get an answer, never a 500 (a 500
// is a bug: a JSON type error or a crash caught in the route).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/docker_api.h"
#include "api/service_backend.h"
#include "imageio/testing/fake_store.h"
#include "service/container_service.h"
#include "service/image_service.h"

namespace {

using namespace reclaim;  // NOLINT

void Check(bool ok, const std::string& invariant, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "API body invariant violated: %s\ninput (%zu bytes)\n", invariant.c_str(),
               input.size());
  std::abort();
}

// One request with `body`; the response is kept in memory.
class MemoryExchange final : public HttpExchange {
 public:
  MemoryExchange(std::string method, std::string target, std::string body)
      : method_(std::move(method)), target_(std::move(target)), body_(std::move(body)),
        source_(*this), stream_(*this) {}

  const std::string& method() const override { return method_; }
  const std::string& target() const override { return target_; }
  std::optional<std::string> header(std::string_view name) const override {
    if (name == "Content-Type" || name == "content-type") return "application/json";
    return std::nullopt;
  }
  bool has_body() const override { return !body_.empty(); }
  const std::string& peer() const override { return peer_; }
  absl::StatusOr<std::string> ReadBody(size_t limit) override {
    if (body_.size() - pos_ > limit) {
      return absl::InvalidArgumentError("request body too large (limit " + std::to_string(limit) +
                                        " bytes)");
    }
    std::string rest = body_.substr(pos_);
    pos_ = body_.size();
    return rest;
  }
  ByteSource& body() override { return source_; }
  bool DiscardBody(size_t) override {
    pos_ = body_.size();
    return true;
  }
  absl::Status Respond(int status, const HeaderList&, std::string) override {
    status_ = status;
    return absl::OkStatus();
  }
  absl::StatusOr<ResponseStream*> StartStream(int status, const HeaderList&) override {
    status_ = status;
    return &stream_;
  }
  absl::Status FinishStream() override { return absl::OkStatus(); }
  void Abort() override {}
  bool responded() const override { return status_ != 0; }
  int response_status() const override { return status_; }
  bool ShouldStop() override { return true; }

 private:
  class Source final : public ByteSource {
   public:
    explicit Source(MemoryExchange& ex) : ex_(ex) {}
    absl::StatusOr<size_t> Read(char* buf, size_t n) override {
      const size_t k = std::min(n, ex_.body_.size() - ex_.pos_);
      ex_.body_.copy(buf, k, ex_.pos_);
      ex_.pos_ += k;
      return k;
    }

   private:
    MemoryExchange& ex_;
  };
  class Stream final : public ResponseStream {
   public:
    explicit Stream(MemoryExchange&) {}
    absl::Status Write(std::string_view) override { return absl::OkStatus(); }
    absl::Status Flush() override { return absl::OkStatus(); }
  };

  const std::string method_, target_, body_;
  const std::string peer_ = "fuzz";
  size_t pos_ = 0;
  int status_ = 0;
  Source source_;
  Stream stream_;
};

struct Server {
  FakeStore store;
  ImageService images{store};
  ContainerService containers{images};
  ServiceBackend backend{images, containers};
  DockerApi api{backend};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* server = new Server();
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const char* target : {"/v1.50/containers/create", "/v1.50/auth", "/v1.50/images/load",
                             "/v1.50/images/create?fromSrc=-&repo=fuzz/imported"}) {
    MemoryExchange ex("POST", target, body);
    server->api.Serve(ex);
    Check(ex.response_status() != 0, std::string("no answer for ") + target, body);
    Check(ex.response_status() != 500, std::string("500 for a client's body at ") + target, body);
  }
  return 0;
}
