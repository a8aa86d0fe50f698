#include "core/digest.h"

#include <string>
#include <unordered_set>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace reclaim {
namespace {

constexpr char kEmpty[] = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbc[] = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(DigestTest, ParsesValidSha256) {
  auto d = Digest::Parse(kEmpty);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->str(), kEmpty);
  EXPECT_EQ(d->algorithm(), "sha256");
  EXPECT_EQ(d->hex(), std::string(kEmpty).substr(7));
  EXPECT_EQ(d->ShortHex(), "e3b0c44298fc");
  EXPECT_TRUE(d->valid());
  EXPECT_FALSE(Digest().valid());
}

struct BadCase {
  std::string input;
  std::string error;
};

TEST(DigestTest, RejectsWithGoDigestErrors) {
  const std::string hex64(64, 'a');
  const BadCase cases[] = {
      {"", "invalid checksum digest format"},
      {"sha256", "invalid checksum digest format"},
      {"sha256:", "invalid checksum digest format"},
      {":" + hex64, "invalid checksum digest format"},
      {hex64, "invalid checksum digest format"},
      {"sha256:" + hex64.substr(1), "invalid checksum digest length"},
      {"sha256:" + hex64 + "a", "invalid checksum digest length"},
      {"sha256:" + std::string(64, 'A'), "invalid checksum digest format"},
      {"sha256:" + std::string(63, 'a') + "g", "invalid checksum digest format"},
      {"md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported digest algorithm"},
      {"sha512:" + hex64, "unsupported digest algorithm"},
      {"SHA256:" + hex64, "invalid checksum digest format"},
      {"sha256 :" + hex64, "invalid checksum digest format"},
      {"a--b:" + hex64, "invalid checksum digest format"},
  };
  for (const auto& c : cases) {
    auto d = Digest::Parse(c.input);
    ASSERT_FALSE(d.ok()) << c.input;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << c.input;
    EXPECT_EQ(std::string(d.status().message()), c.error) << c.input;
  }
}

TEST(DigestTest, FromSha256Hex) {
  auto d = Digest::FromSha256Hex(std::string(kAbc).substr(7));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->str(), kAbc);
  EXPECT_FALSE(Digest::FromSha256Hex("abc").ok());
  EXPECT_FALSE(Digest::FromSha256Hex(std::string(64, 'Z')).ok());
}

TEST(DigestTest, KnownVectors) {
  EXPECT_EQ(Digest::Sha256Of("").str(), kEmpty);
  EXPECT_EQ(Digest::Sha256Of("abc").str(), kAbc);
  EXPECT_EQ(Digest::Sha256Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").str(),
            "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(DigestTest, StreamingEqualsOneShotForEverySplit) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 31 + 7));
  const Digest whole = Digest::Sha256Of(data);
  for (size_t split : {0ul, 1ul, 63ul, 64ul, 65ul, 500ul, 999ul, 1000ul}) {
    Sha256 h;
    h.Update(std::string_view(data).substr(0, split));
    h.Update(std::string_view(data).substr(split));
    EXPECT_EQ(h.size(), data.size());
    EXPECT_EQ(h.Finish(), whole) << split;
  }
}

TEST(DigestTest, FinishResetsForReuse) {
  Sha256 h;
  h.Update("junk");
  (void)h.Finish();
  EXPECT_EQ(h.size(), 0u);
  h.Update("abc");
  EXPECT_EQ(h.Finish().str(), kAbc);
}

TEST(DigestTest, Verify) {
  auto abc = *Digest::Parse(kAbc);
  EXPECT_TRUE(VerifyDigest(abc, "abc").ok());
  absl::Status s = VerifyDigest(abc, "abd");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(s.message()),
            std::string("digest mismatch: expected ") + kAbc + ", got " +
                Digest::Sha256Of("abd").str());
}

TEST(DigestTest, OrderingAndHashing) {
  auto a = *Digest::Parse(kAbc);
  auto e = *Digest::Parse(kEmpty);
  EXPECT_LT(a, e);
  EXPECT_NE(a, e);
  absl::flat_hash_set<Digest> set{a, e, a};
  EXPECT_EQ(set.size(), 2u);
  std::unordered_set<Digest> std_set{a, e, e};
  EXPECT_EQ(std_set.size(), 2u);
}

}  // namespace
}  // namespace reclaim
