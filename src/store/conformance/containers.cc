// The ContainerStoreConformance suite (conformance.h): ContainerStore: container records.
#include <set>
#include <string>
#include <vector>

#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

using namespace conformance;  // NOLINT: the suites share their helpers
using namespace media_types;  // NOLINT: the tests speak in media types throughout

TEST_P(ContainerStoreConformance, ContainerRecords) {
  ContainerRecord c;
  c.id = std::string(64, 'a');
  c.name = "web";
  c.image = "busybox";
  c.image_id = Digest::Sha256Of("manifest");
  c.labels = {{"x", "y"}};
  auto created = store().containers().CreateContainer(c);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(store().containers().CreateContainer(c).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto got = store().containers().GetContainer(c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->image, "busybox");
  EXPECT_EQ(got->image_id, c.image_id);
  EXPECT_EQ(got->labels, c.labels);
  EXPECT_EQ(got->name, "web");
  auto list = store().containers().ListContainers();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  EXPECT_TRUE(store().containers().DeleteContainer(c.id).ok());
  EXPECT_EQ(store().containers().DeleteContainer(c.id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().containers().GetContainer(c.id).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace reclaim
