// libFuzzer target for what registries and Docker clients send: manifest and
// index bodies, X-Registry-Auth headers and AuthConfig JSON. Checks the
// parsers' invariants; any violation aborts with a message naming it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/descriptor.h"
#include "registry/auth_config.h"

namespace {

void Check(bool ok, const char* invariant, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "registry input invariant violated: %s\ninput (%zu bytes): ", invariant,
               input.size());
  for (unsigned char c : input) std::fprintf(stderr, "\\x%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

bool SameAuth(const reclaim::AuthConfig& a, const reclaim::AuthConfig& b) {
  return a.username == b.username && a.password == b.password && a.auth == b.auth &&
         a.email == b.email && a.server_address == b.server_address &&
         a.identity_token == b.identity_token && a.registry_token == b.registry_token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<reclaim::Manifest> manifest = reclaim::ParseManifest(input);
  if (manifest.ok()) {
    for (const reclaim::Descriptor& d : manifest->layers) {
      Check(d.size >= 0, "layer sizes are not negative", input);
    }
    Check(manifest->config.size >= 0, "the config size is not negative", input);
  } else {
    Check(manifest.status().code() == absl::StatusCode::kInvalidArgument,
          "manifest errors are InvalidArgument", input);
    Check(!manifest.status().message().empty(), "errors carry a message", input);
  }
  absl::StatusOr<reclaim::Index> index = reclaim::ParseIndex(input);
  if (index.ok()) {
    for (const reclaim::Descriptor& d : index->manifests) {
      Check(d.size >= 0, "child sizes are not negative", input);
      // A descriptor that parsed encodes and parses back to itself.
      absl::StatusOr<reclaim::Descriptor> again =
          reclaim::DescriptorFromJson(reclaim::DescriptorToJson(d));
      Check(again.ok() && again->digest == d.digest && again->size == d.size &&
                again->media_type == d.media_type,
            "descriptors round-trip", input);
    }
  } else {
    Check(index.status().code() == absl::StatusCode::kInvalidArgument,
          "index errors are InvalidArgument", input);
  }

  // X-Registry-Auth is lenient: never fails, and what it decodes re-encodes
  // to a header that decodes to the same credentials.
  const reclaim::AuthConfig header = reclaim::DecodeRegistryAuthHeader(input);
  Check(SameAuth(reclaim::DecodeRegistryAuthHeader(reclaim::EncodeRegistryAuthHeader(header)),
                 header),
        "X-Registry-Auth round-trips", input);
  absl::StatusOr<reclaim::AuthConfig> json = reclaim::AuthConfigFromJson(input);
  if (json.ok()) {
    absl::StatusOr<reclaim::AuthConfig> again =
        reclaim::AuthConfigFromJson(reclaim::AuthConfigToJson(*json));
    Check(again.ok() && SameAuth(*again, *json), "AuthConfig JSON round-trips", input);
  }
  return 0;
}
