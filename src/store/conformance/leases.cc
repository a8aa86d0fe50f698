// The LeaseStoreConformance suite (conformance.h): LeaseStore: leases protect what they hold until
// deleted or expired.
#include <set>
#include <string>
#include <vector>

#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

using namespace conformance;  // NOLINT: the suites share their helpers
using namespace media_types;  // NOLINT: the tests speak in media types throughout

TEST_P(LeaseStoreConformance, LeasesProtectContentUntilDeleted) {
  auto lease = store().leases().CreateLease("load-1", {});
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(store().leases().CreateLease("load-1", {}).status().code(),
            absl::StatusCode::kAlreadyExists);
  TestImage p = PutImage(store().content(), "p", {}, "load-1");
  ASSERT_TRUE(store().collector().Collect().ok());
  EXPECT_EQ(ContentDigests(store().content()).size(), 3u);

  auto leases = store().leases().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].resources.size(), 3u);

  WriterOptions bad;
  bad.ref = "no-lease";
  bad.lease_id = "missing";
  EXPECT_EQ(store().content().Writer(bad).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store().leases().DeleteLease("load-1", /*sync=*/true).ok());
  EXPECT_TRUE(ContentDigests(store().content()).empty());
  EXPECT_EQ(store().leases().DeleteLease("load-1", false).code(), absl::StatusCode::kNotFound);
}

TEST_P(LeaseStoreConformance, ExpiredLeaseIsCollectedWithItsContent) {
  ASSERT_TRUE(store()
                  .leases()
                  .CreateLease("old", {{"containerd.io/gc.expire", "2001-01-01T00:00:00Z"}})
                  .ok());
  PutImage(store().content(), "r", {}, "old");
  // Only the key matters, but containerd stores no label with an empty value.
  ASSERT_TRUE(store().leases().CreateLease("flat", {{"containerd.io/gc.flat", "1"}}).ok());
  TestImage q = PutImage(store().content(), "q");
  ASSERT_TRUE(store()
                  .leases()
                  .AddLeaseResource("flat", LeaseResource{LeaseResourceType::kContent,
                                                          q.manifest.digest.str(), ""})
                  .ok());
  auto c = store().collector().Collect();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->removed_leases, (std::vector<std::string>{"old"}));
  // The flat lease keeps only the manifest itself.
  EXPECT_EQ(ContentDigests(store().content()), (std::set<std::string>{q.manifest.digest.str()}));
  auto leases = store().leases().ListLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].id, "flat");
}

}  // namespace
}  // namespace reclaim
