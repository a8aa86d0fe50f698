#include "core/digest.h"

#include <openssl/evp.h>

#include <array>
#include <string>

namespace reclaim {
namespace {

constexpr std::string_view kSha256 = "sha256";

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string HexEncode(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return out;
}

// go-digest's algorithm grammar: [a-z0-9]+ ([+._-] [a-z0-9]+)*.
bool IsAlgorithmSyntax(std::string_view a) {
  if (a.empty()) return false;
  bool need_alnum = true;
  for (char c : a) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) {
      need_alnum = false;
    } else if (c == '+' || c == '.' || c == '_' || c == '-') {
      if (need_alnum) return false;
      need_alnum = true;
    } else {
      return false;
    }
  }
  return !need_alnum;
}

}  // namespace

absl::StatusOr<Digest> Digest::Parse(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size() || colon == 0) {
    return absl::InvalidArgumentError("invalid checksum digest format");
  }
  const std::string_view algorithm = text.substr(0, colon);
  const std::string_view hex = text.substr(colon + 1);
  if (algorithm != kSha256) {
    if (!IsAlgorithmSyntax(algorithm)) {
      return absl::InvalidArgumentError("invalid checksum digest format");
    }
    return absl::InvalidArgumentError("unsupported digest algorithm");
  }
  if (hex.size() != kSha256HexLength) {
    return absl::InvalidArgumentError("invalid checksum digest length");
  }
  if (!IsLowerHex(hex)) return absl::InvalidArgumentError("invalid checksum digest format");
  return Digest(std::string(text));
}

absl::StatusOr<Digest> Digest::FromSha256Hex(std::string_view hex) {
  if (hex.size() != kSha256HexLength) {
    return absl::InvalidArgumentError("invalid checksum digest length");
  }
  if (!IsLowerHex(hex)) return absl::InvalidArgumentError("invalid checksum digest format");
  std::string s(kSha256Prefix);
  s.append(hex);
  return Digest(std::move(s));
}

Digest Digest::Sha256Of(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.Finish();
}

std::string_view Digest::algorithm() const {
  std::string_view s = str_;
  return s.substr(0, s.find(':'));
}

std::string_view Digest::hex() const {
  std::string_view s = str_;
  const size_t colon = s.find(':');
  return colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
}

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) {
  EVP_DigestUpdate(ctx_->md, data, size);
  size_ += size;
}

Digest Sha256::Finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, out.data(), &len);
  EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
  size_ = 0;
  std::string s(Digest::kSha256Prefix);
  s += HexEncode(out.data(), len);
  return *Digest::Parse(s);
}

absl::Status VerifyDigest(const Digest& expected, std::string_view bytes) {
  const Digest got = Digest::Sha256Of(bytes);
  if (got == expected) return absl::OkStatus();
  return absl::FailedPreconditionError("digest mismatch: expected " + expected.str() + ", got " +
                                       got.str());
}

}  // namespace reclaim
