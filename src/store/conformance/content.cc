// The ContentStoreConformance suite (conformance.h): ContentStore: writes verified at commit, reads
// whole and streamed, labels.
#include <set>
#include <string>
#include <vector>

#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

using namespace conformance;  // NOLINT: the suites share their helpers
using namespace media_types;  // NOLINT: the tests speak in media types throughout

TEST_P(ContentStoreConformance, ContentWriteReadAndLabels) {
  const std::string bytes(300000, 'x');
  Descriptor d = Put(store().content(), kOciLayer, bytes, {{"a", "1"}});
  auto info = store().content().Info(d.digest);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->size, 300000);
  EXPECT_EQ(info->labels.at("a"), "1");
  auto read = store().content().ReadBlob(d.digest, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  EXPECT_EQ(store().content().ReadBlob(d.digest, 100).status().code(),
            absl::StatusCode::kResourceExhausted);

  auto reader = store().content().OpenBlob(d.digest);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), 300000);
  std::string streamed;
  for (;;) {
    auto chunk = (*reader)->Read(65536);
    ASSERT_TRUE(chunk.ok());
    if (chunk->empty()) break;
    streamed += *chunk;
  }
  EXPECT_EQ(streamed, bytes);

  auto relabel = store().content().UpdateContentLabels(d.digest, {{"a", ""}, {"b", "2"}});
  ASSERT_TRUE(relabel.ok());
  EXPECT_EQ(relabel->labels, (Labels{{"b", "2"}}));
  EXPECT_EQ(store().content().Info(d.digest)->labels, (Labels{{"b", "2"}}));

  const Digest missing = Digest::Sha256Of("never written");
  EXPECT_EQ(store().content().Info(missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().content().ReadBlob(missing, 10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().content().OpenBlob(missing).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(ContentStoreConformance, CommitRejectsWrongSizeOrDigestAndLeavesNothing) {
  const std::string bytes = "some layer bytes";
  const Digest right = Digest::Sha256Of(bytes);
  {
    auto w = store().content().Writer(WriterOptions{"bad-size"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(bytes).ok());
    absl::Status s = (*w)->Commit(static_cast<int64_t>(bytes.size()) + 1, right, {});
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  }
  {
    auto w = store().content().Writer(WriterOptions{"bad-digest"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(bytes).ok());
    absl::Status s =
        (*w)->Commit(static_cast<int64_t>(bytes.size()), Digest::Sha256Of("other"), {});
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  }
  {
    auto w = store().content().Writer(WriterOptions{"aborted"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(bytes).ok());
    (*w)->Abort();
  }
  EXPECT_EQ(store().content().Info(right).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(ContentDigests(store().content()).empty());

  // The same bytes committed twice: the second says AlreadyExists.
  Put(store().content(), kOciLayer, bytes);
  auto w = store().content().Writer(WriterOptions{"again"});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(bytes).ok());
  EXPECT_EQ((*w)->Commit(static_cast<int64_t>(bytes.size()), right, {}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ContentDigests(store().content()), (std::set<std::string>{right.str()}));
}

}  // namespace
}  // namespace reclaim
