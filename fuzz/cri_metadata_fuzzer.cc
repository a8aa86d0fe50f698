// libFuzzer target for hosts/ ParseCriContainerMetadata: arbitrary bytes as
// the `io.cri-containerd.container.metadata` extension. It must never crash,
// fail only with InvalidArgument, and parse deterministically.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "hosts/host_policy.h"

namespace {

void Check(bool ok, const char* invariant, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "CRI metadata invariant violated: %s\ninput (%zu bytes): ", invariant,
               input.size());
  for (unsigned char c : input) std::fprintf(stderr, "\\x%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<reclaim::CriContainerMetadata> m = reclaim::ParseCriContainerMetadata(input);
  absl::StatusOr<reclaim::CriContainerMetadata> again = reclaim::ParseCriContainerMetadata(input);
  Check(m.ok() == again.ok(), "parsing is deterministic", input);
  if (m.ok()) {
    Check(m->id == again->id && m->image_ref == again->image_ref &&
              m->sandbox_id == again->sandbox_id && m->name == again->name,
          "parsing is deterministic", input);
    Check(m->id.size() + m->name.size() + m->sandbox_id.size() + m->image_ref.size() <= size,
          "fields come from the input", input);
  } else {
    Check(!m.status().message().empty(), "errors carry a message", input);
  }
  return 0;
}
