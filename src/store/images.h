// File: store/images.h
//
// ImageStore: the role of a store that keeps image records (containerd's
// Images service): a name pointing at a target descriptor, with labels and
// created/updated times. Deleting a record never removes content; that is the
// collection's (collector.h). Conformance: store/conformance/images.cc.
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef RECLAIM_STORE_IMAGES_H_
#define RECLAIM_STORE_IMAGES_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/records.h"

namespace reclaim {

class ImageStore {
 public:
  virtual ~ImageStore() = default;

  [[nodiscard]] virtual absl::StatusOr<std::vector<ImageRecord>> ListImages() = 0;
  // NotFound when there is no record of that name.
  [[nodiscard]] virtual absl::StatusOr<ImageRecord> GetImage(std::string_view name) = 0;
  // AlreadyExists when the name is taken. The store sets created_at/updated_at.
  [[nodiscard]] virtual absl::StatusOr<ImageRecord> CreateImage(const ImageRecord& image) = 0;
  // Replaces target and labels of an existing record (NotFound otherwise); keeps created_at.
  [[nodiscard]] virtual absl::StatusOr<ImageRecord> UpdateImage(const ImageRecord& image) = 0;
  // Removes the record only; content goes at the next collection.
  [[nodiscard]] virtual absl::Status DeleteImage(std::string_view name) = 0;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_IMAGES_H_
