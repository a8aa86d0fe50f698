// File: store/local/rows.h
//
// How the embedded store's rows encode records (docs/on_disk_format.md):
// times as Unix nanoseconds, labels as a JSON object, an image's target as a
// descriptor's JSON; and the NotFound texts every part of the store answers
// with (containerd's). Private to store/local.
//
// Thread-safety: pure functions.
#ifndef RECLAIM_STORE_LOCAL_ROWS_H_
#define RECLAIM_STORE_LOCAL_ROWS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "store/records.h"

namespace reclaim::local_rows {

int64_t ToNs(absl::Time t);
absl::Time FromNs(int64_t ns);
std::string EncodeLabels(const Labels& labels);
// Labels of a row; a corrupt value decodes as no labels.
Labels DecodeLabels(std::string_view text);
// DataLoss on a corrupt target.
absl::StatusOr<Descriptor> DecodeTarget(std::string_view text);
absl::Status NotFoundImage(std::string_view name);
absl::Status NotFoundContent(const Digest& d);

}  // namespace reclaim::local_rows

#endif  // RECLAIM_STORE_LOCAL_ROWS_H_
