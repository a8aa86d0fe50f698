#include "registry/push.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "core/status.h"
#include "registry/errors.h"
#include "registry/session.h"
#include "registry/str.h"
#include "registry/url.h"

namespace reclaim {

using registry_internal::Call;
using registry_internal::Send;

namespace {

constexpr std::string_view kOctetStream = "application/octet-stream";

absl::Status HttpError(const HttpResponse& r, const Call& call, const std::string& url) {
  return RegistryErrorStatus(r.status, r.body, call.method, url);
}

}  // namespace

absl::StatusOr<size_t> StringBlobSource::Read(char* buf, size_t n) {
  const size_t k = std::min(n, bytes_.size() - pos_);
  std::memcpy(buf, bytes_.data() + pos_, k);
  pos_ += k;
  return k;
}

RegistryPusher::RegistryPusher(RegistryClient& client, Reference repo)
    : client_(client), repo_(std::move(repo)) {}

namespace {

struct Target {
  Endpoint endpoint;
  std::vector<std::string> scopes;
};

Target PushTarget(registry_internal::Context& ctx, const Reference& repo) {
  std::vector<Endpoint> endpoints = ctx.hosts().EndpointsFor(repo.Domain(), HostCapability::kPush);
  return Target{endpoints.back(), {RepositoryScope(repo.Path(), true)}};
}

}  // namespace

absl::StatusOr<bool> RegistryPusher::BlobExists(const Digest& digest) {
  Target t = PushTarget(*client_.context_, repo_);
  Call call;
  call.method = "HEAD";
  call.path = str::Cat("/", repo_.Path(), "/blobs/", digest.str());
  RECLAIM_ASSIGN_OR_RETURN(
      HttpResponse r, Send(*client_.context_, *client_.authorizer_, t.endpoint, t.scopes, call));
  if (r.status >= 200 && r.status < 300) return true;
  if (r.status == 404) return false;
  return HttpError(r, call, client_.context_->BaseUrl(t.endpoint) + call.path);
}

absl::StatusOr<MountResult> RegistryPusher::Mount(const Digest& digest, std::string_view from) {
  Target t = PushTarget(*client_.context_, repo_);
  t.scopes.push_back(RepositoryScope(from, false));
  Call call;
  call.method = "POST";
  call.path = str::Cat("/", repo_.Path(), "/blobs/uploads/?",
                       EncodeQuery({{"mount", digest.str()}, {"from", std::string(from)}}));
  RECLAIM_ASSIGN_OR_RETURN(
      HttpResponse r, Send(*client_.context_, *client_.authorizer_, t.endpoint, t.scopes, call));
  const std::string url = client_.context_->BaseUrl(t.endpoint) + call.path;
  if (r.status == 201) return MountResult{true, ""};
  if (r.status == 202) {
    const std::string location = r.Header("location");
    if (location.empty()) {
      return absl::UnavailableError(str::Cat("POST ", url, ": 202 without Location"));
    }
    return MountResult{false, ResolveUrl(r.url.empty() ? url : r.url, location)};
  }
  return HttpError(r, call, url);
}

absl::StatusOr<std::string> RegistryPusher::StartUpload() {
  Target t = PushTarget(*client_.context_, repo_);
  Call call;
  call.method = "POST";
  call.path = str::Cat("/", repo_.Path(), "/blobs/uploads/");
  RECLAIM_ASSIGN_OR_RETURN(
      HttpResponse r, Send(*client_.context_, *client_.authorizer_, t.endpoint, t.scopes, call));
  const std::string url = client_.context_->BaseUrl(t.endpoint) + call.path;
  if (r.status != 202) return HttpError(r, call, url);
  const std::string location = r.Header("location");
  if (location.empty()) {
    return absl::UnavailableError(str::Cat("POST ", url, ": 202 without Location"));
  }
  return ResolveUrl(r.url.empty() ? url : r.url, location);
}

absl::Status RegistryPusher::PushBlob(const Descriptor& desc, BlobSource& source,
                                      const PushBlobOptions& options) {
  std::string location = options.upload_url;
  if (location.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(location, StartUpload());
  }
  return Annotate(Upload(desc, source, options, std::move(location)),
                  str::Cat("push ", desc.digest.str()));
}

absl::Status RegistryPusher::Upload(const Descriptor& desc, BlobSource& source,
                                    const PushBlobOptions& options, std::string location) {
  Target t = PushTarget(*client_.context_, repo_);
  const uint64_t size = static_cast<uint64_t>(desc.size);
  uint64_t sent = 0;
  absl::Status source_error;
  auto too_long = [&] {
    return absl::FailedPreconditionError(str::Cat("blob source has more than ", size, " bytes"));
  };

  if (options.chunk_size > 0) {
    std::string chunk;
    while (sent < size) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(options.chunk_size, size - sent));
      chunk.resize(want);
      size_t have = 0;
      while (have < want) {
        RECLAIM_ASSIGN_OR_RETURN(size_t n, source.Read(chunk.data() + have, want - have));
        if (n == 0) break;
        have += n;
      }
      if (have == 0) break;
      chunk.resize(have);
      Call call;
      call.method = "PATCH";
      call.url = location;
      call.headers = {{"Content-Type", std::string(kOctetStream)},
                      {"Content-Range", str::Cat(sent, "-", sent + have - 1)}};
      call.body = chunk;
      RECLAIM_ASSIGN_OR_RETURN(HttpResponse r, Send(*client_.context_, *client_.authorizer_,
                                                    t.endpoint, t.scopes, call));
      if (r.status != 202) return HttpError(r, call, location);
      sent += have;
      if (options.progress) options.progress(sent);
      const std::string next = r.Header("location");
      if (!next.empty()) location = ResolveUrl(r.url.empty() ? location : r.url, next);
    }
    char extra;
    RECLAIM_ASSIGN_OR_RETURN(size_t n, source.Read(&extra, 1));
    if (n != 0) return too_long();
    if (sent != size) {
      return absl::FailedPreconditionError(
          str::Cat("blob source ended after ", sent, " of ", size, " bytes"));
    }
  }

  Call put;
  put.method = "PUT";
  put.url = AddQuery(location, EncodeQuery({{"digest", desc.digest.str()}}));
  put.headers = {{"Content-Type", std::string(kOctetStream)}};
  if (options.chunk_size == 0) {
    put.body_size = static_cast<int64_t>(size);
    put.body_source = [&](char* buf, size_t n) -> absl::StatusOr<size_t> {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(n, size - sent));
      if (want == 0) {  // all sent: the source must be exhausted too
        char extra;
        RECLAIM_ASSIGN_OR_RETURN(size_t k, source.Read(&extra, 1));
        if (k != 0) return too_long();
        return size_t{0};
      }
      RECLAIM_ASSIGN_OR_RETURN(size_t k, source.Read(buf, want));
      if (k == 0) {
        return absl::FailedPreconditionError(
            str::Cat("blob source ended after ", sent, " of ", size, " bytes"));
      }
      sent += k;
      if (options.progress) options.progress(sent);
      return k;
    };
  }
  RECLAIM_ASSIGN_OR_RETURN(
      HttpResponse r, Send(*client_.context_, *client_.authorizer_, t.endpoint, t.scopes, put));
  if (r.status != 201) return HttpError(r, put, put.url);
  if (options.chunk_size == 0 && sent != size) {
    return absl::FailedPreconditionError(
        str::Cat("blob source ended after ", sent, " of ", size, " bytes"));
  }
  const std::string answered = r.Header("docker-content-digest");
  if (!answered.empty() && answered != desc.digest.str()) {
    return absl::FailedPreconditionError(
        str::Cat("registry stored ", answered, " instead of ", desc.digest.str()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Digest> RegistryPusher::PutManifest(std::string_view tag_or_digest,
                                                   std::string_view media_type,
                                                   std::string_view bytes) {
  Target t = PushTarget(*client_.context_, repo_);
  Call call;
  call.method = "PUT";
  call.path = str::Cat("/", repo_.Path(), "/manifests/", tag_or_digest);
  call.headers = {{"Content-Type", std::string(media_type)}};
  call.body = std::string(bytes);
  RECLAIM_ASSIGN_OR_RETURN(
      HttpResponse r, Send(*client_.context_, *client_.authorizer_, t.endpoint, t.scopes, call));
  const std::string url = client_.context_->BaseUrl(t.endpoint) + call.path;
  if (r.status != 201) return HttpError(r, call, url);
  const Digest local = Digest::Sha256Of(bytes);
  const std::string answered = r.Header("docker-content-digest");
  if (answered.empty()) return local;
  RECLAIM_ASSIGN_OR_RETURN(Digest d, Digest::Parse(answered));
  if (d != local) {
    return absl::FailedPreconditionError(str::Cat("registry answered digest ", d.str(),
                                                  " for a manifest whose digest is ", local.str()));
  }
  return d;
}

}  // namespace reclaim
