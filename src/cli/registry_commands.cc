// The registry commands: `reclaim image pull` and `reclaim image push`,
// shown as the docker CLI shows `docker pull` / `docker push` (cli/progress.h
// LayerRows: rows rewritten in place on a terminal; elsewhere one line per
// message, those with byte progress left out), and `reclaim
// login` / `logout`, which check credentials against the registry and keep
// them in the Docker CLI's config file ($DOCKER_CONFIG/config.json or
// ~/.docker/config.json), where pull and push (and the docker CLI) find them.
#include <cstdlib>
#include <istream>
#include <iterator>
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/reference.h"
#include "nlohmann/json.hpp"
#include "platform/posix_fs.h"
#include "core/status.h"
#include "registry/auth_config.h"
#include "registry/platforms.h"

namespace reclaim::cli_internal {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// The flags `image pull` and `image push` share.
struct TransferFlags {
  std::string name;
  std::string platform;
  bool all_tags = false;
  bool quiet = false;
};

// One pull message on the rows (docker's rendering of its JSON message).
void ShowPullEvent(LayerRows& rows, const PullEvent& e) {
  switch (e.kind) {
    case PullEvent::Kind::kPullingFrom:
      return rows.Line(e.id + ": Pulling from " + e.text);
    case PullEvent::Kind::kPullingFsLayer:
      return rows.Update(e.id, "Pulling fs layer");
    case PullEvent::Kind::kDownloading:
      return rows.Update(e.id, "Downloading", e.current, e.total);
    case PullEvent::Kind::kDownloadComplete:
      return rows.Update(e.id, "Download complete");
    case PullEvent::Kind::kAlreadyExists:
      return rows.Update(e.id, "Already exists");
    case PullEvent::Kind::kPullComplete:
      return rows.Update(e.id, "Pull complete");
  }
}

std::string ConfigPath() { return DockerConfigPath(Env("DOCKER_CONFIG"), Env("HOME")); }

// A client that sends the config file's credentials for `domain`.
absl::StatusOr<std::unique_ptr<RegistryClient>> ClientFor(Session& s, const std::string& domain) {
  RECLAIM_ASSIGN_OR_RETURN(AuthConfig auth, LoadDockerConfigAuth(RealFs(), ConfigPath(), domain));
  return RegistryClient::Create(s.RegistryOptions([auth](const std::string&) { return auth; }));
}

int ImagePull(Session& s, const TransferFlags& f) {
  absl::StatusOr<Reference> parsed = ParseNormalizedNamed(f.name);
  if (!parsed.ok()) return s.Fail(parsed.status());
  Reference ref = *parsed;
  if (f.all_tags && !ref.IsNameOnly()) {
    return s.Usage("tag can't be used with --all-tags/-a");
  }
  if (!f.all_tags && ref.IsNameOnly()) {
    ref = TagNameOnly(ref);
    if (!f.quiet && !s.Json()) s.out() << "Using default tag: latest\n";
  }
  PullOptions o;
  if (!f.platform.empty()) {
    if (absl::Status st = o.SetPlatform(f.platform); !st.ok()) return s.Fail(st);
  }
  absl::StatusOr<std::unique_ptr<RegistryClient>> client = ClientFor(s, ref.Domain());
  if (!client.ok()) return s.Fail(client.status());
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  const bool lines = !f.quiet && !s.Json();
  LayerRows rows(s.out(), s.env().stdout_is_terminal);
  if (lines) o.progress = [&rows](const PullEvent& e) { ShowPullEvent(rows, e); };
  absl::StatusOr<std::vector<Reference>> refs = PullReferences(**client, ref);
  if (!refs.ok()) return s.Fail(refs.status());
  // A first SIGINT/SIGTERM stops the fetches: nothing is committed and the
  // pull's lease goes before the command exits (130); a second one kills.
  Session::Interruptible interruptible(s);
  o.cancel = s.cancel();
  nlohmann::json j = nlohmann::json::array();
  for (const Reference& r : *refs) {
    absl::StatusOr<PullResult> pulled = s.images().Pull(**client, r, o);
    if (!pulled.ok()) return s.Fail(pulled.status());
    const bool newer = pulled->created || pulled->previous_target.has_value();
    if (s.Json()) {
      j.push_back({{"Name", pulled->name},
                   {"ID", pulled->target.digest.str()},
                   {"Status", newer ? "downloaded" : "up to date"}});
    } else if (lines) {
      rows.Line("Digest: " + pulled->target.digest.str());
      rows.Line((newer ? "Status: Downloaded newer image for " : "Status: Image is up to date for ") +
                r.FamiliarString());
    }
  }
  if (s.Json()) {
    s.out() << j.dump() << "\n";
  } else {
    s.out() << (ref.IsNameOnly() ? ref.Name() : ref.String()) << "\n";
  }
  return kExitOk;
}

void ShowPushEvent(LayerRows& rows, const PushEvent& e) {
  switch (e.kind) {
    case PushEvent::Kind::kWaiting:
      return rows.Update(e.id, "Waiting");
    case PushEvent::Kind::kPushing:
      return rows.Update(e.id, "Pushing", e.current, e.total);
    case PushEvent::Kind::kPushed:
      return rows.Update(e.id, "Pushed");
    case PushEvent::Kind::kLayerExists:
    case PushEvent::Kind::kMounted:
      return rows.Update(e.id, e.text);
    case PushEvent::Kind::kManifestInsteadOfIndex:
      return rows.Line(
          "Not all multiplatform-content is present and only the available single-platform "
          "image was pushed\n" +
          e.index.digest.str() + " -> " + e.manifest.digest.str());
  }
}

int ImagePush(Session& s, const TransferFlags& f) {
  absl::StatusOr<Reference> parsed = ParseNormalizedNamed(f.name);
  if (!parsed.ok()) return s.Fail(parsed.status());
  Reference ref = *parsed;
  if (ref.HasDigest()) return s.Fail(absl::InvalidArgumentError("cannot push a digest reference"));
  if (f.all_tags && !ref.IsNameOnly()) return s.Usage("tag can't be used with --all-tags/-a");
  if (!f.all_tags && ref.IsNameOnly()) {
    ref = TagNameOnly(ref);
    if (!f.quiet && !s.Json()) s.err() << "Using default tag: latest\n";
  }
  PushOptions o;
  if (!f.platform.empty()) {
    absl::StatusOr<Platform> p = ParsePlatform(f.platform);
    if (!p.ok()) return s.Fail(p.status());
    o.platform = *p;
  }
  absl::StatusOr<std::unique_ptr<RegistryClient>> client = ClientFor(s, ref.Domain());
  if (!client.ok()) return s.Fail(client.status());
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  const bool lines = !f.quiet && !s.Json();
  LayerRows rows(s.out(), s.env().stdout_is_terminal);
  if (lines) {
    o.progress = [&rows](const PushEvent& e) { ShowPushEvent(rows, e); };
    rows.Line(PushRefersTo(ref));
  }
  absl::StatusOr<std::vector<Reference>> refs = s.images().PushReferences(ref);
  if (!refs.ok()) return s.Fail(refs.status());
  nlohmann::json j = nlohmann::json::array();
  for (const Reference& r : *refs) {
    absl::StatusOr<PushResult> pushed = s.images().Push(**client, r, o);
    if (!pushed.ok()) return s.Fail(pushed.status());
    if (s.Json()) {
      j.push_back({{"Name", r.String()},
                   {"Digest", pushed->target.digest.str()},
                   {"Size", pushed->target.size}});
    } else if (lines && !pushed->tag.empty()) {
      rows.Line(pushed->tag + ": digest: " + pushed->target.digest.str() +
                " size: " + std::to_string(pushed->target.size));
    }
  }
  if (s.Json()) {
    s.out() << j.dump() << "\n";
  } else if (f.quiet) {
    s.out() << ref.FamiliarString() << "\n";
  }
  return kExitOk;
}

struct LoginFlags {
  std::string server;
  std::string username;
  std::string password;
  bool password_stdin = false;
};

int Login(Session& s, const LoginFlags& f) {
  std::string password = f.password;
  if (f.password_stdin) {
    if (!f.password.empty()) return s.Usage("--password and --password-stdin are mutually exclusive");
    if (f.username.empty()) return s.Usage("Must provide --username with --password-stdin");
    if (s.env().in != nullptr) {
      password.assign(std::istreambuf_iterator<char>(*s.env().in), std::istreambuf_iterator<char>());
    }
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
  } else if (!f.password.empty()) {
    s.err() << "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n";
  }
  if (f.username.empty() || password.empty()) {
    return s.Fail(absl::InvalidArgumentError(
        "Cannot perform an interactive login from a non TTY device"));
  }
  const std::string domain = LoginRegistry(f.server);
  AuthConfig auth;
  auth.username = f.username;
  auth.password = password;
  auth.server_address = domain;
  absl::StatusOr<std::unique_ptr<RegistryClient>> client =
      RegistryClient::Create(s.RegistryOptions(nullptr));
  if (!client.ok()) return s.Fail(client.status());
  absl::StatusOr<LoginResult> result = (*client)->CheckLogin(domain, auth);
  if (!result.ok()) return s.Fail(result.status());
  const std::string path = ConfigPath();
  if (absl::Status st = StoreDockerConfigAuth(RealFs(), path, domain, auth); !st.ok()) {
    return s.Fail(st);
  }
  s.err() << "WARNING! Your credentials are stored unencrypted in '" << path << "'.\n";
  s.out() << result->status << "\n";
  return kExitOk;
}

int Logout(Session& s, const std::string& server) {
  const std::string domain = LoginRegistry(server);
  absl::Status st = EraseDockerConfigAuth(RealFs(), ConfigPath(), domain);
  if (absl::IsNotFound(st)) {
    s.out() << "Not logged in to " << domain << "\n";
    return kExitOk;
  }
  if (!st.ok()) return s.Fail(st);
  s.out() << "Removing login credentials for " << domain << "\n";
  return kExitOk;
}

}  // namespace

void AddRegistryCommands(CLI::App& app, CLI::App& image, Session& s, int& status) {
  auto* pull = image.add_subcommand("pull", "Download an image from a registry");
  auto f = std::make_shared<TransferFlags>();
  pull->add_option("name", f->name, "NAME[:TAG|@DIGEST]")->required();
  pull->add_option("--platform", f->platform, "Pull this platform's image (os[/arch[/variant]])");
  pull->add_flag("-a,--all-tags", f->all_tags, "Download every tag of the repository");
  pull->add_flag("-q,--quiet", f->quiet, "Suppress the progress output");
  pull->callback([&s, &status, f] { status = ImagePull(s, *f); });

  auto* push = image.add_subcommand("push", "Upload an image to a registry");
  auto p = std::make_shared<TransferFlags>();
  push->add_option("name", p->name, "NAME[:TAG]")->required();
  push->add_option("--platform", p->platform,
                   "Push only this platform's manifest of a multi-platform image");
  push->add_flag("-a,--all-tags", p->all_tags, "Push every local tag of the repository");
  push->add_flag("-q,--quiet", p->quiet, "Suppress the progress output");
  push->callback([&s, &status, p] { status = ImagePush(s, *p); });

  auto* login = app.add_subcommand("login", "Check registry credentials and keep them for pull and push");
  auto l = std::make_shared<LoginFlags>();
  login->add_option("server", l->server, "Registry host[:port] (default: docker.io)");
  login->add_option("-u,--username", l->username, "Username");
  login->add_option("-p,--password", l->password, "Password (prefer --password-stdin)");
  login->add_flag("--password-stdin", l->password_stdin, "Read the password from stdin");
  login->callback([&s, &status, l] { status = Login(s, *l); });

  auto* logout = app.add_subcommand("logout", "Forget a registry's credentials");
  auto server = std::make_shared<std::string>();
  logout->add_option("server", *server, "Registry host[:port] (default: docker.io)");
  logout->callback([&s, &status, server] { status = Logout(s, *server); });
}

}  // namespace reclaim::cli_internal
