// Property-style test of PlanPrune over random stores: random graphs with
// shared layers, indexes, attestations, absent blobs and orphans; random
// image records (tagged, dangling, mismatched); random containers created the
// way Docker creates them (Config.Image resolved to ImageID at creation); random
// options.
#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "service/prune/inventory_builder_for_test.h"
#include "service/prune/plan.h"

namespace reclaim {
namespace {

using ::reclaim::prune_testing::InventoryBuilder;
using ::reclaim::prune_testing::kT0;

class Random {
 public:
  explicit Random(uint32_t seed) : gen_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(gen_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Int(0, static_cast<int>(v.size()) - 1))];
  }

 private:
  std::mt19937 gen_;
};

struct Scenario {
  Inventory inventory;
  PruneOptions options;
};

Scenario MakeScenario(uint32_t seed) {
  Random r(seed);
  InventoryBuilder b;
  const std::string s = std::to_string(seed) + "/";

  std::vector<Descriptor> layers;
  for (int i = 0, n = r.Int(2, 8); i < n; ++i) {
    layers.push_back(b.Layer(s + "l" + std::to_string(i), r.Int(1, 5000)));
  }
  const std::vector<Labels> label_sets = {{}, {{"k", "v"}}, {{"k", "w"}}, {{"a", "1"}}};
  std::vector<Descriptor> manifests;
  for (int i = 0, n = r.Int(1, 6); i < n; ++i) {
    std::vector<Descriptor> mine;
    for (int j = 0, m = r.Int(1, 3); j < m; ++j) mine.push_back(r.Pick(layers));
    const std::string id = s + "m" + std::to_string(i);
    const Descriptor config = b.Config(id, r.Pick(label_sets), mine, r.Int(1, 50));
    for (const std::string& chain : b.ChainIds(config)) b.SnapshotSize(chain, r.Int(0, 9000));
    Descriptor manifest = b.Manifest(id, config, mine, r.Int(1, 90));
    if (r.Chance(0.1)) b.Absent(config);
    manifests.push_back(manifest);
  }
  std::vector<Descriptor> targets = manifests;
  for (int i = 0, n = r.Int(0, 3); i < n; ++i) {
    std::vector<Descriptor> entries;
    for (int j = 0, m = r.Int(1, 3); j < m; ++j) {
      Descriptor e = r.Pick(manifests);
      if (r.Chance(0.2)) e = InventoryBuilder::AsAttestation(e);
      entries.push_back(e);
    }
    targets.push_back(b.Index(s + "i" + std::to_string(i), entries, r.Int(1, 90)));
  }
  for (const Descriptor& m : manifests) {
    if (r.Chance(0.1)) b.Absent(m);
  }
  for (const Descriptor& l : layers) {
    if (r.Chance(0.1)) b.Absent(l);
  }
  if (r.Chance(0.3)) b.Orphan(s + "orphan", r.Int(1, 100));

  // Image records.
  struct Rec {
    std::string name;
    Descriptor target;
    bool dangling;
    std::string repo;  // familiar repo, for tagged records
    std::string tag;
  };
  std::vector<Rec> records;
  std::set<std::string> names;
  for (int i = 0, n = r.Int(1, 10); i < n; ++i) {
    const Descriptor& target = r.Pick(targets);
    Rec rec;
    rec.target = target;
    const int kind = r.Int(0, 9);
    if (kind < 2) {
      rec.name = std::string(kDanglingPrefix) + target.digest.str();
      rec.dangling = true;
    } else if (kind == 2) {
      rec.name = std::string(kDanglingPrefix) + r.Pick(targets).digest.str();  // maybe mismatched
      rec.dangling = rec.name == std::string(kDanglingPrefix) + target.digest.str();
    } else {
      rec.repo = "r" + std::to_string(r.Int(0, 3));
      rec.tag = r.Chance(0.3) ? "latest" : "t" + std::to_string(r.Int(0, 5));
      rec.name = "docker.io/library/" + rec.repo + ":" + rec.tag;
      rec.dangling = false;
    }
    if (!names.insert(rec.name).second) continue;
    records.push_back(rec);
    b.Image(rec.name, target, kT0 + absl::Minutes(r.Int(-60, 60)));
    if (r.Chance(0.05)) b.WalkError(rec.name, absl::DataLossError("random walk error"));
  }

  // Containers, consistent with the store at creation.
  for (int i = 0, n = r.Int(0, 4); i < n; ++i) {
    const Rec& rec = r.Pick(records);
    const Digest& d = rec.target.digest;
    std::vector<std::string> forms = {d.str(), std::string(d.hex()),
                                      std::string(d.hex().substr(0, 12)),
                                      "sha256:" + std::string(d.hex().substr(0, 5))};
    if (!rec.dangling && rec.repo.size() > 0) {
      forms.push_back(rec.repo + ":" + rec.tag);
      forms.push_back(rec.repo + ":" + rec.tag + "@" + d.str());
      forms.push_back(rec.repo + "@" + d.str());
      forms.push_back("elsewhere/repo@" + d.str());
      if (rec.tag == "latest") forms.push_back(rec.repo);
    }
    b.Container("ctr" + std::to_string(i), r.Pick(forms), d);
  }

  Scenario out;
  out.inventory = b.Build();
  out.options.now = kT0 + absl::Hours(1);
  out.options.dangling_only = r.Chance(0.4);
  if (r.Chance(0.3)) out.options.until.push_back(kT0 + absl::Minutes(r.Int(-30, 30)));
  if (r.Chance(0.3)) {
    const std::vector<LabelCheck> checks = {
        {"k", "", true, false}, {"k", "v", false, true}, {"a", "", true, true}};
    out.options.label_checks.push_back(r.Pick(checks));
  }
  return out;
}

TEST(PlanPrunePropertyTest, RandomStores) {
  int total_pruned = 0;
  int total_deleted_items = 0;
  int total_protected = 0;
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Scenario sc = MakeScenario(seed);
    const Inventory& inv = sc.inventory;
    const Plan plan = PlanPrune(inv, sc.options);

    ASSERT_EQ(plan.decisions.size(), inv.images.size());
    for (const Decision& decision : plan.decisions) {
      if (decision.reason == DecisionReason::kUsedByName ||
          decision.reason == DecisionReason::kDanglingRecordInUse ||
          decision.reason == DecisionReason::kLastTagOfUsedDigest) {
        ++total_protected;
      }
    }
    std::set<std::string> pruned_names;
    for (const PlannedDeletion& d : plan.deletions) pruned_names.insert(d.name);
    total_pruned += static_cast<int>(pruned_names.size());

    // 1. Nothing reachable from a kept image or a container's image is removed.
    std::set<Digest> protected_blobs;
    std::set<Digest> container_targets;
    for (const ContainerRecord& c : inv.containers) container_targets.insert(c.image_id);
    for (const ImageInventory& image : inv.images) {
      const bool kept = !pruned_names.contains(image.record.name);
      if (kept || container_targets.contains(image.record.target.digest)) {
        for (const Descriptor& d : image.descriptors()) protected_blobs.insert(d.digest);
      }
      if (container_targets.contains(image.record.target.digest)) {
        // Some record of every container's image survives.
        bool survives = false;
        for (const ImageInventory& other : inv.images) {
          survives |= other.record.target.digest == image.record.target.digest &&
                      !pruned_names.contains(other.record.name);
        }
        EXPECT_TRUE(survives) << image.record.target.digest.str();
      }
    }
    for (const Digest& d : protected_blobs) {
      EXPECT_FALSE(plan.predicted_removed_blobs.contains(d)) << d.str();
    }

    // 2. Report: each vanished blob once, under the last pruned image that
    //    holds it; bytes are the sum of what is attributed.
    std::map<std::string, const ImageInventory*> by_name;
    for (const ImageInventory& image : inv.images) by_name[image.record.name] = &image;
    std::set<std::string> listed;
    uint64_t bytes = 0;
    size_t item = 0;
    std::set<Digest> reachable_from_pruned;
    for (size_t i = 0; i < plan.deletions.size(); ++i) {
      const PlannedDeletion& del = plan.deletions[i];
      const ImageInventory& image = *by_name.at(del.name);
      std::set<Digest> mine;
      for (const Descriptor& d : image.descriptors()) mine.insert(d.digest);
      reachable_from_pruned.insert(mine.begin(), mine.end());
      ASSERT_LT(item, plan.report.images_deleted.size());
      EXPECT_FALSE(plan.report.images_deleted[item].untagged.empty());
      ++item;
      while (item < plan.report.images_deleted.size() &&
             !plan.report.images_deleted[item].deleted.empty()) {
        const std::string& digest = plan.report.images_deleted[item].deleted;
        ++total_deleted_items;
        EXPECT_TRUE(listed.insert(digest).second) << "listed twice: " << digest;
        absl::StatusOr<Digest> parsed = Digest::Parse(digest);
        ASSERT_TRUE(parsed.ok());
        EXPECT_TRUE(mine.contains(*parsed));
        EXPECT_TRUE(plan.predicted_removed_blobs.contains(*parsed));
        for (size_t j = i + 1; j < plan.deletions.size(); ++j) {
          for (const Descriptor& d : by_name.at(plan.deletions[j].name)->descriptors()) {
            EXPECT_NE(d.digest, *parsed) << "not attributed to the last image";
          }
        }
        bytes += static_cast<uint64_t>(inv.content_sizes.at(*parsed));
        ++item;
      }
    }
    EXPECT_EQ(item, plan.report.images_deleted.size());
    std::set<std::string> snapshots;
    for (const Decision& decision : plan.decisions) {
      for (const std::string& chain : decision.deleted_snapshots) {
        EXPECT_TRUE(decision.prune);
        EXPECT_TRUE(snapshots.insert(chain).second) << "snapshot counted twice: " << chain;
        bytes += static_cast<uint64_t>(inv.snapshot_sizes.at(chain));
      }
    }
    EXPECT_EQ(plan.report.space_reclaimed, bytes);
    // Every vanished blob a pruned image reaches is listed; the rest is "other".
    for (const Digest& d : plan.predicted_removed_blobs) {
      EXPECT_EQ(listed.contains(d.str()), reachable_from_pruned.contains(d)) << d.str();
    }
    std::set<std::string> other;
    for (const CollectableBlob& c : plan.other_collectable_blobs) other.insert(c.digest);
    for (const Digest& d : plan.predicted_removed_blobs) {
      EXPECT_NE(listed.contains(d.str()), other.contains(d.str())) << d.str();
    }

    // 3. Attributing again what executing exactly the plan removes reproduces
    //    the plan's report. A removed blob that no image reaches (as another
    //    client's leftovers would be) keeps BuildReport from taking the outcome
    //    as planned and returning the plan's report as it is; an outcome in
    //    another order is not taken as planned either.
    std::vector<ImageDeletion> outcome;
    for (const std::string& n : plan.NamesToDelete()) outcome.push_back({n, absl::OkStatus()});
    std::set<Digest> removed = plan.predicted_removed_blobs;
    removed.insert(Digest::Sha256Of("removed, reached by no image"));
    EXPECT_EQ(BuildReport(plan, outcome, removed, plan.predicted_removed_snapshots), plan.report);
    std::reverse(outcome.begin(), outcome.end());
    EXPECT_EQ(
        BuildReport(plan, outcome, plan.predicted_removed_blobs, plan.predicted_removed_snapshots),
        plan.report);

    // 4. The records of one target sharing one walk (as gathered), and an
    //    inventory given up to the planner, give the same plan.
    Inventory shared = inv;
    std::map<Digest, std::shared_ptr<const TargetWalk>> first;
    for (ImageInventory& image : shared.images) {
      image.walk = first.try_emplace(image.record.target.digest, image.walk).first->second;
    }
    const Plan from_shared = PlanPrune(shared, sc.options);
    const Plan from_given_up = PlanPrune(std::move(shared), sc.options);
    for (const Plan* other_plan : {&from_shared, &from_given_up}) {
      const Plan& other = *other_plan;
      EXPECT_EQ(other.decisions, plan.decisions);
      EXPECT_EQ(other.deletions, plan.deletions);
      EXPECT_EQ(other.blob_sizes, plan.blob_sizes);
      EXPECT_EQ(other.snapshot_sizes, plan.snapshot_sizes);
      EXPECT_EQ(other.predicted_removed_blobs, plan.predicted_removed_blobs);
      EXPECT_EQ(other.predicted_removed_snapshots, plan.predicted_removed_snapshots);
      EXPECT_EQ(other.other_collectable_blobs, plan.other_collectable_blobs);
      EXPECT_EQ(other.other_collectable_snapshots, plan.other_collectable_snapshots);
      EXPECT_EQ(other.report, plan.report);
    }
  }
  // The generator exercises the interesting paths.
  EXPECT_GT(total_pruned, 200) << total_pruned;
  EXPECT_GT(total_deleted_items, 300) << total_deleted_items;
  EXPECT_GT(total_protected, 100) << total_protected;
}

}  // namespace
}  // namespace reclaim
