#include "core/labels.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

std::string Message(size_t total, const std::string& shown_key) {
  return "label key and value length (" + std::to_string(total) +
         " bytes) greater than maximum size (4096 bytes), key: " + shown_key + ": invalid argument";
}

TEST(LabelsTest, AcceptsUpToTheLimit) {
  struct Case {
    size_t key_len;
    size_t value_len;
  };
  const Case cases[] = {{0, 0}, {1, 0}, {0, 4096}, {4096, 0}, {2048, 2048}, {64, 4032}, {4000, 96}};
  for (const auto& c : cases) {
    EXPECT_TRUE(ValidateLabel(std::string(c.key_len, 'k'), std::string(c.value_len, 'v')).ok())
        << c.key_len << "+" << c.value_len;
  }
}

TEST(LabelsTest, RejectsOverTheLimitWithContainerdText) {
  struct Case {
    std::string key;
    std::string value;
    std::string want;
  };
  const std::string k64(64, 'k');
  const Case cases[] = {
      {"a", std::string(4096, 'v'), Message(4097, "a")},
      {std::string(4097, 'k'), "", Message(4097, k64)},
      {std::string(2049, 'k'), std::string(2048, 'v'), Message(4097, k64)},
      {k64, std::string(4033, 'v'), Message(4097, k64)},
      {std::string(63, 'k'), std::string(5000, 'v'), Message(5063, std::string(63, 'k'))},
      {std::string(65, 'k'), std::string(4032, 'v'), Message(4097, k64)},
      {"", std::string(10000, 'v'), Message(10000, "")},
      // The cut is byte-wise, like Go's k[:64]: it may split a UTF-8 sequence.
      {std::string(63, 'k') + "\xC3\xA9" + "tail", std::string(4096, 'v'),
       Message(4096 + 63 + 2 + 4, std::string(63, 'k') + "\xC3")},
  };
  for (const auto& c : cases) {
    const absl::Status s = ValidateLabel(c.key, c.value);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.key.size();
    EXPECT_EQ(std::string(s.message()), c.want) << c.key.size();
  }
}

}  // namespace
}  // namespace reclaim
