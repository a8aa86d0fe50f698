// bench/digest: SHA-256 throughput of core/digest against `sha256sum` on the same
// bytes, measured in one run. Prints both throughputs and the ratio
// reclaim/sha256sum (target >= 0.9).
//
//   digest_bench [--mib N] [--rounds R]
//
// Both sides read the same file from the (warm) page cache; the best of R rounds
// counts for each, alternating so neither gets a systematically warmer cache.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/digest.h"

namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string HashFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    std::perror("open");
    std::exit(1);
  }
  std::vector<char> buf(1 << 20);
  reclaim::Sha256 h;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      std::perror("read");
      std::exit(1);
    }
    if (n == 0) break;
    h.Update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return h.Finish().str();
}

std::string Sha256sum(const std::string& path) {
  std::string cmd = "sha256sum '" + path + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    std::perror("popen");
    std::exit(1);
  }
  char line[256] = {0};
  if (std::fgets(line, sizeof line, p) == nullptr) line[0] = 0;
  if (::pclose(p) != 0) {
    std::fprintf(stderr, "sha256sum failed\n");
    std::exit(1);
  }
  return "sha256:" + std::string(line, strnlen(line, 64));
}

}  // namespace

int main(int argc, char** argv) {
  long mib = 1024;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mib") == 0) mib = std::atol(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  char path[] = "/tmp/reclaim-digest-bench-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) {
    std::perror("mkstemp");
    return 1;
  }
  std::vector<char> chunk(1 << 20);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (long m = 0; m < mib; ++m) {
    for (size_t i = 0; i < chunk.size(); i += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(&chunk[i], &x, 8);
    }
    if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
      std::perror("write");
      return 1;
    }
  }
  ::close(fd);

  double best_ours = 1e9, best_peer = 1e9;
  std::string ours, peer;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    peer = Sha256sum(path);
    auto t1 = std::chrono::steady_clock::now();
    ours = HashFile(path);
    auto t2 = std::chrono::steady_clock::now();
    best_peer = std::min(best_peer, Seconds(t1 - t0));
    best_ours = std::min(best_ours, Seconds(t2 - t1));
  }
  ::unlink(path);
  if (ours != peer) {
    std::fprintf(stderr, "MISMATCH: reclaim %s, sha256sum %s\n", ours.c_str(), peer.c_str());
    return 1;
  }
  const double mb = static_cast<double>(mib);
  std::printf("bench/digest: %ld MiB, best of %d rounds\n", mib, rounds);
  std::printf("  reclaim Sha256   %8.1f MiB/s  (%.3f s)\n", mb / best_ours, best_ours);
  std::printf("  sha256sum        %8.1f MiB/s  (%.3f s)\n", mb / best_peer, best_peer);
  std::printf("  ratio reclaim/sha256sum throughput: %.2f (target >= 0.90)\n",
              best_peer / best_ours);
  return 0;
}
