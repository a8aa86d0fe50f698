// `reclaim container create|ls|rm|prune`, printed as `docker create`, `docker
// ps`, `docker rm` and `docker container prune` print (specs/docker-api.md
// §3.13-§3.17). reclaim records containers and never runs them: every
// container is "Created", so `container ls` without -a lists none, as `docker
// ps` lists no created container.
#include <algorithm>
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/table.h"
#include "core/human_size.h"
#include "docker/container_json.h"
#include "nlohmann/json.hpp"

namespace reclaim::cli_internal {
namespace {

constexpr char kContainerPruneWarning[] =
    "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?";

bool Running(const ContainerInfo& c) {
  return c.state == "running" || c.state == "paused" || c.state == "restarting";
}

// ---- create

struct CreateFlags {
  std::string name;
  std::vector<std::string> labels;
  std::vector<std::string> env;
  std::string entrypoint;
};

int ContainerCreate(Session& s, const CreateFlags& f, const std::vector<std::string>& args) {
  if (args.empty()) return s.Usage("\"reclaim container create\" requires at least 1 argument.");
  ContainerCreateRequest req;
  req.name = f.name;
  req.image = args.front();
  req.cmd.assign(args.begin() + 1, args.end());
  req.env = f.env;
  if (!f.entrypoint.empty()) req.entrypoint = {f.entrypoint};
  for (const std::string& l : f.labels) {
    const size_t eq = l.find('=');
    req.labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  absl::StatusOr<ContainerCreateResult> r = s.containers().Create(req);
  if (!r.ok()) return s.Fail(r.status());
  for (const std::string& w : r->warnings) s.err() << "WARNING: " << w << "\n";
  if (s.Json()) {
    s.out() << ContainerCreateResponseJson(*r).dump() << "\n";
  } else {
    s.out() << r->id << "\n";
  }
  return kExitOk;
}

// ---- ls

struct LsFlags {
  bool all = false, quiet = false, no_trunc = false;
};

int ContainerLs(Session& s, const LsFlags& f) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  absl::StatusOr<std::vector<ContainerInfo>> list = s.containers().List();
  if (!list.ok()) return s.Fail(list.status());
  absl::StatusOr<std::vector<ImageRecord>> images = s.store().images().ListImages();
  if (!images.ok()) return s.Fail(images.status());
  std::vector<const ContainerInfo*> shown;
  for (const ContainerInfo& c : *list) {
    if (f.all || Running(c)) shown.push_back(&c);
  }
  const bool trunc = !f.no_trunc;
  const absl::Time now = s.Now();
  auto id_of = [&](const ContainerInfo& c) { return trunc ? TruncateId(c.id) : c.id; };
  if (s.Json()) {
    for (const ContainerInfo* c : shown) {
      std::string labels;
      for (const auto& [k, v] : c->labels) {
        if (!labels.empty()) labels += ",";
        labels += k + "=" + v;
      }
      const absl::Time created = absl::FromUnixSeconds(absl::ToUnixSeconds(c->created));
      nlohmann::json j = {{"Command", ContainerCommandColumn(*c, trunc)},
                          {"CreatedAt", GoTimeString(created, s.zone())},
                          {"ID", id_of(*c)},
                          {"Image", ContainerImageColumn(*images, *c, trunc)},
                          {"Labels", labels},
                          {"LocalVolumes", "0"},
                          {"Mounts", ""},
                          {"Names", c->name},
                          {"Networks", ""},
                          {"Ports", ""},
                          {"RunningFor", Ago(now, created)},
                          {"Size", "0B"},
                          {"State", c->state},
                          {"Status", c->status}};
      s.out() << j.dump() << "\n";
    }
    return kExitOk;
  }
  if (f.quiet) {
    for (const ContainerInfo* c : shown) s.out() << id_of(*c) << "\n";
    return kExitOk;
  }
  Table t({"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"});
  for (const ContainerInfo* c : shown) {
    t.Add({id_of(*c), ContainerImageColumn(*images, *c, trunc), ContainerCommandColumn(*c, trunc),
           Ago(now, absl::FromUnixSeconds(absl::ToUnixSeconds(c->created))), c->status, "",
           c->name});
  }
  t.Print(s.out());
  return kExitOk;
}

// ---- rm

int ContainerRm(Session& s, const std::vector<std::string>& names, bool force) {
  if (absl::Status st = s.Open(); !st.ok()) return s.Fail(st);
  int status = kExitOk;
  for (const std::string& n : names) {
    absl::Status r = s.containers().Remove(n, force);
    if (r.ok()) {
      s.out() << n << "\n";
      continue;
    }
    s.Fail(r);
    // docker rm -f: a missing container is reported but is not a failure.
    if (!(force && absl::IsNotFound(r))) status = kExitError;
  }
  return status;
}

// ---- prune

struct PruneFlags {
  bool force = false;
  std::vector<std::string> filters;
};

int ContainerPrune(Session& s, const PruneFlags& f) {
  absl::StatusOr<FilterArgs> filters = ParseFilterFlags(f.filters);
  if (!filters.ok()) return s.Usage(std::string(filters.status().message()));
  if (!f.force && !s.Confirm(kContainerPruneWarning)) {
    return s.Cancelled() ? kExitInterrupted : kExitOk;
  }
  if (absl::Status st = s.Open("reclaim container prune", false, true); !st.ok()) {
    return s.Fail(st);
  }
  absl::StatusOr<PruneStep> step = ContainerPruneStep(s, *filters);
  if (!step.ok()) return s.Fail(step.status());
  if (s.Json()) {
    s.out() << step->json.dump() << "\n";
    return kExitOk;
  }
  if (!step->text.empty()) s.out() << step->text << "\n";
  s.out() << "Total reclaimed space: " << HumanSizeBytes(step->space) << "\n";
  return kExitOk;
}

}  // namespace

absl::StatusOr<PruneStep> ContainerPruneStep(Session& s, const FilterArgs& filters) {
  absl::StatusOr<ContainerPruneReport> r = s.containers().Prune(filters);
  if (!r.ok()) return r.status();
  PruneStep step;
  step.json = ContainersPruneReportJson(*r);
  if (!r->containers_deleted.empty()) {
    step.text = "Deleted Containers:\n";
    for (const std::string& id : r->containers_deleted) step.text += id + "\n";
    step.space = r->space_reclaimed;
  }
  return step;
}

void AddContainerCommands(CLI::App& container, Session& s, int& status) {
  auto* create = container.add_subcommand("create", "Create a new container record");
  auto cf = std::make_shared<CreateFlags>();
  create->add_option("--name", cf->name, "Assign a name to the container");
  create->add_option("-l,--label", cf->labels, "Set meta data on a container (k=v)")
      ->allow_extra_args(false);
  create->add_option("-e,--env", cf->env, "Set environment variables")->allow_extra_args(false);
  create->add_option("--entrypoint", cf->entrypoint, "Overwrite the default ENTRYPOINT");
  // IMAGE [COMMAND] [ARG...]: RunCli puts a "--" before the image (see
  // MarkContainerCommand), so options of the command stay the command's.
  auto args = std::make_shared<std::vector<std::string>>();
  create->add_option("image", *args, "IMAGE [COMMAND] [ARG...]")->required();
  create->callback([&s, &status, cf, args] { status = ContainerCreate(s, *cf, *args); });

  auto* ls = container.add_subcommand("ls", "List containers");
  ls->alias("list");
  ls->alias("ps");
  auto lf = std::make_shared<LsFlags>();
  ls->add_flag("-a,--all", lf->all, "Show all containers (default shows just running)");
  ls->add_flag("-q,--quiet", lf->quiet, "Only display container IDs");
  ls->add_flag("--no-trunc", lf->no_trunc, "Don't truncate output");
  ls->callback([&s, &status, lf] { status = ContainerLs(s, *lf); });

  auto* rm = container.add_subcommand("rm", "Remove one or more containers");
  rm->alias("remove");
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  rm->add_option("containers", *names, "Containers (ID, ID prefix or name)")->required();
  rm->add_flag("-f,--force", *force, "Force the removal");
  rm->callback([&s, &status, names, force] { status = ContainerRm(s, *names, *force); });

  auto* prune = container.add_subcommand("prune", "Remove all stopped containers");
  auto pf = std::make_shared<PruneFlags>();
  prune->add_flag("-f,--force", pf->force, "Do not prompt for confirmation");
  prune->add_option("--filter", pf->filters, "Provide filter values (e.g. \"until=<timestamp>\")")
      ->allow_extra_args(false);
  prune->callback([&s, &status, pf] { status = ContainerPrune(s, *pf); });
}

std::vector<std::string> MarkContainerCommand(const std::vector<std::string>& args) {
  // Options that take a value, of the app and of `container create`.
  static const std::vector<std::string> kGlobalValued = {"--root", "--format"};
  static const std::vector<std::string> kCreateValued = {"--name", "-l", "--label", "-e",
                                                         "--env", "--entrypoint", "--root",
                                                         "--format"};
  auto valued = [](const std::vector<std::string>& list, const std::string& a) {
    return std::find(list.begin(), list.end(), a) != list.end();
  };
  // The first two positionals must be `container create`.
  size_t i = 0;
  int seen = 0;
  for (; i < args.size() && seen < 2; ++i) {
    const std::string& a = args[i];
    if (a.starts_with("-")) {
      if (valued(kGlobalValued, a)) ++i;
      continue;
    }
    if ((seen == 0 && a != "container") || (seen == 1 && a != "create")) return args;
    ++seen;
  }
  if (seen < 2) return args;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return args;
    if (a.starts_with("-")) {
      if (valued(kCreateValued, a)) ++i;
      continue;
    }
    std::vector<std::string> out(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back("--");
    out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    return out;
  }
  return args;
}

}  // namespace reclaim::cli_internal
