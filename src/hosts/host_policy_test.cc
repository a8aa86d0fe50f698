#include "hosts/host_policy.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/prune/inventory_builder_for_test.h"
#include "service/prune/plan.h"

namespace reclaim {
namespace {

using prune_testing::InventoryBuilder;
using prune_testing::kT0;
using ::testing::HasSubstr;

const std::string kCtr1(64, '1');
const std::string kCtr2(64, '2');

std::string CriMetadata(const std::string& id, const Digest& config) {
  return R"({"Version":"v1","Metadata":{"ID":")" + id +
         R"(","Name":"app","SandboxID":"s1","Config":{},"ImageRef":")" + config.str() +
         R"(","LogPath":"","StopSignal":"","ProcessLabel":""}})";
}

ContainerRecord CriContainer(const std::string& id, const Digest& config) {
  ContainerRecord c;
  c.id = id;
  c.name = id;
  c.labels = {{"io.cri-containerd.kind", "container"},
              {"io.kubernetes.pod.namespace", "default"},
              {"io.kubernetes.pod.name", "web"},
              {"io.kubernetes.container.name", "app"}};
  c.extensions[std::string(kCriContainerMetadata)] = {
      "github.com/containerd/cri/pkg/store/container/Metadata", CriMetadata(id, config)};
  return c;
}

// The three records CRI's PullImage writes for `repo:tag`.
void CriImage(InventoryBuilder& b, const std::string& repo_tag, const std::string& repo,
              const Descriptor& manifest, const Digest& config, absl::Time created = kT0) {
  b.Image(repo_tag, manifest, created);
  b.Image(repo + "@" + manifest.digest.str(), manifest, created);
  b.Image(config.str(), manifest, created);
}

HostPolicy Policy(HostKind kind, absl::Duration min_age = absl::ZeroDuration()) {
  HostPolicyOptions o;
  o.host.kind = kind;
  o.min_age = min_age;
  o.snapshotter = "overlayfs";
  return HostPolicy(o);
}

PruneOptions All(absl::Time now = kT0 + absl::Hours(1)) {
  PruneOptions o;
  o.dangling_only = false;
  o.now = now;
  return o;
}

Plan PlanOn(const HostPolicy& policy, Inventory inv, PruneOptions options,
            const std::vector<Lease>& leases = {}, const std::vector<SnapshotUsage>& snaps = {}) {
  absl::StatusOr<HostPlanInputs> in = policy.InputsFrom(inv, leases, snaps);
  EXPECT_TRUE(in.ok()) << in.status();
  if (!in.ok()) return Plan{};
  inv.containers = in->containers;
  options.dangling_rule = in->dangling_rule;
  return PlanPrune(inv, options, in->stages);
}

const Decision& Find(const Plan& plan, const std::string& name) {
  for (const Decision& d : plan.decisions) {
    if (d.name == name) return d;
  }
  ADD_FAILURE() << "no decision for " << name;
  static const Decision kNone;
  return kNone;
}

TEST(ChooseHost, FromNamespaceOrFlag) {
  EXPECT_EQ(ChooseHost("", "k8s.io")->kind, HostKind::kKubernetes);
  EXPECT_EQ(ChooseHost("", "k8s.io")->reason, "namespace k8s.io is Kubernetes' (CRI)");
  EXPECT_EQ(ChooseHost("", "moby")->kind, HostKind::kDocker);
  EXPECT_EQ(ChooseHost("", "default")->kind, HostKind::kContainerd);
  EXPECT_EQ(ChooseHost("docker", "k8s.io")->kind, HostKind::kDocker);
  EXPECT_EQ(ChooseHost("docker", "k8s.io")->reason, "--host docker");
  absl::StatusOr<HostChoice> bad = ChooseHost("k8s", "default");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("containerd, kubernetes or docker"));
}

TEST(CriMetadata, ParsesImageRefAndRejectsWhatItCannotRead) {
  const Digest config = Digest::Sha256Of("c");
  absl::StatusOr<CriContainerMetadata> m = ParseCriContainerMetadata(CriMetadata("abc", config));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->image_ref, config.str());
  EXPECT_EQ(m->sandbox_id, "s1");
  EXPECT_FALSE(ParseCriContainerMetadata("{").ok());
  EXPECT_FALSE(ParseCriContainerMetadata(R"({"Version":"v2","Metadata":{}})").ok());
  EXPECT_FALSE(ParseCriContainerMetadata(R"({"Version":"v1","Metadata":{"ID":"x"}})").ok());
  EXPECT_FALSE(ParseCriContainerMetadata(R"({"Version":"v1","Metadata":{"ImageRef":7}})").ok());
}

// A pod's image keeps all three of its records; an unused image loses all
// three; the sandbox and a pinned image stay.
TEST(Kubernetes, ProtectsCriUseSandboxPinnedAndPrunesUnusedWhole) {
  InventoryBuilder b;
  const Descriptor used_cfg = b.Config("used", {}, {b.Layer("u")});
  const Descriptor used = b.Manifest("used", used_cfg, {b.Layer("u")});
  const Descriptor unused_cfg = b.Config("unused", {}, {b.Layer("x")});
  const Descriptor unused = b.Manifest("unused", unused_cfg, {b.Layer("x")});
  const Descriptor pause_cfg = b.Config("pause", {}, {b.Layer("p")});
  const Descriptor pause = b.Manifest("pause", pause_cfg, {b.Layer("p")});
  const Descriptor pinned = b.SimpleImage("pinned");
  CriImage(b, "docker.io/library/nginx:1.25", "docker.io/library/nginx", used, used_cfg.digest);
  CriImage(b, "docker.io/library/redis:7", "docker.io/library/redis", unused, unused_cfg.digest);
  CriImage(b, "registry.k8s.io/pause:3.6", "registry.k8s.io/pause", pause, pause_cfg.digest);
  b.Image("docker.io/library/tools:1", pinned);
  b.RecordLabel("docker.io/library/tools:1", "io.cri-containerd.pinned", "pinned");
  Inventory inv = b.Build();
  inv.containers.push_back(CriContainer(kCtr1, used_cfg.digest));

  const Plan plan = PlanOn(Policy(HostKind::kKubernetes), inv, All());
  for (const std::string& name : {std::string("docker.io/library/nginx:1.25"),
                                  "docker.io/library/nginx@" + used.digest.str(),
                                  used_cfg.digest.str()}) {
    const Decision& d = Find(plan, name);
    EXPECT_FALSE(d.prune) << name;
    EXPECT_EQ(d.reason, DecisionReason::kUsedByHostContainer) << name;
    EXPECT_EQ(d.text, "used by pod default/web container app (CRI)");
    EXPECT_EQ(d.container_id, kCtr1);
  }
  for (const std::string& name : {std::string("docker.io/library/redis:7"),
                                  "docker.io/library/redis@" + unused.digest.str(),
                                  unused_cfg.digest.str()}) {
    EXPECT_TRUE(Find(plan, name).prune) << name;
  }
  EXPECT_EQ(Find(plan, "registry.k8s.io/pause:3.6").reason, DecisionReason::kSandboxImage);
  EXPECT_EQ(Find(plan, pause_cfg.digest.str()).reason, DecisionReason::kSiblingRecordKept);
  EXPECT_EQ(Find(plan, "registry.k8s.io/pause@" + pause.digest.str()).reason,
            DecisionReason::kSiblingRecordKept);
  EXPECT_EQ(Find(plan, "docker.io/library/tools:1").reason, DecisionReason::kPinned);
  EXPECT_EQ(plan.deletions.size(), 3u);
}

// Without the host profile the same store loses the pod's image: the reason
// the profile exists (CRI containers carry no `image`).
TEST(Kubernetes, WithoutTheProfileThePodImageWouldBePruned) {
  InventoryBuilder b;
  const Descriptor cfg = b.Config("used", {}, {b.Layer("u")});
  const Descriptor m = b.Manifest("used", cfg, {b.Layer("u")});
  CriImage(b, "docker.io/library/nginx:1.25", "docker.io/library/nginx", m, cfg.digest);
  Inventory inv = b.Build();
  inv.containers.push_back(CriContainer(kCtr1, cfg.digest));
  EXPECT_EQ(PlanPrune(inv, All()).deletions.size(), 3u);
  EXPECT_EQ(PlanOn(Policy(HostKind::kKubernetes), inv, All()).deletions.size(), 0u);
}

TEST(Kubernetes, RefusesAContainerItCannotAttribute) {
  InventoryBuilder b;
  b.Image("docker.io/library/nginx:1.25", b.SimpleImage("n"));
  Inventory inv = b.Build();
  ContainerRecord c = CriContainer(kCtr2, Digest::Sha256Of("x"));
  c.extensions.begin()->second.value = R"({"Version":"v1","Metadata":{"ImageRef":""}})";
  inv.containers.push_back(c);
  absl::StatusOr<HostPlanInputs> in = Policy(HostKind::kKubernetes).InputsFrom(inv, {}, {});
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(in.status().message(), HasSubstr("CRI container " + kCtr2));
  EXPECT_THAT(in.status().message(), HasSubstr("cannot tell which image it uses"));

  ContainerRecord no_ext = CriContainer(kCtr1, Digest::Sha256Of("x"));
  no_ext.extensions.clear();
  inv.containers = {no_ext};
  in = Policy(HostKind::kKubernetes).InputsFrom(inv, {}, {});
  ASSERT_FALSE(in.ok());
  EXPECT_THAT(in.status().message(), HasSubstr("has no io.cri-containerd.container.metadata"));
}

// An image's records go together: a record kept by a filter keeps the others.
TEST(Kubernetes, RecordsArePrunedTogetherOrNotAtAll) {
  InventoryBuilder b;
  const Descriptor cfg = b.Config("a", {}, {b.Layer("a")});
  const Descriptor m = b.Manifest("a", cfg, {b.Layer("a")});
  b.Image("docker.io/library/a:1", m, kT0 + absl::Minutes(50));  // newer than until
  b.Image("docker.io/library/a@" + m.digest.str(), m, kT0);
  b.Image(cfg.digest.str(), m, kT0);
  PruneOptions o = All();
  o.until = {kT0 + absl::Minutes(10)};
  const Plan plan = PlanOn(Policy(HostKind::kKubernetes), b.Build(), o);
  EXPECT_TRUE(plan.deletions.empty());
  EXPECT_EQ(Find(plan, cfg.digest.str()).reason, DecisionReason::kSiblingRecordKept);
  EXPECT_THAT(Find(plan, cfg.digest.str()).text, HasSubstr("kept with docker.io/library/a:1"));
}

TEST(Kubernetes, MinAgeKeepsYoungRecords) {
  InventoryBuilder b;
  const absl::Time now = kT0 + absl::Hours(1);
  const Descriptor young = b.SimpleImage("young");
  const Descriptor old = b.SimpleImage("old");
  b.Image("docker.io/library/young:1", young, now - absl::Seconds(30));
  b.Image("docker.io/library/old:1", old, now - absl::Minutes(3));
  const Plan plan = PlanOn(Policy(HostKind::kKubernetes, absl::Minutes(2)), b.Build(), All(now));
  EXPECT_EQ(Find(plan, "docker.io/library/young:1").reason, DecisionReason::kYoungerThanMinAge);
  EXPECT_THAT(Find(plan, "docker.io/library/young:1").text, HasSubstr("--min-age 2m"));
  EXPECT_TRUE(Find(plan, "docker.io/library/old:1").prune);
}

// `dangling` on Kubernetes: an image left with only its ID record.
TEST(Kubernetes, DanglingIsALoneIdRecord) {
  InventoryBuilder b;
  const Descriptor cfg1 = b.Config("lone", {}, {b.Layer("l")});
  const Descriptor lone = b.Manifest("lone", cfg1, {b.Layer("l")});
  const Descriptor cfg2 = b.Config("tagged", {}, {b.Layer("t")});
  const Descriptor tagged = b.Manifest("tagged", cfg2, {b.Layer("t")});
  b.Image(cfg1.digest.str(), lone);
  b.Image(cfg2.digest.str(), tagged);
  b.Image("docker.io/library/t:1", tagged);
  PruneOptions o = All();
  o.dangling_only = true;
  const Plan plan = PlanOn(Policy(HostKind::kKubernetes), b.Build(), o);
  EXPECT_TRUE(Find(plan, cfg1.digest.str()).prune);
  EXPECT_EQ(Find(plan, cfg1.digest.str()).reason, DecisionReason::kDangling);
  EXPECT_FALSE(Find(plan, cfg2.digest.str()).prune);
  EXPECT_FALSE(Find(plan, "docker.io/library/t:1").prune);
}

// A sandbox whose image is not the configured one is protected by its snapshot
// chain (eraser#1107 removed Bottlerocket's pause image).
TEST(Kubernetes, SandboxProtectsItsImageBySnapshotChain) {
  InventoryBuilder b;
  const Descriptor layer = b.Layer("bp");
  const Descriptor cfg = b.Config("bpause", {}, {layer});
  const Descriptor m = b.Manifest("bpause", cfg, {layer});
  b.Image("localhost/kubernetes/pause:0.1.0", m);
  Inventory inv = b.Build();
  const std::string chain = b.ChainIds(cfg).back();
  ContainerRecord sandbox;
  sandbox.id = kCtr2;
  sandbox.labels = {{"io.cri-containerd.kind", "sandbox"}, {"io.kubernetes.pod.name", "web"},
                    {"io.kubernetes.pod.namespace", "default"}};
  sandbox.snapshotter = "overlayfs";
  sandbox.snapshot_key = kCtr2;
  inv.containers.push_back(sandbox);
  const std::vector<SnapshotUsage> snaps = {{"overlayfs", kCtr2, chain, {}, 0, 0},
                                            {"overlayfs", chain, "", {}, 0, 0}};
  const Plan plan = PlanOn(Policy(HostKind::kKubernetes), inv, All(), {}, snaps);
  EXPECT_EQ(Find(plan, "localhost/kubernetes/pause:0.1.0").reason,
            DecisionReason::kUsedByHostContainer);
  EXPECT_EQ(Find(plan, "localhost/kubernetes/pause:0.1.0").text,
            "sandbox of pod default/web (CRI)");
}

// Docker: a stopped container is only its lease (ID = container ID) holding
// `<id>` on `<id>-init` on the image's rootfs chain.
TEST(Docker, ContainerLeaseProtectsItsImage) {
  InventoryBuilder b;
  const Descriptor l1 = b.Layer("base");
  const Descriptor l2 = b.Layer("app");
  const Descriptor base_cfg = b.Config("base", {}, {l1});
  const Descriptor base = b.Manifest("base", base_cfg, {l1});
  const Descriptor app_cfg = b.Config("app", {}, {l1, l2});
  const Descriptor app = b.Manifest("app", app_cfg, {l1, l2});
  b.Image("docker.io/library/base:1", base);
  b.Image("docker.io/library/app:1", app);
  Inventory inv = b.Build();
  const std::vector<std::string> chains = b.ChainIds(app_cfg);
  const std::vector<SnapshotUsage> snaps = {
      {"overlayfs", chains[0], "", {}, 0, 0},
      {"overlayfs", chains[1], chains[0], {}, 0, 0},
      {"overlayfs", kCtr1 + "-init", chains[1], {}, 0, 0},
      {"overlayfs", kCtr1, kCtr1 + "-init", {}, 0, 0}};
  Lease container;
  container.id = kCtr1;
  container.resources = {{LeaseResourceType::kSnapshot, kCtr1 + "-init", "overlayfs"},
                         {LeaseResourceType::kSnapshot, kCtr1, "overlayfs"}};
  Lease pull;
  pull.id = "pull-lease";
  pull.labels = {{"moby/prune.images", "true"}};
  pull.resources = {{LeaseResourceType::kSnapshot, "nowhere", "overlayfs"}};
  const Plan plan = PlanOn(Policy(HostKind::kDocker), inv, All(), {container, pull}, snaps);
  const Decision& d = Find(plan, "docker.io/library/app:1");
  EXPECT_EQ(d.reason, DecisionReason::kUsedByHostContainer);
  EXPECT_EQ(d.text, "used by Docker container " + kCtr1.substr(0, 12) + " (lease)");
  EXPECT_TRUE(Find(plan, "docker.io/library/base:1").prune);  // only its layers are shared

  Lease lost;
  lost.id = kCtr2;
  lost.resources = {{LeaseResourceType::kSnapshot, kCtr2, "overlayfs"}};
  const std::vector<SnapshotUsage> orphan = {{"overlayfs", kCtr2, "gone", {}, 0, 0}};
  absl::StatusOr<HostPlanInputs> in = Policy(HostKind::kDocker).InputsFrom(inv, {lost}, orphan);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(in.status().message(), HasSubstr("Docker container (lease) " + kCtr2));
  EXPECT_THAT(in.status().message(), HasSubstr("reaches gone, which does not exist"));
}

// containerd's own profile changes nothing: moby's rules on `image` fields.
TEST(Containerd, KeepsMobyRulesOnly) {
  InventoryBuilder b;
  const Descriptor m = b.SimpleImage("a");
  b.Image("docker.io/library/a:1", m);
  b.Container(kCtr1, "a:1", m.digest);
  const Inventory inv = b.Build();
  const Plan with = PlanOn(Policy(HostKind::kContainerd), inv, All());
  const Plan without = PlanPrune(inv, All());
  EXPECT_EQ(with.decisions, without.decisions);
  EXPECT_EQ(Find(with, "docker.io/library/a:1").reason, DecisionReason::kUsedByName);
}

}  // namespace
}  // namespace reclaim
