// File: core/digest.h
//
// A content digest, `sha256:<64 lowercase hex>`, the address of every blob, and
// a streaming SHA-256 (OpenSSL EVP, which uses SHA-NI where the CPU has it).
//
//   RECLAIM_ASSIGN_OR_RETURN(Digest d, Digest::Parse("sha256:e3b0..."));
//   Sha256 h;  h.Update(chunk);  Digest got = h.Finish();
//
// Error texts follow go-digest, which Docker and containerd print:
//   "invalid checksum digest format", "invalid checksum digest length",
//   "unsupported digest algorithm".
//
// Thread-safety: Digest is an immutable value. A Sha256 must not be shared
// between threads without external synchronisation.
#ifndef RECLAIM_CORE_DIGEST_H_
#define RECLAIM_CORE_DIGEST_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace reclaim {

class Digest {
 public:
  static constexpr std::string_view kSha256Prefix = "sha256:";
  static constexpr size_t kSha256HexLength = 64;

  // The empty digest; valid() is false. Useful as a "not set" value.
  Digest() = default;

  // Parses and validates `algorithm:hex`. Only sha256 is supported.
  [[nodiscard]] static absl::StatusOr<Digest> Parse(std::string_view text);

  // Builds a sha256 digest from 64 lowercase hex characters (no prefix).
  [[nodiscard]] static absl::StatusOr<Digest> FromSha256Hex(std::string_view hex);

  // Digest of `bytes` in one call.
  static Digest Sha256Of(std::string_view bytes);

  bool valid() const { return !str_.empty(); }
  const std::string& str() const { return str_; }            // "sha256:<hex>"
  std::string_view algorithm() const;                        // "sha256"
  std::string_view hex() const;                              // 64 hex chars
  // The first 12 hex characters, as Docker shows short image IDs.
  std::string_view ShortHex() const { return hex().substr(0, 12); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend std::strong_ordering operator<=>(const Digest& a, const Digest& b) {
    return a.str_ <=> b.str_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Digest& d) {
    return H::combine(std::move(h), d.str_);
  }

 private:
  explicit Digest(std::string s) : str_(std::move(s)) {}
  std::string str_;
};

// Streaming SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // Bytes hashed so far.
  uint64_t size() const { return size_; }
  // Finishes the hash; the object is reset and may be reused afterwards.
  Digest Finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  uint64_t size_ = 0;
};

// OK when `bytes` hash to `expected`; else FailedPrecondition
// "digest mismatch: expected <e>, got <g>".
[[nodiscard]] absl::Status VerifyDigest(const Digest& expected, std::string_view bytes);

}  // namespace reclaim

template <>
struct std::hash<reclaim::Digest> {
  size_t operator()(const reclaim::Digest& d) const { return std::hash<std::string>()(d.str()); }
};

#endif  // RECLAIM_CORE_DIGEST_H_
