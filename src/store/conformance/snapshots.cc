// The SnapshotStoreConformance suite (conformance.h): SnapshotStore: a fresh store lists no
// snapshots.
#include <set>
#include <string>
#include <vector>

#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

using namespace conformance;  // NOLINT: the suites share their helpers
using namespace media_types;  // NOLINT: the tests speak in media types throughout

TEST_P(SnapshotStoreConformance, SnapshotsListable) {
  auto snaps = store().snapshots().ListSnapshots();
  ASSERT_TRUE(snaps.ok()) << snaps.status();
  EXPECT_TRUE(snaps->empty());  // a fresh store has none
}

}  // namespace
}  // namespace reclaim
