// `reclaim image prune`: Docker's prompt, filters and output (specs/prune.md §6,
// specs/docker-api.md §3.8) over the PruneService, plus reclaim's own
// --dry-run, --explain and --wait.
//
//   --dry-run   the plan's report in Docker's exact shape, after a first line
//               `Dry run: nothing was changed.` (text) or as the same JSON
//               (--format json); no prompt, nothing changes. PruneService
//               guarantees the real prune that follows reports the same.
//   --explain   one line per image in sorted stored-name order, `keep` or
//               `prune`, its familiar name (the digest for a dangling record)
//               and the reason, then the totals; implies --dry-run. With
//               --format json: {"Decisions":[...],"ImagesDeleted":...,"SpaceReclaimed":N}.
//   --wait      when another prune holds the store, wait for it instead of
//               failing with `a prune operation is already running`.
// With --format json the report is Docker's JSON plus `LeftoverReclaimed` (bytes
// nothing referenced that the collection also took) and `SnapshotLabelsReleased`
// (the configs whose snapshot label the prune removed, specs/prune.md §5.5).
// Per-image failures print the report, then one `Error: <name>: <message>`
// line each, and exit 1. SIGINT cancels between phases (exit 130): a prune
// cancelled before its delete phase changes nothing.
#include <memory>
#include <mutex>
#include <ostream>

#include "cli/commands.h"
#include "core/human_size.h"
#include "core/reference.h"
#include "docker/prune_json.h"
#include "imageio/names.h"
#include "service/prune/prune_service.h"
#include "service/prune/report.h"

namespace reclaim::cli_internal {
namespace {

constexpr char kDanglingWarning[] =
    "WARNING! This will remove all dangling images.\nAre you sure you want to continue?";
constexpr char kAllImagesWarning[] =
    "WARNING! This will remove all images without at least one container associated to "
    "them.\nAre you sure you want to continue?";

struct ImagePruneFlags {
  bool all = false, force = false, dry_run = false, explain = false, wait = false, quiet = false;
  std::vector<std::string> filters;
};

// The name an explanation shows: the digest for a dangling record, else the
// familiar form of the stored name.
std::string DisplayName(const Decision& d) {
  if (IsDanglingName(d.name, d.target)) return d.target.str();
  return FamiliarizeStoredName(d.name);
}

std::string PadRight(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

int PrintImageErrors(Session& s, const std::vector<ImageError>& errors) {
  for (const ImageError& e : errors) s.err() << "Error: " << ImageErrorLine(e) << "\n";
  return errors.empty() ? kExitOk : kExitError;
}

namespace {

int PrintErrors(Session& s, const PruneResult& r) { return PrintImageErrors(s, r.report.errors); }

int Explain(Session& s, const PruneResult& r) {
  const std::vector<Decision>& decisions = r.plan.decisions;
  size_t pruned = 0;
  for (const Decision& d : decisions) pruned += d.prune ? 1 : 0;
  if (s.Json()) {
    Json all = Json::array();
    for (const Decision& d : decisions) {
      Json j = Json::object();
      j["Name"] = DisplayName(d);
      j["StoredName"] = d.name;
      j["ImageID"] = d.target.str();
      j["Action"] = d.prune ? "prune" : "keep";
      j["Reason"] = std::string(DecisionReasonName(d.reason));
      j["Text"] = d.text;
      if (!d.container_id.empty()) j["Container"] = d.container_id;
      if (d.prune) {
        Json blobs = Json::array();
        for (const Digest& b : d.deleted_blobs) blobs.push_back(b.str());
        j["Deleted"] = blobs;
        j["SpaceReclaimed"] = d.reclaimed_bytes;
      }
      all.push_back(j);
    }
    Json out = Json::object();
    out["Decisions"] = std::move(all);
    // Then the report, as without --explain.
    Json report = ReclaimPruneReportJson(r.report);
    for (auto& [key, value] : report.items()) out[key] = std::move(value);
    s.out() << out.dump() << "\n";
    return kExitOk;
  }
  size_t width = 0;
  for (const Decision& d : decisions) width = std::max(width, DisplayName(d).size());
  for (const Decision& d : decisions) {
    s.out() << PadRight(d.prune ? "prune" : "keep", 7) << PadRight(DisplayName(d), width + 3)
            << d.text << "\n";
  }
  if (!decisions.empty()) s.out() << "\n";
  s.out() << decisions.size() << (decisions.size() == 1 ? " image: " : " images: ") << pruned
          << " to prune, " << decisions.size() - pruned << " to keep\n";
  s.out() << "Total reclaimable space: " << HumanSizeBytes(r.report.space_reclaimed) << "\n";
  for (const Digest& config : r.report.snapshot_labels_released) {
    s.out() << "release snapshot label of config " << config.str()
            << " (held by something other than an image)\n";
  }
  return kExitOk;
}

int ImagePrune(Session& s, const ImagePruneFlags& f) {
  absl::StatusOr<FilterArgs> filters = ParseFilterFlags(f.filters);
  if (!filters.ok()) return s.Usage(std::string(filters.status().message()));
  // The docker CLI always sends `dangling`, whatever --filter says.
  filters->Add("dangling", f.all ? "false" : "true");
  const bool plan_only = f.dry_run || f.explain;
  if (!f.force && !plan_only && !s.Confirm(f.all ? kAllImagesWarning : kDanglingWarning)) {
    return s.Cancelled() ? kExitInterrupted : kExitOk;
  }
  Session::Interruptible interruptible(s);
  if (absl::Status st = s.Open("reclaim image prune", f.wait, true); !st.ok()) {
    return s.Fail(st);
  }
  PruneRequest request;
  request.dry_run = plan_only;
  request.wait = f.wait;
  request.cancel = s.cancel();
  // Images read, then the deletion; counts, not bytes.
  std::unique_ptr<ProgressBar> bar =
      s.Progress("Reading images", "prune", 0, f.quiet, ProgressUnit::kItems);
  std::mutex bar_mu;
  if (bar != nullptr) {
    request.progress = [&](const PruneProgress& p) {
      std::lock_guard<std::mutex> lock(bar_mu);
      if (p.phase == PruneProgress::Phase::kDeleting && p.done == 0) {
        bar->Relabel("Deleting " + std::to_string(p.total) + " images");
      }
      bar->Update(static_cast<int64_t>(p.done), static_cast<int64_t>(p.total));
    };
  }
  absl::StatusOr<PruneResult> r = s.images().prune().Prune(*filters, request);
  if (bar != nullptr) bar->Finish();
  if (!r.ok()) return s.Fail(r.status());
  if (f.explain) return Explain(s, *r);
  if (s.Json()) {
    s.out() << ReclaimPruneReportJson(r->report).dump() << "\n";
  } else {
    if (f.dry_run) s.out() << "Dry run: nothing was changed.\n";
    s.out() << ReportCliText(r->report);
    if (r->report.leftover_reclaimed > 0) {
      s.out() << (f.dry_run ? "Also reclaimable: " : "Also reclaimed ")
              << HumanSizeBytes(r->report.leftover_reclaimed)
              << (f.dry_run ? " that nothing references" : " that nothing referenced")
              << " (left by interrupted loads, pulls or prunes)\n";
    }
  }
  s.out().flush();
  return PrintErrors(s, *r);
}

}  // namespace

absl::StatusOr<PruneStep> ImagePruneStep(Session& s, const FilterArgs& filters, bool wait) {
  PruneRequest request;
  request.wait = wait;
  request.cancel = s.cancel();
  absl::StatusOr<PruneResult> r = s.images().prune().Prune(filters, request);
  if (!r.ok()) return r.status();
  PruneStep step;
  step.json = ImagesPruneReportJson(r->report);
  if (!r->report.images_deleted.empty()) {
    step.text = "Deleted Images:\n";
    for (const ReportItem& item : r->report.images_deleted) {
      step.text += item.untagged.empty() ? "deleted: " + item.deleted + "\n"
                                         : "untagged: " + item.untagged + "\n";
    }
    step.space = r->report.space_reclaimed;
  }
  step.errors = r->report.errors;
  return step;
}

void AddImagePruneCommand(CLI::App& image, Session& s, int& status) {
  auto* prune = image.add_subcommand("prune", "Remove unused images");
  auto f = std::make_shared<ImagePruneFlags>();
  prune->add_flag("-a,--all", f->all, "Remove all unused images, not just dangling ones");
  prune->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
  prune->add_option("--filter", f->filters,
                    "Provide filter values (e.g. \"until=<timestamp>\", \"label=k=v\", "
                    "\"label!=k\")")
      ->allow_extra_args(false);
  prune->add_flag("--dry-run", f->dry_run,
                  "Print what would be pruned, in the same shape, and change nothing");
  prune->add_flag("--explain", f->explain,
                  "Print the decision and its reason for every image (implies --dry-run)");
  prune->add_flag("--wait", f->wait,
                  "Wait for a running prune to finish instead of failing");
  prune->add_flag("-q,--quiet", f->quiet, "Suppress the progress display");
  prune->callback([&s, &status, f] { status = ImagePrune(s, *f); });
}

}  // namespace reclaim::cli_internal
