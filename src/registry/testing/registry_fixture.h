// File: registry/testing/registry_fixture.h
//
// Test-only: real components for the registry integration tests. Debian's
// docker-registry 2.8 started on 127.0.0.1 with a free port, a temporary root
// and a config written here (never the packaged service), stopped by its PID;
// plus helpers to run skopeo, openssl, htpasswd and tests/e2e/mkarchive.py.
//
//   TempDir dir;
//   RegistryProcess reg;
//   ASSERT_TRUE(reg.Start(dir.path(), RegistryProcess::Options{}).ok());
//   RunResult r = RunTool({"skopeo", "inspect", "--raw", "--tls-verify=false",
//                      "docker://" + reg.host() + "/app:1"});
//
// A missing tool is a failure (the tests FAIL, never skip): RequireTools()
// says which one and that scripts/setup.sh installs it.
//
// Thread-safety: none; one fixture per test.
#ifndef RECLAIM_REGISTRY_TESTING_REGISTRY_FIXTURE_H_
#define RECLAIM_REGISTRY_TESTING_REGISTRY_FIXTURE_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace reclaim {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv[0] (searched in PATH) and waits; stdout and stderr are captured.
RunResult RunTool(const std::vector<std::string>& argv);

// OK when every tool is in PATH, else FailedPrecondition naming the missing
// ones.
absl::Status RequireTools(const std::vector<std::string>& tools);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

// Writes `bytes` to `path` (test setup files).
void WriteTestFile(const std::string& path, const std::string& bytes);
std::string ReadTestFile(const std::string& path);

class RegistryProcess {
 public:
  struct Options {
    std::string htpasswd_path;  // auth.htpasswd when set
    std::string silly_realm;    // auth.silly when set
    std::string silly_service = "reclaim-test";
    std::string tls_cert, tls_key;  // http.tls when set
    std::string tls_client_ca;      // http.tls.clientcas when set
  };

  RegistryProcess() = default;
  ~RegistryProcess();
  RegistryProcess(const RegistryProcess&) = delete;
  RegistryProcess& operator=(const RegistryProcess&) = delete;

  // Writes `<dir>/registry/config.yml`, starts the registry and waits until it
  // accepts connections.
  absl::Status Start(const std::string& dir, const Options& options);
  // SIGTERM to our PID, then wait.
  void Stop();

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_TESTING_REGISTRY_FIXTURE_H_
