#include "platform/testing/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(TempDirTest, MakesUniqueDirectoriesAndRemovesThemWithContents) {
  std::string kept;
  {
    TempDir a;
    TempDir b;
    kept = a.path();
    EXPECT_TRUE(std::filesystem::is_directory(a.path()));
    EXPECT_TRUE(std::filesystem::is_directory(b.path()));
    EXPECT_NE(a.path(), b.path());
    std::filesystem::create_directories(a.path() + "/sub/dir");
    std::ofstream(a.path() + "/sub/dir/file") << "x";
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(TempDirTest, HonoursTmpdir) {
  TempDir base;
  const char* old = ::getenv("TMPDIR");
  const std::string saved = old != nullptr ? old : "";
  ASSERT_EQ(::setenv("TMPDIR", base.path().c_str(), 1), 0);
  {
    TempDir inner;
    EXPECT_EQ(std::filesystem::path(inner.path()).parent_path().string(), base.path());
    EXPECT_TRUE(std::filesystem::is_directory(inner.path()));
  }
  if (old != nullptr) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

}  // namespace
}  // namespace reclaim
