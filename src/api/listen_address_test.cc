// File: api/listen_address_test.cc
#include "api/listen_address.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "platform/testing/temp_dir.h"

namespace reclaim {
namespace {

TEST(ParseListenAddressTest, Table) {
  struct Case {
    const char* in;
    bool ok;
    const char* normalized;  // ToString() when ok; the error otherwise
  };
  const Case cases[] = {
      {"unix:///run/reclaim/reclaim.sock", true, "unix:///run/reclaim/reclaim.sock"},
      {"tcp://127.0.0.1:2375", true, "tcp://127.0.0.1:2375"},
      {"tcp://127.1.2.3:0", true, "tcp://127.1.2.3:0"},
      {"tcp://localhost:2375", true, "tcp://127.0.0.1:2375"},
      {"tcp://[::1]:2375", true, "tcp://[::1]:2375"},
      {"tcp://0.0.0.0:2375", false,
       "refusing to listen on tcp://0.0.0.0:2375: only loopback addresses are allowed without TLS"},
      {"tcp://10.1.2.3:2375", false,
       "refusing to listen on tcp://10.1.2.3:2375: only loopback addresses are allowed without "
       "TLS"},
      {"tcp://[::]:2375", false,
       "refusing to listen on tcp://[::]:2375: only loopback addresses are allowed without TLS"},
      {"unix://relative.sock", false,
       "invalid listen address \"unix://relative.sock\": the socket path must be absolute"},
      {"tcp://127.0.0.1", false, "invalid listen address \"tcp://127.0.0.1\": a port is required"},
      {"tcp://127.0.0.1:99999", false,
       "invalid listen address \"tcp://127.0.0.1:99999\": bad port"},
      {"tcp://example.com:1", false,
       "invalid listen address \"tcp://example.com:1\": the host must be an IP address or "
       "localhost"},
      {"http://127.0.0.1:1", false,
       "invalid listen address \"http://127.0.0.1:1\": want unix:///path or tcp://127.0.0.1:port"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ListenAddress> a = ParseListenAddress(c.in);
    ASSERT_EQ(a.ok(), c.ok) << c.in << ": " << a.status();
    if (c.ok) {
      EXPECT_EQ(a->ToString(), c.normalized);
    } else {
      EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(a.status().message(), c.normalized);
    }
  }
}

// A unix socket at `path`: bound, and listening when `listen`.
int BindUnix(const std::string& path, bool listen) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << path;
  if (listen) {
    EXPECT_EQ(::listen(fd, 1), 0);
  }
  return fd;
}

TEST(PrepareUnixSocketPathTest, Table) {
  TempDir dir;
  const std::string live = dir.path() + "/live.sock";
  const std::string stale = dir.path() + "/stale.sock";
  const std::string file = dir.path() + "/file";
  const int live_fd = BindUnix(live, true);
  ::close(BindUnix(stale, false));  // bound, never listened: connect is refused
  std::ofstream(file) << "keep";

  struct Case {
    std::string path;
    std::string error;  // empty: OK
    bool exists_after;
  };
  const std::vector<Case> cases = {
      {dir.path() + "/none.sock", "", false},
      {dir.path() + "/new/parent/dirs.sock", "", false},
      {stale, "", false},  // removed: nothing accepted on it
      {live, "cannot listen on unix://" + live + ": another server is listening on it", true},
      {file, "cannot listen on unix://" + file + ": the file exists and is not a socket", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    absl::Status s = PrepareUnixSocketPath(c.path);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << s;
      EXPECT_TRUE(std::filesystem::is_directory(std::filesystem::path(c.path).parent_path()));
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_EQ(s.message(), c.error);
    }
    EXPECT_EQ(std::filesystem::exists(c.path), c.exists_after);
  }
  ::close(live_fd);
}

}  // namespace
}  // namespace reclaim
