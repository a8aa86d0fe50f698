#include "registry/testing/registry_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace reclaim {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::string& err_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

std::string TempPath(const char* what) {
  const char* base = ::getenv("TMPDIR");
  std::string dir = (base != nullptr && *base != '\0') ? base : "/tmp";
  static int counter = 0;
  return dir + "/reclaim-regtest-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
         "." + what;
}

bool InPath(const std::string& tool) {
  const char* path = ::getenv("PATH");
  std::stringstream ss(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace

void WriteTestFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

std::string ReadTestFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

RunResult RunTool(const std::vector<std::string>& argv) {
  RunResult r;
  const std::string out = TempPath("out"), err = TempPath("err");
  const pid_t pid = Spawn(argv, out, err);
  if (pid > 0) {
    int status = 0;
    if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  } else {
    r.err = "cannot run " + argv[0];
  }
  r.out = ReadTestFile(out);
  if (r.err.empty()) r.err = ReadTestFile(err);
  ::unlink(out.c_str());
  ::unlink(err.c_str());
  return r;
}

absl::Status RequireTools(const std::vector<std::string>& tools) {
  std::string missing;
  for (const std::string& t : tools) {
    if (!InPath(t)) missing += (missing.empty() ? "" : ", ") + t;
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError("missing " + missing +
                                       " (scripts/setup.sh installs docker-registry, skopeo, "
                                       "apache2-utils and openssl)");
}

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

RegistryProcess::~RegistryProcess() { Stop(); }

absl::Status RegistryProcess::Start(const std::string& dir, const Options& o) {
  const std::string root = dir + "/registry";
  ::mkdir(root.c_str(), 0755);
  port_ = FreeLoopbackPort();
  std::string config = "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\n";
  config += "storage:\n  filesystem:\n    rootdirectory: " + root + "/data\n";
  config += "  delete:\n    enabled: true\n";
  config += "http:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n  secret: reclaim-test\n";
  if (!o.tls_cert.empty()) {
    config += "  tls:\n    certificate: " + o.tls_cert + "\n    key: " + o.tls_key + "\n";
    if (!o.tls_client_ca.empty()) config += "    clientcas:\n      - " + o.tls_client_ca + "\n";
  }
  if (!o.htpasswd_path.empty()) {
    config += "auth:\n  htpasswd:\n    realm: basic-realm\n    path: " + o.htpasswd_path + "\n";
  } else if (!o.silly_realm.empty()) {
    config +=
        "auth:\n  silly:\n    realm: " + o.silly_realm + "\n    service: " + o.silly_service + "\n";
  }
  const std::string config_path = root + "/config.yml";
  WriteTestFile(config_path, config);
  log_path_ = root + "/registry.log";
  pid_ = Spawn({"docker-registry", "serve", config_path}, log_path_, log_path_ + ".err");
  if (pid_ <= 0) return absl::FailedPreconditionError("cannot start docker-registry");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError("docker-registry exited: " + log());
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (up) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop();
  return absl::DeadlineExceededError("docker-registry did not listen within 15s: " + log());
}

void RegistryProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string RegistryProcess::log() const {
  return ReadTestFile(log_path_) + ReadTestFile(log_path_ + ".err");
}

}  // namespace reclaim
