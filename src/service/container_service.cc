#include "service/container_service.h"

#include <algorithm>
#include <random>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/timestamp.h"
#include "service/prune/prune_service.h"
#include "service/resolve.h"

namespace reclaim {
namespace {

constexpr std::string_view kValidNameChars = "[a-zA-Z0-9][a-zA-Z0-9_.-]";

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$
bool ValidName(std::string_view n) {
  if (n.size() < 2 || !IsAlnum(n[0])) return false;
  return std::all_of(n.begin() + 1, n.end(),
                     [](char c) { return IsAlnum(c) || c == '_' || c == '.' || c == '-'; });
}

const std::string kCmdLabel = std::string(kContainerConfigLabelPrefix) + "cmd";
const std::string kEntrypointLabel = std::string(kContainerConfigLabelPrefix) + "entrypoint";
const std::string kEnvLabel = std::string(kContainerConfigLabelPrefix) + "env";

std::vector<std::string> ListLabel(const Labels& labels, const std::string& key) {
  auto it = labels.find(key);
  if (it == labels.end()) return {};
  absl::StatusOr<nlohmann::json> j = ParseJson(it->second);
  std::vector<std::string> out;
  if (!j.ok() || !j->is_array()) return out;
  for (const nlohmann::json& v : *j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

ContainerInfo InfoOf(const ContainerRecord& r) {
  ContainerInfo info;
  info.id = r.id;
  info.name = r.name;
  info.image = r.image;
  info.image_id = r.image_id;
  info.created = r.created_at;
  info.cmd = ListLabel(r.labels, kCmdLabel);
  info.entrypoint = ListLabel(r.labels, kEntrypointLabel);
  info.env = ListLabel(r.labels, kEnvLabel);
  for (const auto& [k, v] : r.labels) {
    if (!k.starts_with(kContainerConfigLabelPrefix)) info.labels[k] = v;
  }
  return info;
}

// moby's filters.Args.MatchKVList: every value (`k` or `k=v`) must match; with
// no values for `key`, true; with values but no labels, false.
bool MatchKVList(const FilterArgs& filters, std::string_view key, const Labels& labels) {
  const std::vector<std::string> values = filters.Get(key);
  if (values.empty()) return true;
  if (labels.empty()) return false;
  for (const std::string& v : values) {
    const size_t eq = v.find('=');
    const std::string k = v.substr(0, eq);
    auto it = labels.find(k);
    if (it == labels.end()) return false;
    if (eq != std::string::npos && it->second != v.substr(eq + 1)) return false;
  }
  return true;
}

constexpr const char* kAdjectives[] = {
    "agile", "bold", "brave", "calm", "clever", "eager", "fancy", "gentle", "happy", "jolly",
    "keen", "lucid", "merry", "nifty", "proud", "quiet", "sharp", "swift", "tender", "witty"};
constexpr const char* kSurnames[] = {
    "babbage", "bohr", "curie", "darwin", "euler", "fermi", "galois", "hopper", "kepler",
    "lovelace", "maxwell", "noether", "pascal", "ritchie", "shannon", "thompson", "turing",
    "volta", "wozniak", "yalow"};

}  // namespace

std::string ContainerInfo::Command() const {
  std::string out;
  for (const std::vector<std::string>* part : {&entrypoint, &cmd}) {
    for (const std::string& s : *part) {
      if (!out.empty()) out += " ";
      out += s;
    }
  }
  return out;
}

ContainerService::ContainerService(ImageService& images)
    : images_(images), store_(images.store()) {}

void ContainerService::Publish(std::string_view action, const ContainerRecord& c) {
  if (images_.events() == nullptr) return;
  ContainerInfo info = InfoOf(c);
  images_.events()->Publish(ContainerEvent(action, info.id, info.image, info.name, info.labels));
}

std::string ContainerService::NewId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string id;
  id.reserve(64);
  while (id.size() < 64) {
    uint32_t r = rd();
    for (int i = 0; i < 8 && id.size() < 64; ++i, r >>= 4) id.push_back(kHex[r & 0xf]);
  }
  return id;
}

std::string ContainerService::GenerateName(const std::vector<ContainerRecord>& all) {
  std::random_device rd;
  for (int attempt = 0;; ++attempt) {
    std::string name = std::string(kAdjectives[rd() % std::size(kAdjectives)]) + "_" +
                       kSurnames[rd() % std::size(kSurnames)];
    if (attempt >= 5) name += std::to_string(rd() % 10000);
    if (std::none_of(all.begin(), all.end(),
                     [&](const ContainerRecord& c) { return c.name == name; })) {
      return name;
    }
  }
}

absl::StatusOr<ContainerRecord> ContainerService::Find(const std::vector<ContainerRecord>& all,
                                                       std::string_view x) {
  for (const ContainerRecord& c : all) {
    if (c.id == x) return c;
  }
  std::string_view name = x.starts_with('/') ? x.substr(1) : x;
  for (const ContainerRecord& c : all) {
    if (c.name == name) return c;
  }
  if (!x.empty()) {
    const ContainerRecord* found = nullptr;
    for (const ContainerRecord& c : all) {
      if (!c.id.starts_with(x)) continue;
      if (found != nullptr) {
        return absl::InvalidArgumentError("multiple IDs found with provided prefix: " +
                                          std::string(x));
      }
      found = &c;
    }
    if (found != nullptr) return *found;
  }
  return absl::NotFoundError("No such container: " + EchoInput(x));
}

absl::StatusOr<ContainerCreateResult> ContainerService::Create(
    const ContainerCreateRequest& request) {
  std::string name = request.name;
  if (!name.empty()) {
    if (!ValidName(std::string_view(name).substr(name.starts_with('/') ? 1 : 0))) {
      return absl::InvalidArgumentError("Invalid container name (" + name + "), only " +
                                        std::string(kValidNameChars) + " are allowed");
    }
    if (name.starts_with('/')) name.erase(0, 1);
  }
  if (request.image.empty()) return absl::InvalidArgumentError("image name cannot be blank");

  MutexLock lock(&images_.records_mutex());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, store_.containers().ListContainers());
  if (!name.empty()) {
    for (const ContainerRecord& c : all) {
      if (c.name == name) {
        return absl::AlreadyExistsError("Conflict. The container name \"/" + name +
                                        "\" is already in use by container \"" + c.id +
                                        "\". You have to remove (or rename) that container to "
                                        "be able to reuse that name.");
      }
    }
  } else {
    name = GenerateName(all);
  }
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ImageRecord> images, store_.images().ListImages());
  RECLAIM_ASSIGN_OR_RETURN(ImageRecord image, ResolveImage(images, request.image));

  ContainerRecord record;
  record.id = NewId();
  record.name = name;
  record.image = request.image;
  record.image_id = image.target.digest;
  record.labels = request.labels;
  for (auto it = record.labels.begin(); it != record.labels.end();) {
    it = it->first.starts_with(kContainerConfigLabelPrefix) ? record.labels.erase(it) : std::next(it);
  }
  if (!request.cmd.empty()) record.labels[kCmdLabel] = nlohmann::json(request.cmd).dump();
  if (!request.entrypoint.empty()) {
    record.labels[kEntrypointLabel] = nlohmann::json(request.entrypoint).dump();
  }
  if (!request.env.empty()) record.labels[kEnvLabel] = nlohmann::json(request.env).dump();
  RECLAIM_ASSIGN_OR_RETURN(ContainerRecord created, store_.containers().CreateContainer(record));
  Publish("create", created);
  ContainerCreateResult result;
  result.id = created.id;
  return result;
}

absl::StatusOr<std::vector<ContainerInfo>> ContainerService::List() {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, store_.containers().ListContainers());
  std::vector<ContainerInfo> out;
  out.reserve(all.size());
  for (const ContainerRecord& c : all) out.push_back(InfoOf(c));
  std::sort(out.begin(), out.end(), [](const ContainerInfo& a, const ContainerInfo& b) {
    if (a.created != b.created) return a.created > b.created;
    return a.id < b.id;
  });
  return out;
}

absl::StatusOr<ContainerInfo> ContainerService::Inspect(std::string_view id_or_name) {
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, store_.containers().ListContainers());
  RECLAIM_ASSIGN_OR_RETURN(ContainerRecord c, Find(all, id_or_name));
  return InfoOf(c);
}

absl::Status ContainerService::Remove(std::string_view id_or_name, bool /*force*/) {
  if (id_or_name.empty()) return absl::InvalidArgumentError("container name cannot be empty");
  MutexLock lock(&images_.records_mutex());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, store_.containers().ListContainers());
  RECLAIM_ASSIGN_OR_RETURN(ContainerRecord c, Find(all, id_or_name));
  absl::Status s = store_.containers().DeleteContainer(c.id);
  if (absl::IsNotFound(s)) return absl::NotFoundError("No such container: " + EchoInput(id_or_name));
  if (s.ok()) Publish("destroy", c);
  return s;
}

absl::StatusOr<ContainerPruneReport> ContainerService::Prune(const FilterArgs& filters) {
  if (pruning_.exchange(true)) return absl::AbortedError(std::string(kPruneRunningMessage));
  struct Release {
    std::atomic<bool>& flag;
    ~Release() { flag.store(false); }
  } release{pruning_};

  RECLAIM_RETURN_IF_ERROR(filters.Validate({"label", "label!", "until"}));
  std::optional<absl::Time> until;
  const std::vector<std::string> untils = filters.Get("until");
  if (untils.size() > 1) {
    return absl::InvalidArgumentError("more than one until filter specified");
  }
  if (untils.size() == 1) {
    absl::StatusOr<absl::Time> t =
        ParseTimestamp(untils[0], images_.clock().Now(), images_.zone());
    if (!t.ok()) return UntilFilterError(t.status());
    until = *t;
  }

  OperationTimer timer(images_.events(), images_.clock(), "container_prune");
  MutexLock lock(&images_.records_mutex());
  RECLAIM_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, store_.containers().ListContainers());
  ContainerPruneReport report;
  for (const ContainerRecord& c : all) {
    if (until.has_value() && !(c.created_at < *until)) continue;
    const Labels labels = InfoOf(c).labels;
    if (!MatchKVList(filters, "label", labels)) continue;
    if (filters.Contains("label!") && MatchKVList(filters, "label!", labels)) continue;
    absl::Status s = store_.containers().DeleteContainer(c.id);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    report.containers_deleted.push_back(c.id);
    Publish("destroy", c);
  }
  PublishTo(images_.events(), PruneEvent("container", report.space_reclaimed));
  timer.Succeeded(report.space_reclaimed, report.containers_deleted.size());
  return report;
}

}  // namespace reclaim
