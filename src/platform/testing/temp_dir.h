// File: platform/testing/temp_dir.h
//
// TempDir: a test-only scoped temporary directory. The constructor makes a new,
// uniquely named directory under $TMPDIR (or /tmp when unset or empty) with
// mkdtemp(3); the destructor removes it and everything below it. Creation
// failure aborts the test binary with a message, so path() is never empty.
//
//   TempDir dir;
//   std::string sock = dir.path() + "/api.sock";
//
// Thread-safety: construction and destruction are not synchronized; path() is
// safe to call from any thread while the object lives. Not copyable or movable.
#ifndef RECLAIM_PLATFORM_TESTING_TEMP_DIR_H_
#define RECLAIM_PLATFORM_TESTING_TEMP_DIR_H_

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace reclaim {

class TempDir {
 public:
  TempDir() {
    const char* base = ::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/reclaim-test-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      ::perror(("TempDir: mkdtemp " + tmpl).c_str());
      ::abort();
    }
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace reclaim

#endif  // RECLAIM_PLATFORM_TESTING_TEMP_DIR_H_
