// `reclaim image pull`, printed as the docker CLI prints `docker pull` when
// its output is not a terminal (jsonmessage: the Downloading lines are left
// out, every other message is a line). Credentials come from the Docker CLI's
// config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json).
#include <cstdlib>
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "core/reference.h"
#include "nlohmann/json.hpp"
#include "platform/posix_fs.h"
#include "registry/auth_config.h"

namespace reclaim::cli_internal {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

struct PullFlags {
  std::string name;
  std::string platform;
  bool all_tags = false;
  bool quiet = false;
};

// The docker CLI's line for one message.
std::string EventLine(const PullEvent& e) {
  switch (e.kind) {
    case PullEvent::Kind::kPullingFrom:
      return e.id + ": Pulling from " + e.text;
    case PullEvent::Kind::kPullingFsLayer:
      return e.id + ": Pulling fs layer";
    case PullEvent::Kind::kDownloading:
      return "";
    case PullEvent::Kind::kDownloadComplete:
      return e.id + ": Download complete";
    case PullEvent::Kind::kAlreadyExists:
      return e.id + ": Already exists";
    case PullEvent::Kind::kPullComplete:
      return e.id + ": Pull complete";
  }
  return "";
}

int ImagePull(Session& s, const PullFlags& f) {
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
  const std::string config = DockerConfigPath(Env("DOCKER_CONFIG"), Env("HOME"));
  absl::StatusOr<AuthConfig> auth = LoadDockerConfigAuth(RealFs(), config, ref.Domain());
  if (!auth.ok()) return s.Fail(auth.status());
  absl::StatusOr<std::unique_ptr<RegistryClient>> client = RegistryClient::Create(
      s.RegistryOptions([a = *auth](const std::string&) { return a; }));
  if (!client.ok()) return s.Fail(client.status());
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  const bool lines = !f.quiet && !s.Json();
  if (lines) {
    o.progress = [&s](const PullEvent& e) {
      const std::string line = EventLine(e);
      if (!line.empty()) s.out() << line << "\n" << std::flush;
    };
  }
  absl::StatusOr<std::vector<Reference>> refs = PullReferences(**client, ref);
  if (!refs.ok()) return s.Fail(refs.status());
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
      s.out() << "Digest: " << pulled->target.digest.str() << "\n"
              << (newer ? "Status: Downloaded newer image for " : "Status: Image is up to date for ")
              << r.FamiliarString() << "\n";
    }
  }
  if (s.Json()) {
    s.out() << j.dump() << "\n";
  } else {
    s.out() << (ref.IsNameOnly() ? ref.Name() : ref.String()) << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddImagePullCommand(CLI::App& image, Session& s, int& status) {
  auto* pull = image.add_subcommand("pull", "Download an image from a registry");
  auto f = std::make_shared<PullFlags>();
  pull->add_option("name", f->name, "NAME[:TAG|@DIGEST]")->required();
  pull->add_option("--platform", f->platform, "Pull this platform's image (os[/arch[/variant]])");
  pull->add_flag("-a,--all-tags", f->all_tags, "Download every tag of the repository");
  pull->add_flag("-q,--quiet", f->quiet, "Suppress the progress output");
  pull->callback([&s, &status, f] { status = ImagePull(s, *f); });
}

}  // namespace reclaim::cli_internal
