#include "registry/client.h"

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "core/digest.h"
#include "core/media_types.h"
#include "core/status.h"
#include "platform/mutex.h"
#include "platform/posix_fs.h"
#include "registry/content_range.h"
#include "registry/errors.h"
#include "registry/session.h"
#include "registry/str.h"
#include "registry/url.h"

namespace reclaim {

using registry_internal::Call;
using registry_internal::Context;
using registry_internal::Send;

namespace {

constexpr int kMaxFetchRetries = 3;
constexpr int kMaxTagPages = 10000;

std::string MediaTypeOf(const HttpResponse& r) {
  std::string ct = r.Header("content-type");
  ct = ct.substr(0, ct.find(';'));
  return std::string(str::Trim(ct));
}

bool IsSchema1(std::string_view media_type) {
  return media_type == media_types::kDockerSchema1Manifest ||
         media_type == "application/vnd.docker.distribution.manifest.v1+json" ||
         media_type == "text/plain";
}

// A body without Content-Type says what it is in `mediaType` (or is schema 1
// when it has `schemaVersion: 1`).
std::string MediaTypeFromBody(std::string_view body) {
  absl::StatusOr<nlohmann::json> j = ParseJson(body);
  if (!j.ok() || !j->is_object()) return "";
  if (auto v = j->find("schemaVersion"); v != j->end() && v->is_number() && *v == 1) {
    return std::string(media_types::kDockerSchema1Manifest);
  }
  if (auto m = j->find("mediaType"); m != j->end() && m->is_string()) return m->get<std::string>();
  return "";
}

absl::Status SizeMismatch(int64_t got, int64_t want) {
  return absl::FailedPreconditionError(
      str::Cat("unexpected commit size ", got, ", expected ", want));
}

absl::Status DigestMismatch(const Digest& got, const Digest& want) {
  return absl::FailedPreconditionError(
      str::Cat("unexpected commit digest ", got.str(), ", expected ", want.str()));
}

absl::Status ManifestTooLarge(int64_t size) {
  return absl::FailedPreconditionError(
      str::Cat("manifest of ", size, " bytes exceeds the limit of ", kMaxManifestSize, " bytes"));
}

std::string ErrorUrl(Context& ctx, const Endpoint& e, const Call& call) {
  return call.url.empty() ? ctx.BaseUrl(e) + call.path : call.url;
}

// What "not on any endpoint" reads as until a registry says better.
absl::Status NotFoundAt(const Reference& repo, const Descriptor& desc) {
  return absl::NotFoundError(str::Cat(repo.Name(), "@", desc.digest.str(), ": not found"));
}

bool IsTransferFailure(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st);
}

// Bookkeeping of one blob fetch across attempts (registry/content_range.h):
// `written` bytes are in the sink, `hashed` bytes in the hash (0 or written).
class BlobFetch {
 public:
  BlobFetch(const Descriptor& desc, BlobSink& sink, uint64_t offset,
            const FetchProgressFn* progress)
      : desc_(desc),
        sink_(sink),
        hashing_(!sink.VerifiesOnCommit()),
        written_(offset),
        progress_(progress) {}

  uint64_t written() const { return written_; }

  // Prepares one attempt's callbacks.
  void Arm(Call* call) {
    started_ = false;
    pos_ = 0;
    call->headers.clear();
    if (written_ > 0) call->headers.emplace_back("Range", str::Cat("bytes=", written_, "-"));
    call->on_headers = [this](int status, const auto& headers) {
      std::string range;
      for (const auto& [k, v] : headers) {
        if (k == "content-range") range = v;
      }
      return Start(status, range);
    };
    call->on_body = [this](std::string_view data) { return Body(data); };
  }

  absl::Status Start(int status, std::string_view content_range) {
    started_ = true;
    RECLAIM_ASSIGN_OR_RETURN(ResumePlan plan, PlanResume(written_, status, content_range));
    if (plan.replay_prefix) {
      pos_ = written_;
      if (hashing_ && hashed_ < written_) {
        hash_.Finish();  // reset
        hashed_ = 0;
        RECLAIM_RETURN_IF_ERROR(sink_.ReadPrefix(written_, [this](std::string_view d) {
          hash_.Update(d);
          hashed_ += d.size();
          return absl::OkStatus();
        }));
        if (hashed_ != written_) {
          return absl::InternalError(
              str::Cat("sink replayed ", hashed_, " of ", written_, " bytes"));
        }
      }
    } else {
      pos_ = 0;
    }
    return absl::OkStatus();
  }

  absl::Status Body(std::string_view data) {
    while (!data.empty()) {
      // Bytes before `written_` are already in the sink (a 200 that ignored
      // the Range); hash them unless the hash has them too.
      if (pos_ < written_) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(written_ - pos_, data.size()));
        if (hashing_ && pos_ + n > hashed_) {
          const size_t skip = pos_ < hashed_ ? static_cast<size_t>(hashed_ - pos_) : 0;
          hash_.Update(data.substr(skip, n - skip));
          hashed_ = pos_ + n;
        }
        pos_ += n;
        data.remove_prefix(n);
        continue;
      }
      if (written_ + data.size() > static_cast<uint64_t>(desc_.size)) {
        return SizeMismatch(static_cast<int64_t>(written_ + data.size()), desc_.size);
      }
      if (hashing_) hash_.Update(data);
      RECLAIM_RETURN_IF_ERROR(sink_.Write(data));
      written_ += data.size();
      hashed_ = written_;
      pos_ = written_;
      if (progress_ != nullptr && *progress_) (*progress_)(desc_, written_);
      return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // After a 2xx answer: verifies and commits.
  absl::Status Finish(int status) {
    if (!started_) RECLAIM_RETURN_IF_ERROR(Start(status, ""));
    if (written_ != static_cast<uint64_t>(desc_.size)) {
      return SizeMismatch(static_cast<int64_t>(written_), desc_.size);
    }
    if (hashing_) {
      if (hashed_ != written_) {
        return absl::InternalError("blob fetch: hash does not cover the blob");
      }
      const Digest got = hash_.Finish();
      if (got != desc_.digest) return DigestMismatch(got, desc_.digest);
    }
    return sink_.Commit();
  }

  // The blob is complete in the sink already: verify it from the sink.
  absl::Status FinishFromSink() {
    RECLAIM_RETURN_IF_ERROR(Start(206, str::Cat("bytes ", written_, "-")));
    return Finish(206);
  }

 private:
  const Descriptor& desc_;
  BlobSink& sink_;
  const bool hashing_;  // false: the sink's Commit verifies the digest itself
  Sha256 hash_;
  uint64_t hashed_ = 0;
  uint64_t written_;
  uint64_t pos_ = 0;  // position in the blob of the next body byte
  bool started_ = false;
  const FetchProgressFn* progress_;
};

}  // namespace

absl::Status BlobSink::ReadPrefix(uint64_t, const std::function<absl::Status(std::string_view)>&) {
  return absl::UnimplementedError("this blob sink cannot resume a download");
}

absl::Status Schema1Error(const Reference& ref) {
  return absl::InvalidArgumentError(str::Cat(
      "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been "
      "removed. Suggest the author of ",
      ref.String(),
      " to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. More "
      "information at https://docs.docker.com/go/deprecated-image-specs/"));
}

RegistryClient::RegistryClient(std::unique_ptr<Context> context,
                               std::unique_ptr<Authorizer> authorizer)
    : context_(std::move(context)), authorizer_(std::move(authorizer)) {}

RegistryClient::~RegistryClient() = default;

absl::StatusOr<std::unique_ptr<RegistryClient>> RegistryClient::Create(
    RegistryClientOptions options) {
  RECLAIM_ASSIGN_OR_RETURN(RegistryHosts hosts,
                           RegistryHosts::Create(options.hosts, std::move(options.lookup)));
  std::shared_ptr<HttpTransport> transport = options.transport;
  if (transport == nullptr) {
    RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<HttpTransport> t, NewCurlTransport());
    transport = std::move(t);
  }
  Fs* fs = options.fs != nullptr ? options.fs : &RealFs();
  const Clock* clock = options.clock != nullptr ? options.clock : &RealClock();
  auto context = std::make_unique<Context>(transport, std::move(hosts), fs,
                                           std::move(options.certs_dir), clock);
  Context* ctx = context.get();
  auto authorizer = std::make_unique<Authorizer>(
      transport.get(), clock, std::move(options.credentials),
      [ctx](const std::string& host) { return ctx->TlsForHost(host); });
  return std::unique_ptr<RegistryClient>(
      new RegistryClient(std::move(context), std::move(authorizer)));
}

absl::StatusOr<Descriptor> RegistryClient::Resolve(const Reference& ref) {
  if (ref.IsNameOnly()) {
    return absl::InvalidArgumentError(
        str::Cat("cannot resolve ", ref.String(), ": no tag or digest"));
  }
  const std::string object = ref.HasDigest() ? ref.Digest() : ref.Tag();
  std::vector<std::string> kinds = {"manifests"};
  if (ref.HasDigest()) kinds.push_back("blobs");
  const std::vector<std::string> scopes = {RepositoryScope(ref.Path(), false)};
  absl::Status first_error;
  for (const Endpoint& e : context_->hosts().EndpointsFor(ref.Domain(), HostCapability::kPull)) {
    for (const std::string& kind : kinds) {
      Call call;
      call.method = "HEAD";
      call.path = str::Cat("/", ref.Path(), "/", kind, "/", object);
      call.headers.emplace_back("Accept", std::string(kManifestAccept));
      call.get_on_405 = true;
      call.max_body = static_cast<size_t>(kMaxManifestSize);
      absl::StatusOr<HttpResponse> r = Send(*context_, *authorizer_, e, scopes, call);
      if (!r.ok()) {
        if (first_error.ok()) first_error = r.status();
        break;  // next endpoint
      }
      if (r->status == 404) continue;
      if (r->status < 200 || r->status >= 300) {
        if (first_error.ok()) {
          first_error =
              RegistryErrorStatus(r->status, r->body, call.method, ErrorUrl(*context_, e, call));
        }
        break;
      }
      Descriptor desc;
      desc.media_type = MediaTypeOf(*r);
      const std::string digest_header = r->Header("docker-content-digest");
      const std::string length_header = r->Header("content-length");
      int64_t length = -1;
      if (!length_header.empty() && !str::ParseInt(length_header, &length)) length = -1;
      std::string body = std::move(r->body);
      const bool got_body = call.method == "GET" || !body.empty();
      if (digest_header.empty() || length < 0 ||
          (ref.HasDigest() && kind == "manifests" && digest_header != ref.Digest())) {
        // No usable headers: fetch the body and hash it.
        if (body.empty() || !got_body) {
          Call get = call;
          get.method = "GET";
          absl::StatusOr<HttpResponse> g = Send(*context_, *authorizer_, e, scopes, get);
          if (!g.ok()) {
            if (first_error.ok()) first_error = g.status();
            break;
          }
          if (g->status < 200 || g->status >= 300) {
            if (g->status == 404) continue;
            if (first_error.ok()) {
              first_error =
                  RegistryErrorStatus(g->status, g->body, "GET", ErrorUrl(*context_, e, get));
            }
            break;
          }
          if (desc.media_type.empty()) desc.media_type = MediaTypeOf(*g);
          body = std::move(g->body);
        }
        if (desc.media_type.empty()) desc.media_type = MediaTypeFromBody(body);
        desc.digest = Digest::Sha256Of(body);
        desc.size = static_cast<int64_t>(body.size());
      } else {
        absl::StatusOr<Digest> d = Digest::Parse(digest_header);
        if (!d.ok()) return Annotate(d.status(), str::Cat(e.host, ": Docker-Content-Digest"));
        desc.digest = *d;
        desc.size = length;
      }
      if (ref.HasDigest() && desc.digest.str() != ref.Digest()) {
        return absl::FailedPreconditionError(
            str::Cat(e.host, " answered ", desc.digest.str(), " for ", ref.String()));
      }
      if (kind == "manifests" && IsSchema1(desc.media_type)) return Schema1Error(ref);
      if (desc.size > kMaxManifestSize && kind == "manifests") return ManifestTooLarge(desc.size);
      return desc;
    }
  }
  if (!first_error.ok()) return first_error;
  return absl::NotFoundError(str::Cat(ref.String(), ": not found"));
}

absl::StatusOr<std::string> RegistryClient::FetchManifest(const Reference& repo,
                                                          const Descriptor& desc) {
  if (desc.size > kMaxManifestSize) return ManifestTooLarge(desc.size);
  const std::vector<std::string> scopes = {RepositoryScope(repo.Path(), false)};
  absl::Status first_error;
  absl::Status not_found = NotFoundAt(repo, desc);
  for (const Endpoint& e : context_->hosts().EndpointsFor(repo.Domain(), HostCapability::kPull)) {
    Call call;
    call.path = str::Cat("/", repo.Path(), "/manifests/", desc.digest.str());
    std::string accept = std::string(kManifestAccept);
    if (!desc.media_type.empty()) accept = str::Cat(desc.media_type, ", ", accept);
    call.headers.emplace_back("Accept", accept);
    call.max_body = static_cast<size_t>(desc.size);
    absl::StatusOr<HttpResponse> r = Send(*context_, *authorizer_, e, scopes, call);
    if (!r.ok()) {
      if (absl::IsFailedPrecondition(r.status())) {  // more bytes than the descriptor says
        return Annotate(SizeMismatch(desc.size + 1, desc.size), desc.digest.str());
      }
      if (first_error.ok()) first_error = r.status();
      continue;
    }
    if (r->status < 200 || r->status >= 300) {
      absl::Status& slot = r->status == 404 ? not_found : first_error;
      if (slot.ok() || r->status == 404) {
        slot = RegistryErrorStatus(r->status, r->body, "GET", ErrorUrl(*context_, e, call));
      }
      continue;
    }
    if (IsSchema1(MediaTypeOf(*r))) return Schema1Error(repo);
    if (static_cast<int64_t>(r->body.size()) != desc.size) {
      return Annotate(SizeMismatch(static_cast<int64_t>(r->body.size()), desc.size),
                      desc.digest.str());
    }
    const Digest got = Digest::Sha256Of(r->body);
    if (got != desc.digest) return Annotate(DigestMismatch(got, desc.digest), desc.digest.str());
    return std::move(r->body);
  }
  if (!first_error.ok()) return first_error;
  return not_found;
}

absl::StatusOr<Descriptor> RegistryClient::SelectManifest(const Reference& repo,
                                                          const Descriptor& desc,
                                                          const PlatformMatcher& matcher) {
  Descriptor current = desc;
  for (int depth = 0; depth < 8; ++depth) {
    if (!IsIndex(current.media_type)) return current;
    RECLAIM_ASSIGN_OR_RETURN(std::string bytes, FetchManifest(repo, current));
    RECLAIM_ASSIGN_OR_RETURN(Index index, ParseIndex(bytes));
    RECLAIM_ASSIGN_OR_RETURN(current, reclaim::SelectManifest(index, matcher));
  }
  return absl::FailedPreconditionError("indexes nested deeper than 8 levels");
}

absl::Status RegistryClient::FetchBlob(const Reference& repo, const Descriptor& desc,
                                       BlobSink& sink, uint64_t offset) {
  return FetchBlobWithProgress(repo, desc, sink, offset, nullptr);
}

absl::Status RegistryClient::FetchBlobWithProgress(const Reference& repo, const Descriptor& desc,
                                                   BlobSink& sink, uint64_t offset,
                                                   const FetchProgressFn* progress) {
  if (offset > static_cast<uint64_t>(desc.size)) {
    return SizeMismatch(static_cast<int64_t>(offset), desc.size);
  }
  BlobFetch fetch(desc, sink, offset, progress);
  if (offset == static_cast<uint64_t>(desc.size) && offset > 0) {
    return Annotate(fetch.FinishFromSink(), desc.digest.str());
  }
  const std::vector<std::string> scopes = {RepositoryScope(repo.Path(), false)};
  absl::Status first_error;
  absl::Status not_found = NotFoundAt(repo, desc);
  for (const Endpoint& e : context_->hosts().EndpointsFor(repo.Domain(), HostCapability::kPull)) {
    int stalls = 0;
    while (true) {
      Call call;
      call.path = str::Cat("/", repo.Path(), "/blobs/", desc.digest.str());
      fetch.Arm(&call);
      const uint64_t before = fetch.written();
      absl::StatusOr<HttpResponse> r = Send(*context_, *authorizer_, e, scopes, call);
      if (!r.ok()) {
        if (IsTransferFailure(r.status())) {
          stalls = fetch.written() > before ? 0 : stalls + 1;
          if (stalls < kMaxFetchRetries) continue;
          if (first_error.ok()) first_error = r.status();
          break;  // next endpoint
        }
        return Annotate(r.status(), desc.digest.str());  // verification or sink error
      }
      if (r->status < 200 || r->status >= 300) {
        absl::Status& slot = r->status == 404 ? not_found : first_error;
        if (slot.ok() || r->status == 404) {
          slot = RegistryErrorStatus(r->status, r->body, "GET", ErrorUrl(*context_, e, call));
        }
        break;
      }
      return Annotate(fetch.Finish(r->status), desc.digest.str());
    }
  }
  if (!first_error.ok()) return first_error;
  return not_found;
}

absl::Status RegistryClient::FetchBlobs(const Reference& repo, const std::vector<Descriptor>& descs,
                                        const BlobSinkFactory& sinks,
                                        const FetchBlobsOptions& options) {
  Mutex mu;
  absl::Status first_error;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const FetchProgressFn progress = [&](const Descriptor& d, uint64_t bytes) {
    if (!options.progress) return;
    MutexLock lock(&mu);
    options.progress(d, bytes);
  };
  auto record = [&](absl::Status st) {
    MutexLock lock(&mu);
    if (first_error.ok()) first_error = std::move(st);
    failed = true;
  };
  auto worker = [&] {
    while (!failed) {
      const size_t i = next++;
      if (i >= descs.size()) return;
      absl::StatusOr<BlobTarget> target = sinks(descs[i]);
      if (!target.ok()) {
        record(target.status());
        return;
      }
      if (target->sink == nullptr) continue;
      absl::Status st =
          FetchBlobWithProgress(repo, descs[i], *target->sink, target->offset, &progress);
      if (!st.ok()) {
        record(std::move(st));
        return;
      }
    }
  };
  const size_t n =
      std::min<size_t>(descs.size(), static_cast<size_t>(std::max(1, options.parallelism)));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return first_error;
}

absl::StatusOr<std::vector<std::string>> RegistryClient::ListTags(const Reference& repo) {
  const std::vector<std::string> scopes = {RepositoryScope(repo.Path(), false)};
  absl::Status first_error;
  for (const Endpoint& e : context_->hosts().EndpointsFor(repo.Domain(), HostCapability::kPull)) {
    std::vector<std::string> tags;
    Call call;
    call.path = str::Cat("/", repo.Path(), "/tags/list");
    bool failed = false;
    for (int page = 0; page < kMaxTagPages; ++page) {
      absl::StatusOr<HttpResponse> r = Send(*context_, *authorizer_, e, scopes, call);
      if (!r.ok()) {
        if (first_error.ok()) first_error = r.status();
        failed = true;
        break;
      }
      if (r->status < 200 || r->status >= 300) {
        if (first_error.ok() || r->status != 404) {
          if (first_error.ok()) {
            first_error =
                RegistryErrorStatus(r->status, r->body, "GET", ErrorUrl(*context_, e, call));
          }
        }
        failed = true;
        break;
      }
      absl::StatusOr<nlohmann::json> j = ParseJson(r->body);
      if (!j.ok() || !j->is_object()) {
        return absl::InvalidArgumentError(str::Cat(e.host, ": invalid tags list"));
      }
      if (auto t = j->find("tags"); t != j->end() && t->is_array()) {
        for (const nlohmann::json& tag : *t) {
          if (tag.is_string()) tags.push_back(tag.get<std::string>());
        }
      }
      // Link: <url>; rel="next"
      std::string next;
      for (const std::string& link : r->Headers("link")) {
        const size_t open = link.find('<');
        const size_t close = link.find('>', open == std::string::npos ? 0 : open);
        if (open == std::string::npos || close == std::string::npos) continue;
        if (link.find("rel=\"next\"", close) == std::string::npos &&
            link.find("rel=next", close) == std::string::npos) {
          continue;
        }
        next = ResolveUrl(r->url.empty() ? ErrorUrl(*context_, e, call) : r->url,
                          link.substr(open + 1, close - open - 1));
      }
      if (next.empty()) return tags;
      call.path.clear();
      call.url = next;
    }
    if (!failed) return absl::FailedPreconditionError("tags list has too many pages");
  }
  if (!first_error.ok()) return first_error;
  return absl::NotFoundError(str::Cat(repo.Name(), ": not found"));
}

absl::StatusOr<LoginResult> RegistryClient::CheckLogin(std::string_view domain,
                                                       const AuthConfig& credentials) {
  std::vector<Endpoint> endpoints = context_->hosts().EndpointsFor(domain, HostCapability::kPush);
  const Endpoint& e = endpoints.back();  // the registry itself, never a mirror
  Authorizer auth(
      &context_->transport(), &context_->clock(),
      [credentials](const std::string&) { return credentials; },
      [this](const std::string& host) { return context_->TlsForHost(host); });
  Call call;
  call.path = "/";
  RECLAIM_ASSIGN_OR_RETURN(HttpResponse r, Send(*context_, auth, e, {}, call));
  if (r.status >= 200 && r.status < 300) return LoginResult{std::string(kLoginSucceeded)};
  std::string reason(HttpReasonPhrase(r.status));
  return absl::Status(CodeForHttpStatus(r.status),
                      str::Cat("login attempt to ", context_->BaseUrl(e), "/ failed with status: ",
                               r.status, reason.empty() ? "" : " ", reason));
}

}  // namespace reclaim
