#include "store/open/open_store.h"

#include <gtest/gtest.h>

#include "platform/testing/temp_dir.h"
#include "store/local/local_store.h"

namespace reclaim {
namespace {

TEST(ParseStoreKindTest, AcceptsTheTwoKindsOnly) {
  ASSERT_TRUE(ParseStoreKind("local").ok());
  EXPECT_EQ(*ParseStoreKind("local"), StoreKind::kLocal);
  ASSERT_TRUE(ParseStoreKind("containerd").ok());
  EXPECT_EQ(*ParseStoreKind("containerd"), StoreKind::kContainerd);
  for (const char* bad : {"", "Local", "docker", "containerd "}) {
    absl::StatusOr<StoreKind> k = ParseStoreKind(bad);
    ASSERT_FALSE(k.ok()) << bad;
    EXPECT_TRUE(absl::IsInvalidArgument(k.status()));
    EXPECT_EQ(std::string(k.status().message()),
              "unknown store \"" + std::string(bad) + "\": expected local or containerd");
  }
  EXPECT_EQ(StoreKindName(StoreKind::kLocal), "local");
  EXPECT_EQ(StoreKindName(StoreKind::kContainerd), "containerd");
}

TEST(SnapshotterOfTest, EmbeddedStoreCountsNoSnapshots) {
  StoreSpec spec;
  spec.snapshotter = "native";
  EXPECT_EQ(SnapshotterOf(spec), "");
  spec.kind = StoreKind::kContainerd;
  EXPECT_EQ(SnapshotterOf(spec), "native");
}

TEST(InventoryParallelismTest, MoreWalkersForADaemon) {
  StoreSpec spec;
  EXPECT_EQ(InventoryParallelism(spec), 4);
  spec.kind = StoreKind::kContainerd;
  EXPECT_EQ(InventoryParallelism(spec), 8);
}

TEST(OpenStoreTest, OpensTheEmbeddedStoreAndHoldsItsRoot) {
  TempDir dir;
  StoreSpec spec;
  spec.root = dir.path() + "/root";
  spec.holder = "first holder";
  spec.sync = false;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(spec);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_NE(AsLocalStore(**store), nullptr);
  // A second open of the same root fails, naming the holder.
  absl::StatusOr<std::unique_ptr<Store>> second = OpenStore(spec);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(std::string(second.status().message()).find("first holder"), std::string::npos)
      << second.status();
}

TEST(OpenStoreTest, UnreachableContainerdIsUnavailableNamingTheSocket) {
  TempDir dir;
  StoreSpec spec;
  spec.kind = StoreKind::kContainerd;
  spec.containerd_address = dir.path() + "/no-such.sock";
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(spec);
  ASSERT_FALSE(store.ok());
#if RECLAIM_HAVE_CONTAINERD
  EXPECT_TRUE(absl::IsUnavailable(store.status())) << store.status();
  EXPECT_NE(std::string(store.status().message()).find(spec.containerd_address),
            std::string::npos)
      << store.status();
#else
  EXPECT_TRUE(absl::IsUnimplemented(store.status())) << store.status();
#endif
}

}  // namespace
}  // namespace reclaim
