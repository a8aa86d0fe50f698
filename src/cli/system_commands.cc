// `reclaim system df [-v]` and `reclaim system prune [-a] [-f]`, printed as
// `docker system df` and `docker system prune` print them (specs/docker-api.md
// §3.12, §3.18). reclaim has no volumes, networks or build cache: those rows
// and sections are always empty, as the docker CLI shows them for a daemon
// without any.
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/table.h"
#include "core/human_size.h"
#include "core/reference.h"
#include "nlohmann/json.hpp"
#include "service/system_df.h"

namespace reclaim::cli_internal {
namespace {

bool Active(const ContainerInfo& c) {
  return c.state.find("running") != std::string::npos ||
         c.state.find("paused") != std::string::npos ||
         c.state.find("restarting") != std::string::npos;
}

// "X (P%)" when the total is positive, else "X" (the docker CLI's Reclaimable()).
std::string Reclaimable(int64_t reclaimable, int64_t total) {
  std::string out = HumanSize(static_cast<double>(reclaimable));
  if (total > 0) out += " (" + std::to_string(reclaimable * 100 / total) + "%)";
  return out;
}

struct Summary {
  std::string type, total, active, size, reclaimable;
};

std::vector<Summary> Summarize(const SystemDf& df) {
  int64_t active_images = 0;
  int64_t used = 0;
  for (const ImageSummary& i : df.images) {
    if (i.containers > 0) ++active_images;
    if (i.containers != 0) {
      if (i.size == -1 || i.shared_size == -1) continue;
      used += i.size - i.shared_size;
    }
  }
  int64_t active_containers = 0, container_size = 0, container_reclaimable = 0;
  for (const SystemDfContainer& c : df.containers) {
    if (Active(c.info)) {
      ++active_containers;
    } else {
      container_reclaimable += c.size_rw;
    }
    container_size += c.size_rw;
  }
  return {
      {"Images", std::to_string(df.images.size()), std::to_string(active_images),
       HumanSize(static_cast<double>(df.layers_size)),
       Reclaimable(df.layers_size - used, df.layers_size)},
      {"Containers", std::to_string(df.containers.size()), std::to_string(active_containers),
       HumanSize(static_cast<double>(container_size)),
       Reclaimable(container_reclaimable, container_size)},
      {"Local Volumes", "0", "0", "0B", "0B"},
      {"Build Cache", "0", "0", "0B", "0B"},
  };
}

// Repository and tag of an image in `df -v`: its first RepoTag only.
std::pair<std::string, std::string> FirstTag(const ImageSummary& i) {
  if (!i.repo_tags.empty()) {
    absl::StatusOr<Reference> ref = ParseNormalizedNamed(i.repo_tags.front());
    if (ref.ok() && ref->HasTag()) return {ref->FamiliarName(), ref->Tag()};
  }
  return {"<none>", "<none>"};
}

std::string ContainerSize(const SystemDfContainer& c) {
  std::string out = HumanSizeWithPrecision(static_cast<double>(c.size_rw), 3);
  if (c.size_root_fs > 0) {
    out += " (virtual " + HumanSizeWithPrecision(static_cast<double>(c.size_root_fs), 3) + ")";
  }
  return out;
}

int SystemDfCmd(Session& s, bool verbose) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  absl::StatusOr<SystemDf> df = ComputeSystemDf(s.images(), s.containers());
  if (!df.ok()) return s.Fail(df.status());
  const absl::Time now = s.Now();
  auto created_of = [](absl::Time t) { return absl::FromUnixSeconds(absl::ToUnixSeconds(t)); };

  // Content and snapshots no image, container or lease references: any
  // prune frees them (reclaim's own line; Docker's API shapes stay Docker's).
  absl::StatusOr<uint64_t> unreferenced = s.images().prune().UnreferencedBytes(s.cancel());
  if (!unreferenced.ok()) return s.Fail(unreferenced.status());
  if (!verbose) {
    const std::vector<Summary> rows = Summarize(*df);
    if (s.Json()) {
      for (const Summary& r : rows) {
        s.out() << nlohmann::json({{"Active", r.active},
                                   {"Reclaimable", r.reclaimable},
                                   {"Size", r.size},
                                   {"TotalCount", r.total},
                                   {"Type", r.type}})
                       .dump()
                << "\n";
      }
      s.out() << nlohmann::json({{"Reclaimable", HumanSizeBytes(*unreferenced)},
                                 {"ReclaimableBytes", *unreferenced},
                                 {"Type", "Unreferenced"}})
                     .dump()
              << "\n";
      return kExitOk;
    }
    Table t({"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
    for (const Summary& r : rows) t.Add({r.type, r.total, r.active, r.size, r.reclaimable});
    t.Print(s.out());
    if (*unreferenced > 0) {
      s.out() << "\nUnreferenced content: " << HumanSizeBytes(*unreferenced)
              << " (left by interrupted loads, pulls or prunes; any prune reclaims it)\n";
    }
    return kExitOk;
  }

  absl::StatusOr<std::vector<ImageRecord>> records = s.store().images().ListImages();
  if (!records.ok()) return s.Fail(records.status());
  std::vector<std::vector<std::string>> image_rows, container_rows;
  for (const ImageSummary& i : df->images) {
    auto [repo, tag] = FirstTag(i);
    image_rows.push_back(
        {repo, tag, TruncateId(i.id.str()), Ago(now, created_of(i.created)),
         HumanSizeWithPrecision(static_cast<double>(i.size), 3),
         i.shared_size < 0 ? "N/A" : HumanSize(static_cast<double>(i.shared_size)),
         i.shared_size < 0 ? "N/A" : HumanSize(static_cast<double>(i.size - i.shared_size)),
         i.containers < 0 ? "N/A" : std::to_string(i.containers)});
  }
  for (const SystemDfContainer& c : df->containers) {
    container_rows.push_back({TruncateId(c.info.id), ContainerImageColumn(*records, c.info, true),
                              ContainerCommandColumn(c.info, true), "0", ContainerSize(c),
                              Ago(now, created_of(c.info.created)), c.info.status, c.info.name});
  }
  if (s.Json()) {
    static const char* kImageKeys[] = {"Repository", "Tag",        "ID",         "CreatedSince",
                                       "Size",       "SharedSize", "UniqueSize", "Containers"};
    static const char* kContainerKeys[] = {"ID",   "Image",      "Command", "LocalVolumes",
                                           "Size", "RunningFor", "Status",  "Names"};
    nlohmann::json j = {{"Images", nlohmann::json::array()},
                        {"Containers", nlohmann::json::array()},
                        {"Volumes", nlohmann::json::array()},
                        {"BuildCache", nlohmann::json::array()}};
    for (const auto& row : image_rows) {
      nlohmann::json o;
      for (size_t k = 0; k < row.size(); ++k) o[kImageKeys[k]] = row[k];
      j["Images"].push_back(o);
    }
    for (const auto& row : container_rows) {
      nlohmann::json o;
      for (size_t k = 0; k < row.size(); ++k) o[kContainerKeys[k]] = row[k];
      j["Containers"].push_back(o);
    }
    s.out() << j.dump() << "\n";
    return kExitOk;
  }
  s.out() << "Images space usage:\n\n";
  Table images({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE",
                "CONTAINERS"});
  for (auto& row : image_rows) images.Add(std::move(row));
  images.Print(s.out());
  s.out() << "\nContainers space usage:\n\n";
  Table containers({"CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED",
                    "STATUS", "NAMES"});
  for (auto& row : container_rows) containers.Add(std::move(row));
  containers.Print(s.out());
  s.out() << "\nLocal Volumes space usage:\n\n";
  Table({"VOLUME NAME", "LINKS", "SIZE"}).Print(s.out());
  s.out() << "\nBuild cache usage: 0B\n\n";
  Table({"CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"})
      .Print(s.out());
  return kExitOk;
}

std::string SystemPruneWarning(bool all) {
  std::string m = "WARNING! This will remove:\n";
  m += "  - all stopped containers\n";
  m += "  - all networks not used by at least one container\n";
  m += all ? "  - all images without at least one container associated to them\n"
           : "  - all dangling images\n";
  m += all ? "  - all build cache\n" : "  - unused build cache\n";
  m += "\nAre you sure you want to continue?";
  return m;
}

int SystemPrune(Session& s, bool all, bool force) {
  if (!force && !s.Confirm(SystemPruneWarning(all))) {
    return s.Cancelled() ? kExitInterrupted : kExitOk;
  }
  Session::Interruptible interruptible(s);
  if (absl::Status st = s.Open("reclaim system prune", false, true); !st.ok()) return s.Fail(st);
  uint64_t total = 0;
  Json json = Json::object();
  json["ContainersDeleted"] = nullptr;
  json["ImagesDeleted"] = nullptr;
  json["SpaceReclaimed"] = 0;
  // Containers first, then images, as the docker CLI's order of requests;
  // networks and build cache have nothing to remove. A failing step stops
  // the command after what earlier steps printed.
  absl::StatusOr<PruneStep> containers = ContainerPruneStep(s, FilterArgs());
  if (!containers.ok()) return s.Fail(containers.status());
  total += containers->space;
  json["ContainersDeleted"] = containers->json["ContainersDeleted"];
  if (!s.Json() && !containers->text.empty()) s.out() << containers->text << "\n";

  FilterArgs image_filters;
  image_filters.Add("dangling", all ? "false" : "true");
  absl::StatusOr<PruneStep> images = ImagePruneStep(s, image_filters, false);
  if (!images.ok()) {
    if (s.Json()) s.out() << json.dump() << "\n";
    return s.Fail(images.status());
  }
  total += images->space;
  json["ImagesDeleted"] = images->json["ImagesDeleted"];
  json["SpaceReclaimed"] = total;
  if (s.Json()) {
    s.out() << json.dump() << "\n";
  } else {
    if (!images->text.empty()) s.out() << images->text << "\n";
    s.out() << "Total reclaimed space: " << HumanSizeBytes(total) << "\n";
  }
  s.out().flush();
  return PrintImageErrors(s, images->errors);
}

}  // namespace

void AddSystemCommands(CLI::App& system, Session& s, int& status) {
  auto* df = system.add_subcommand("df", "Show disk usage");
  auto verbose = std::make_shared<bool>(false);
  df->add_flag("-v,--verbose", *verbose, "Show detailed information on space usage");
  df->callback([&s, &status, verbose] { status = SystemDfCmd(s, *verbose); });

  auto* prune = system.add_subcommand("prune", "Remove unused data");
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  prune->add_flag("-a,--all", *all, "Remove all unused images, not just dangling ones");
  prune->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  prune->callback([&s, &status, all, force] { status = SystemPrune(s, *all, *force); });
}

}  // namespace reclaim::cli_internal
