// The ImageStoreConformance suite (conformance.h): ImageStore: records, their times, conflicts and
// NotFound.
#include <set>
#include <string>
#include <vector>

#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

using namespace conformance;  // NOLINT: the suites share their helpers
using namespace media_types;  // NOLINT: the tests speak in media types throughout

TEST_P(ImageStoreConformance, ImageRecordsLifecycle) {
  TestImage a = PutImage(store().content(), "a");
  auto created = store().images().CreateImage(Record("docker.io/library/a:1", a.manifest));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_NE(created->created_at, absl::InfinitePast());
  EXPECT_EQ(created->created_at, created->updated_at);

  auto dup = store().images().CreateImage(Record("docker.io/library/a:1", a.manifest));
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(store().images().CreateImage(Record("docker.io/library/a:0", a.manifest)).ok());
  auto list = store().images().ListImages();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "docker.io/library/a:0");
  EXPECT_EQ((*list)[1].target, a.manifest);

  ImageRecord changed = *created;
  changed.labels = {{"k", "v"}};
  auto updated = store().images().UpdateImage(changed);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->created_at, created->created_at);
  auto got = store().images().GetImage("docker.io/library/a:1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->labels.at("k"), "v");

  EXPECT_EQ(
      store().images().UpdateImage(Record("docker.io/library/nope:1", a.manifest)).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_TRUE(store().images().DeleteImage("docker.io/library/a:1").ok());
  EXPECT_EQ(store().images().DeleteImage("docker.io/library/a:1").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store().images().GetImage("docker.io/library/a:1").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace reclaim
