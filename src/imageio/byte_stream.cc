#include "imageio/byte_stream.h"

#include <algorithm>
#include <cstring>

namespace reclaim {

absl::StatusOr<size_t> StringSource::Read(char* buf, size_t n) {
  const size_t k = std::min(n, data_.size() - pos_);
  if (k > 0) std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

absl::StatusOr<size_t> SequentialFileSource::Read(char* buf, size_t n) {
  absl::StatusOr<std::string> chunk = file_.Read(n);
  if (!chunk.ok()) return chunk.status();
  const size_t k = std::min(n, chunk->size());
  if (k > 0) std::memcpy(buf, chunk->data(), k);
  return k;
}

}  // namespace reclaim
