// File: api/docker_api.cc
#include "api/docker_api.h"

#include <cctype>
#include <cmath>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "api/query.h"
#include "core/descriptor.h"
#include "core/status.h"
#include "docker/api_version.h"
#include "docker/json.h"

namespace reclaim {

namespace {

constexpr std::string_view kJsonType = "application/json";
constexpr char kNoRuntime[] = "reclaim records containers but does not run them";
// What is drained of an upload a backend left unread (Go's server: 256 KiB).
constexpr size_t kDiscardLimit = 256 * 1024;

HeaderList JsonHeaders() { return {{"Content-Type", std::string(kJsonType)}}; }

absl::Status ReplyJson(HttpExchange& ex, int status, const Json& body) {
  return ex.Respond(status, JsonHeaders(), EncodeJson(body));
}

void ReplyError(HttpExchange& ex, const absl::Status& status) {
  int code = HttpStatusFor(status.code());
  if (code < 400) code = 500;
  (void)ex.Respond(code, JsonHeaders(), ErrorJson(std::string(status.message())));
}

// Go's http.Error, which moby uses for API versions below 1.24.
void ReplyPlainError(HttpExchange& ex, int code, const std::string& message) {
  (void)ex.Respond(code,
                   {{"Content-Type", "text/plain; charset=utf-8"},
                    {"X-Content-Type-Options", "nosniff"}},
                   message + "\n");
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Splits `/v1.50/images/json` into "1.50" and "/images/json" (moby's
// `/v{version:[0-9.]+}` prefix). No prefix: version "" and the path unchanged.
std::pair<std::string, std::string> SplitVersion(const std::string& path) {
  if (path.size() < 3 || path[0] != '/' || path[1] != 'v') return {"", path};
  size_t i = 2;
  while (i < path.size() && (std::isdigit(static_cast<unsigned char>(path[i])) || path[i] == '.')) {
    ++i;
  }
  if (i == 2 || i >= path.size() || path[i] != '/') return {"", path};
  return {path.substr(2, i - 2), path.substr(i)};
}

absl::StatusOr<FilterArgs> Filters(const QueryParams& q) {
  return FilterArgs::FromJSON(q.Get("filters"));
}

// moby's httputils.CheckForJSON.
absl::Status CheckForJson(const HttpExchange& ex) {
  std::optional<std::string> ct = ex.header("Content-Type");
  if ((!ct.has_value() || ct->empty()) && !ex.has_body()) return absl::OkStatus();
  std::string value = ct.value_or("");
  std::string media = value.substr(0, value.find(';'));
  size_t b = media.find_first_not_of(" \t");
  size_t e = media.find_last_not_of(" \t");
  media = b == std::string::npos ? "" : media.substr(b, e - b + 1);
  for (char& ch : media) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (media != kJsonType) {
    return absl::InvalidArgumentError("unsupported Content-Type header (" + value +
                                      "): must be 'application/json'");
  }
  return absl::OkStatus();
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string ParseErrorText(const std::exception& e) {
  std::string text = e.what();
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("] ");
    if (close != std::string::npos) text = text.substr(close + 2);
  }
  return text;
}

// A JSON request body as moby's httputils.ReadJSON reads it: a failure to read
// the body is the client's (400 `invalid JSON: …`); a client that closed the
// connection before its Content-Length was complete is Go's io.ErrUnexpectedEOF.
absl::StatusOr<std::string> ReadJsonBody(HttpExchange& ex, size_t limit) {
  absl::StatusOr<std::string> body = ex.ReadBody(limit);
  if (body.ok() || !absl::IsUnavailable(body.status())) return body;
  const std::string message(body.status().message());
  if (message.find("closed the connection") != std::string::npos) {
    return absl::InvalidArgumentError("invalid JSON: unexpected EOF");
  }
  return absl::InvalidArgumentError("invalid JSON: " + message);
}

absl::StatusOr<int64_t> ParseInt(const std::string& text) {
  if (text.empty()) return absl::InvalidArgumentError("empty number");
  size_t i = text[0] == '-' || text[0] == '+' ? 1 : 0;
  if (i == text.size()) {
    return absl::InvalidArgumentError("strconv.Atoi: parsing \"" + text + "\": invalid syntax");
  }
  int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return absl::InvalidArgumentError("strconv.Atoi: parsing \"" + text + "\": invalid syntax");
    }
    if (v > (INT64_MAX - (text[i] - '0')) / 10) {
      return absl::InvalidArgumentError("strconv.Atoi: parsing \"" + text +
                                        "\": value out of range");
    }
    v = v * 10 + (text[i] - '0');
  }
  return text[0] == '-' ? -v : v;
}

// A JSON message stream whose 200 header is sent with the first message
// (moby's WriteFlusher), each message followed by "\r\n" (streamformatter).
class LazyJsonStream final : public JsonMessageWriter {
 public:
  explicit LazyJsonStream(HttpExchange& ex) : ex_(ex) {}

  absl::Status Write(const Json& message) override {
    RECLAIM_RETURN_IF_ERROR(Open());
    RECLAIM_RETURN_IF_ERROR(stream_->Write(EncodeJsonCompact(message) + "\r\n"));
    return stream_->Flush();
  }
  absl::Status Open() {
    if (stream_ != nullptr) return absl::OkStatus();
    if (failed_) return absl::UnavailableError("the response stream failed");
    absl::StatusOr<ResponseStream*> s = ex_.StartStream(200, JsonHeaders());
    if (!s.ok()) {
      failed_ = true;
      return s.status();
    }
    stream_ = *s;
    return absl::OkStatus();
  }
  bool started() const { return stream_ != nullptr || failed_; }
  // moby's streamformatter.FormatError.
  absl::Status WriteError(const absl::Status& error) {
    std::string m(error.message());
    Json j = Json::object();
    j["errorDetail"] = Json{{"message", m}};
    j["error"] = m;
    return Write(j);
  }
  // Ends the stream; a broken one aborts the exchange.
  void Finish(const absl::Status& write_status) {
    if (!write_status.ok() || failed_) {
      ex_.Abort();
      return;
    }
    if (absl::Status s = Open(); !s.ok()) {
      ex_.Abort();
      return;
    }
    if (!ex_.FinishStream().ok()) ex_.Abort();
  }

 private:
  HttpExchange& ex_;
  ResponseStream* stream_ = nullptr;
  bool failed_ = false;
};

// A tar sink whose 200 header (application/x-tar) is sent with the first byte.
class LazyTarSink final : public ByteSink {
 public:
  explicit LazyTarSink(HttpExchange& ex) : ex_(ex) {}
  absl::Status Write(std::string_view bytes) override {
    if (bytes.empty()) return absl::OkStatus();
    if (stream_ == nullptr) {
      absl::StatusOr<ResponseStream*> s =
          ex_.StartStream(200, {{"Content-Type", "application/x-tar"}});
      started_ = true;
      if (!s.ok()) return s.status();
      stream_ = *s;
    }
    return stream_->Write(bytes);
  }
  bool started() const { return started_; }

 private:
  HttpExchange& ex_;
  ResponseStream* stream_ = nullptr;
  bool started_ = false;
};

}  // namespace

struct DockerApi::Call {
  HttpExchange& ex;
  RequestContext ctx;
  QueryParams query;
  std::string param;  // the {name} / {id} part of the path
  bool head = false;
};

struct DockerApi::Route {
  std::string_view method;
  std::string_view prefix;  // the whole path when !param
  std::string_view suffix;
  bool param;
  Handler handler;

  bool Match(std::string_view m, std::string_view path, std::string* value) const {
    if (m != method) return false;
    if (!param) return path == prefix;
    if (path.size() < prefix.size() + suffix.size()) return false;
    if (!StartsWith(path, prefix) || !EndsWith(path, suffix)) return false;
    *value = std::string(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
    return true;
  }
};

// In moby's registration order where routes overlap (first match wins).
const std::vector<DockerApi::Route>& DockerApi::Routes() {
  static const std::vector<Route>* routes = new std::vector<Route>{
      // system
      {"GET", "/_ping", "", false, &DockerApi::Ping},
      {"HEAD", "/_ping", "", false, &DockerApi::Ping},
      {"GET", "/version", "", false, &DockerApi::Version},
      {"GET", "/info", "", false, &DockerApi::Info},
      {"GET", "/system/df", "", false, &DockerApi::SystemDf},
      {"POST", "/auth", "", false, &DockerApi::SystemAuth},
      {"GET", "/events", "", false, &DockerApi::SystemEvents},
      // images
      {"GET", "/images/json", "", false, &DockerApi::ImagesList},
      {"GET", "/images/search", "", false, &DockerApi::ImagesSearch},
      {"GET", "/images/get", "", false, &DockerApi::ImagesGet},
      {"GET", "/images/", "/get", true, &DockerApi::ImagesGet},
      {"GET", "/images/", "/history", true, &DockerApi::ImageHistory},
      {"GET", "/images/", "/json", true, &DockerApi::ImageInspect},
      {"POST", "/images/load", "", false, &DockerApi::ImagesLoad},
      {"POST", "/images/create", "", false, &DockerApi::ImagesCreate},
      {"POST", "/images/", "/push", true, &DockerApi::ImagePush},
      {"POST", "/images/", "/tag", true, &DockerApi::ImageTag},
      {"POST", "/images/prune", "", false, &DockerApi::ImagesPrune},
      {"DELETE", "/images/", "", true, &DockerApi::ImageDelete},
      // containers
      {"GET", "/containers/json", "", false, &DockerApi::ContainersList},
      {"GET", "/containers/", "/export", true, &DockerApi::ContainerRuntime},
      {"GET", "/containers/", "/changes", true, &DockerApi::ContainerRuntime},
      {"GET", "/containers/", "/json", true, &DockerApi::ContainerInspect},
      {"GET", "/containers/", "/top", true, &DockerApi::ContainerRuntime},
      {"GET", "/containers/", "/logs", true, &DockerApi::ContainerRuntime},
      {"GET", "/containers/", "/stats", true, &DockerApi::ContainerRuntime},
      {"GET", "/containers/", "/attach/ws", true, &DockerApi::ContainerRuntime},
      {"GET", "/exec/", "/json", true, &DockerApi::ExecRuntime},
      {"GET", "/containers/", "/archive", true, &DockerApi::ContainerRuntime},
      {"HEAD", "/containers/", "/archive", true, &DockerApi::ContainerRuntime},
      {"PUT", "/containers/", "/archive", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/create", "", false, &DockerApi::ContainerCreate},
      {"POST", "/containers/", "/kill", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/pause", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/unpause", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/restart", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/start", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/stop", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/wait", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/resize", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/attach", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/exec", true, &DockerApi::ContainerRuntime},
      {"POST", "/exec/", "/start", true, &DockerApi::ExecRuntime},
      {"POST", "/exec/", "/resize", true, &DockerApi::ExecRuntime},
      {"POST", "/containers/", "/rename", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/", "/update", true, &DockerApi::ContainerRuntime},
      {"POST", "/containers/prune", "", false, &DockerApi::ContainersPrune},
      {"POST", "/commit", "", false, &DockerApi::Commit},
      {"DELETE", "/containers/", "", true, &DockerApi::ContainerDelete},
      // what `docker system prune` also calls
      {"POST", "/networks/prune", "", false, &DockerApi::NetworksPrune},
      {"POST", "/build/prune", "", false, &DockerApi::BuildPrune},
      {"POST", "/volumes/prune", "", false, &DockerApi::VolumesPrune},
  };
  return *routes;
}

ImageListBodySource::~ImageListBodySource() = default;

DockerApi::DockerApi(Backend& backend, DockerApiOptions options)
    : backend_(backend),
      list_body_(dynamic_cast<ImageListBodySource*>(&backend)),
      options_(std::move(options)) {}

HeaderList DockerApi::CommonHeaders() const {
  return {
      {"Api-Version", std::string(kMaxApiVersion)},
      {"Docker-Experimental", options_.experimental ? "true" : "false"},
      {"Ostype", "linux"},
      {"Server", "Docker/" + options_.server_version + " (linux)"},
  };
}

void DockerApi::Serve(HttpExchange& ex) {
  if (!options_.on_request) {
    ServeRoute(ex, nullptr);
    return;
  }
  const absl::Time start = absl::Now();
  const Route* route = nullptr;
  ServeRoute(ex, &route);
  std::string label = "other";
  if (route != nullptr) {
    label = std::string(route->method) + " " + std::string(route->prefix);
    if (route->param) {
      label += route->prefix.starts_with("/images/") ? "{name}" : "{id}";
      label += route->suffix;
    }
  }
  const int status = ex.response_status() != 0 ? ex.response_status() : 500;
  options_.on_request(label, status, absl::Now() - start);
}

void DockerApi::ServeRoute(HttpExchange& ex, const Route** matched) {
  const std::string& target = ex.target();
  size_t qpos = target.find('?');
  std::string raw_path = target.substr(0, qpos);
  std::string raw_query = qpos == std::string::npos ? "" : target.substr(qpos + 1);
  if (size_t hash = raw_query.find('#'); hash != std::string::npos) raw_query.resize(hash);

  absl::StatusOr<std::string> path = UnescapePath(raw_path);
  if (!path.ok()) {
    ReplyError(ex, path.status());
    return;
  }
  auto [version, route_path] = SplitVersion(*path);

  const Route* route = nullptr;
  std::string param;
  for (const Route& r : Routes()) {
    if (r.Match(ex.method(), route_path, &param)) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    ReplyError(ex, absl::NotFoundError("page not found"));
    return;
  }
  if (matched != nullptr) *matched = route;

  // moby's VersionMiddleware.
  std::string api_version = version.empty() ? std::string(kMaxApiVersion) : version;
  if (ApiVersionLessThan(api_version, kMinApiVersion)) {
    ReplyPlainError(ex, 400,
                    "client version " + api_version +
                        " is too old. Minimum supported API version is " +
                        std::string(kMinApiVersion) +
                        ", please upgrade your client to a newer version");
    return;
  }
  if (CompareApiVersions(api_version, kMaxApiVersion) > 0) {
    ReplyError(ex, absl::InvalidArgumentError("client version " + api_version +
                                              " is too new. Maximum supported API version is " +
                                              std::string(kMaxApiVersion)));
    return;
  }

  absl::StatusOr<QueryParams> query = QueryParams::Parse(raw_query);
  if (!query.ok()) {
    ReplyError(ex, query.status());
    return;
  }
  Call call{ex, RequestContext{api_version}, *std::move(query), std::move(param),
            ex.method() == "HEAD"};
  absl::Status status;
  try {
    status = (this->*(route->handler))(call);
  } catch (const std::exception& e) {
    // A bug (e.g. a JSON type error); never let it take the connection down silently.
    status = absl::InternalError(std::string("internal error: ") + e.what());
    if (ex.responded()) ex.Abort();
  }
  if (!status.ok() && !ex.responded()) ReplyError(ex, status);
}

// ---------------------------------------------------------------------------
// system

absl::Status DockerApi::Ping(Call& c) {
  HeaderList h = {
      {"Cache-Control", "no-cache, no-store, must-revalidate"},
      {"Pragma", "no-cache"},
      {"Swarm", "inactive"},
      {"Content-Type", "text/plain; charset=utf-8"},
  };
  if (c.head) {
    h.emplace_back("Content-Length", "0");
    return c.ex.Respond(200, h, "");
  }
  return c.ex.Respond(200, h, "OK");
}

absl::Status DockerApi::Version(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.Version(c.ctx));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::Info(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.Info(c.ctx));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::SystemDf(Call& c) {
  DiskUsageQuery q;
  std::vector<std::string> types = c.query.GetAll("type");
  if (!types.empty() && ApiVersionAtLeast(c.ctx.api_version, "1.42")) {
    q = DiskUsageQuery{false, false, false, false};
    for (const std::string& t : types) {
      if (t == "container") {
        q.containers = true;
      } else if (t == "image") {
        q.images = true;
      } else if (t == "volume") {
        q.volumes = true;
      } else if (t == "build-cache") {
        q.build_cache = true;
      } else {
        return absl::InvalidArgumentError("unknown object type: " + t);
      }
    }
  }
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.DiskUsage(c.ctx, q));
  return ReplyJson(c.ex, 200, body);
}

// ---------------------------------------------------------------------------
// images

absl::Status DockerApi::ImagesList(Call& c) {
  ImageListQuery q;
  RECLAIM_ASSIGN_OR_RETURN(q.filters, Filters(c.query));
  if (ApiVersionLessThan(c.ctx.api_version, "1.41")) {
    // The legacy `filter` parameter is a reference filter.
    if (std::string f = c.query.Get("filter"); !f.empty()) q.filters.Add("reference", f);
  }
  q.all = c.query.Bool("all");
  q.shared_size = c.query.Bool("shared-size");
  q.digests = c.query.Bool("digests");
  q.manifests = c.query.Bool("manifests");
  if (list_body_ != nullptr) {
    RECLAIM_ASSIGN_OR_RETURN(std::shared_ptr<const std::string> body,
                             list_body_->ListImagesBody(c.ctx, q));
    return c.ex.Respond(200, JsonHeaders(), *body);
  }
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.ListImages(c.ctx, q));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ImageInspect(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.InspectImage(c.ctx, c.param));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ImageHistory(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.ImageHistory(c.ctx, c.param));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ImageTag(Call& c) {
  RECLAIM_RETURN_IF_ERROR(
      backend_.TagImage(c.ctx, c.param, c.query.Get("repo"), c.query.Get("tag")));
  return c.ex.Respond(201, {}, "");
}

absl::Status DockerApi::ImageDelete(Call& c) {
  std::string_view name = c.param;
  size_t b = name.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string_view::npos) {
    return absl::InvalidArgumentError("image name cannot be blank");
  }
  ImageRemoveQuery q{c.query.Bool("force"), c.query.Bool("noprune")};
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.RemoveImage(c.ctx, c.param, q));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ImagesPrune(Call& c) {
  ImagePruneQuery q;
  RECLAIM_ASSIGN_OR_RETURN(q.filters, Filters(c.query));
  q.dry_run = c.query.Bool("dryrun");
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.PruneImages(c.ctx, q));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ImagesLoad(Call& c) {
  ImageLoadQuery q;
  q.quiet = c.query.BoolOr("quiet", true);
  q.platforms = c.query.GetAll("platform");
  LazyJsonStream out(c.ex);
  absl::StatusOr<std::vector<std::string>> loaded =
      backend_.LoadImages(c.ctx, c.ex.body(), q, out);
  // A failed load may leave the upload unread; keep the connection if it is short.
  c.ex.DiscardBody(kDiscardLimit);
  // moby answers 200 and reports a failed load inside the stream.
  absl::Status write;
  if (!loaded.ok()) {
    write = out.WriteError(loaded.status());
  } else {
    for (const std::string& line : *loaded) {
      Json m = Json::object();
      m["stream"] = line;
      write = out.Write(m);
      if (!write.ok()) break;
    }
  }
  out.Finish(write);
  return absl::OkStatus();
}

absl::Status DockerApi::ImagesGet(Call& c) {
  std::vector<std::string> names;
  if (!c.param.empty()) {
    names.push_back(c.param);
  } else {
    names = c.query.GetAll("names");
  }
  LazyTarSink sink(c.ex);
  absl::Status s = backend_.SaveImages(c.ctx, names, sink);
  if (!s.ok()) {
    if (!sink.started()) return s;  // an error status before any tar byte
    c.ex.Abort();                   // truncate: the client must not take it as complete
    return absl::OkStatus();
  }
  if (!sink.started()) {
    // Nothing written (no names): an empty, well-formed stream.
    absl::StatusOr<ResponseStream*> stream =
        c.ex.StartStream(200, {{"Content-Type", "application/x-tar"}});
    if (!stream.ok()) c.ex.Abort();
  }
  if (!c.ex.FinishStream().ok()) c.ex.Abort();
  return absl::OkStatus();
}

absl::Status DockerApi::ImagesCreate(Call& c) {
  LazyJsonStream out(c.ex);
  absl::Status result;
  std::string from_image = c.query.Get("fromImage");
  if (!from_image.empty()) {
    ImagePullQuery q{from_image, c.query.Get("tag"), c.query.Get("platform"),
                     c.ex.header("X-Registry-Auth").value_or("")};
    result = backend_.PullImage(c.ctx, q, out);
  } else {
    ImageImportQuery q;
    q.source = c.query.Get("fromSrc");
    q.repo = c.query.Get("repo");
    q.tag = c.query.Get("tag");
    q.message = c.query.Get("message");
    q.changes = c.query.GetAll("changes");
    q.platform = c.query.Get("platform");
    if (q.source.empty()) {
      return absl::InvalidArgumentError("fromImage or fromSrc is required");
    }
    absl::StatusOr<std::string> id = backend_.ImportImage(c.ctx, c.ex.body(), q, out);
    c.ex.DiscardBody(kDiscardLimit);
    if (id.ok()) {
      Json m = Json::object();
      m["status"] = *id;
      out.Finish(out.Write(m));
      return absl::OkStatus();
    }
    result = id.status();
  }
  // moby: an error before any output is an error status, after it a message.
  if (!result.ok() && !out.started()) return result;
  absl::Status write = result.ok() ? absl::OkStatus() : out.WriteError(result);
  out.Finish(write);
  return absl::OkStatus();
}

absl::Status DockerApi::ImagePush(Call& c) {
  ImagePushQuery q{c.param, c.query.Get("tag"), "", c.ex.header("X-Registry-Auth").value_or("")};
  if (ApiVersionAtLeast(c.ctx.api_version, "1.46")) q.platform = c.query.Get("platform");
  c.ex.DiscardBody(kDiscardLimit);  // old clients sent the auth config as the body
  LazyJsonStream out(c.ex);
  absl::Status result = backend_.PushImage(c.ctx, q, out);
  // moby: an error before any output is an error status, after it a message.
  if (!result.ok() && !out.started()) return result;
  out.Finish(result.ok() ? absl::OkStatus() : out.WriteError(result));
  return absl::OkStatus();
}

absl::Status DockerApi::ImagesSearch(Call&) {
  return absl::UnimplementedError("reclaim cannot search registries");
}

// ---------------------------------------------------------------------------
// containers

absl::StatusOr<Json> DockerApi::ReadJsonObject(Call& c) {
  RECLAIM_RETURN_IF_ERROR(CheckForJson(c.ex));
  RECLAIM_ASSIGN_OR_RETURN(std::string body, ReadJsonBody(c.ex, options_.max_json_body));
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError("invalid JSON: got EOF while reading request body");
  }
  // Go's encoding/json stops at 10,000 levels (moby: "invalid JSON: exceeded
  // max depth"); deeper input is refused before nlohmann builds it.
  if (JsonNestsDeeperThan(body, 10000)) {
    return absl::InvalidArgumentError("invalid JSON: exceeded max depth");
  }
  Json object;
  try {
    object = Json::parse(body);
  } catch (const Json::parse_error& e) {
    // A value cut short (the error is past the last byte): Go's decoder says
    // io.ErrUnexpectedEOF.
    if (e.byte > body.size()) return absl::InvalidArgumentError("invalid JSON: unexpected EOF");
    return absl::InvalidArgumentError("invalid JSON: " + ParseErrorText(e));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError("invalid JSON: " + ParseErrorText(e));
  }
  if (!object.is_object()) {
    return absl::InvalidArgumentError("invalid JSON: the body must be a JSON object");
  }
  return object;
}

absl::Status DockerApi::SystemAuth(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(Json credentials, ReadJsonObject(c));
  RECLAIM_ASSIGN_OR_RETURN(Json answer, backend_.Login(c.ctx, credentials));
  return ReplyJson(c.ex, 200, answer);
}

namespace {

// moby's eventTime over timetypes.ParseTimestamps: `seconds[.fraction]`;
// empty is no bound.
absl::StatusOr<std::optional<absl::Time>> ParseEventTime(const std::string& value) {
  if (value.empty()) return std::optional<absl::Time>();
  size_t dot = value.find('.');
  const std::string whole = value.substr(0, dot);
  auto parse = [](const std::string& digits) -> absl::StatusOr<int64_t> {
    absl::StatusOr<int64_t> v = ParseInt(digits);
    if (!v.ok()) {
      return absl::InvalidArgumentError("strconv.ParseInt: parsing \"" + digits +
                                        "\": invalid syntax");
    }
    return v;
  };
  RECLAIM_ASSIGN_OR_RETURN(int64_t seconds, parse(whole));
  absl::Time t = absl::FromUnixSeconds(seconds);
  if (dot != std::string::npos) {
    const std::string fraction = value.substr(dot + 1);
    RECLAIM_ASSIGN_OR_RETURN(int64_t n, parse(fraction));
    // Go scales the fraction to nanoseconds by its number of digits.
    double scale = std::pow(10.0, 9 - static_cast<int>(fraction.size()));
    t += absl::Nanoseconds(static_cast<int64_t>(static_cast<double>(n) * scale));
  }
  return std::optional<absl::Time>(t);
}

// moby's events stream: one JSON message per line, each flushed at once.
absl::Status PumpEvents(HttpExchange& ex, EventStream& events) {
  RECLAIM_ASSIGN_OR_RETURN(ResponseStream * out, ex.StartStream(200, JsonHeaders()));
  RECLAIM_RETURN_IF_ERROR(out->Flush());
  while (!events.ended() && !ex.ShouldStop()) {
    std::optional<Json> message = events.Next(absl::Milliseconds(250));
    if (!message.has_value()) continue;
    RECLAIM_RETURN_IF_ERROR(out->Write(EncodeJsonCompact(*message) + "\n"));
    RECLAIM_RETURN_IF_ERROR(out->Flush());
  }
  return ex.FinishStream();
}

}  // namespace

absl::Status DockerApi::SystemEvents(Call& c) {
  EventQuery q;
  RECLAIM_ASSIGN_OR_RETURN(q.since, ParseEventTime(c.query.Get("since")));
  RECLAIM_ASSIGN_OR_RETURN(q.until, ParseEventTime(c.query.Get("until")));
  if (q.until.has_value() && *q.until < q.since.value_or(absl::InfinitePast())) {
    return absl::InvalidArgumentError("`since` time (" + c.query.Get("since") +
                                      ") cannot be after `until` time (" +
                                      c.query.Get("until") + ")");
  }
  RECLAIM_ASSIGN_OR_RETURN(q.filters, Filters(c.query));
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<EventStream> events, backend_.Events(c.ctx, q));
  if (absl::Status s = PumpEvents(c.ex, *events); !s.ok()) c.ex.Abort();
  return absl::OkStatus();
}

absl::Status DockerApi::ContainerCreate(Call& c) {
  ContainerCreateQuery q;
  q.name = c.query.Get("name");
  q.platform = c.query.Get("platform");
  RECLAIM_ASSIGN_OR_RETURN(q.body, ReadJsonObject(c));
  RECLAIM_ASSIGN_OR_RETURN(Json created, backend_.CreateContainer(c.ctx, q));
  return ReplyJson(c.ex, 201, created);
}

absl::Status DockerApi::ContainersList(Call& c) {
  ContainerListQuery q;
  RECLAIM_ASSIGN_OR_RETURN(q.filters, Filters(c.query));
  q.all = c.query.Bool("all");
  q.size = c.query.Bool("size");
  if (std::string limit = c.query.Get("limit"); !limit.empty()) {
    RECLAIM_ASSIGN_OR_RETURN(q.limit, ParseInt(limit));
  }
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.ListContainers(c.ctx, q));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ContainerInspect(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(Json body,
                           backend_.InspectContainer(c.ctx, c.param, c.query.Bool("size")));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ContainerDelete(Call& c) {
  ContainerRemoveQuery q{c.query.Bool("force"), c.query.Bool("v"), c.query.Bool("link")};
  RECLAIM_RETURN_IF_ERROR(backend_.RemoveContainer(c.ctx, c.param, q));
  return c.ex.Respond(204, {}, "");
}

absl::Status DockerApi::ContainersPrune(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(FilterArgs filters, Filters(c.query));
  RECLAIM_ASSIGN_OR_RETURN(Json body, backend_.PruneContainers(c.ctx, filters));
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::ContainerRuntime(Call& c) {
  // A missing container is still Docker's 404.
  RECLAIM_RETURN_IF_ERROR(backend_.InspectContainer(c.ctx, c.param, false).status());
  std::string_view path = c.ex.target();
  path = path.substr(0, path.find('?'));
  std::string action(path.substr(path.rfind('/') + 1));
  if (action == "ws") action = "attach";
  if (action == "archive") action = "copy";
  return absl::UnimplementedError(std::string(kNoRuntime) + ": " + action + " is not supported");
}

absl::Status DockerApi::ExecRuntime(Call& c) {
  // reclaim never creates exec instances.
  return absl::NotFoundError("No such exec instance: " + c.param);
}

absl::Status DockerApi::Commit(Call&) {
  return absl::UnimplementedError(std::string(kNoRuntime) + ": commit is not supported");
}

// ---------------------------------------------------------------------------
// prunes of what reclaim does not have

absl::Status DockerApi::NetworksPrune(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(FilterArgs filters, Filters(c.query));
  RECLAIM_RETURN_IF_ERROR(filters.Validate({"label", "label!", "until"}));
  Json body = Json::object();
  body["NetworksDeleted"] = nullptr;
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::BuildPrune(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(FilterArgs filters, Filters(c.query));
  (void)filters;
  Json body = Json::object();
  body["CachesDeleted"] = nullptr;
  body["SpaceReclaimed"] = 0;
  return ReplyJson(c.ex, 200, body);
}

absl::Status DockerApi::VolumesPrune(Call& c) {
  RECLAIM_ASSIGN_OR_RETURN(FilterArgs filters, Filters(c.query));
  (void)filters;
  Json body = Json::object();
  body["VolumesDeleted"] = nullptr;
  body["SpaceReclaimed"] = 0;
  return ReplyJson(c.ex, 200, body);
}

// ---------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(Backend& backend,
                                                            HttpServerOptions http,
                                                            DockerApiOptions docker) {
  std::unique_ptr<ApiServer> server(new ApiServer(backend, std::move(docker)));
  http.default_headers = server->api_.CommonHeaders();
  RECLAIM_ASSIGN_OR_RETURN(server->server_, HttpServer::Start(http, server->api_));
  return server;
}

}  // namespace reclaim
