// File: imageio/save.h
//
// `docker save` for a Store: writes the named images as one tar stream that both
// `docker load` (any version, containerd store or graphdriver) and
// `ctr images import` accept, the layout containerd's archive exporter writes
// for moby:
//
//   blobs/  blobs/sha256/          directories (0755)
//   blobs/sha256/<hex>             every exported blob once, even when shared (0444)
//   index.json                     {"schemaVersion":2,"manifests":[<target>...]}: one
//                                  entry per (image, name), annotated with
//                                  io.containerd.image.name (the stored name) and
//                                  org.opencontainers.image.ref.name (its tag)
//   manifest.json                  Docker's [{Config, RepoTags, Layers}] with
//                                  familiar RepoTags ("alpine:latest") and
//                                  paths "blobs/sha256/<hex>"
//   oci-layout                     {"imageLayoutVersion":"1.0.0"} (0444)
//
// Entries are in name order (containerd sorts its records), every mtime is 0,
// so saving the same images twice gives the same bytes.
//
// What is written (containerd's WithSkipMissing + WithSkipNonDistributableBlobs):
// a manifest target must be present with its config and layers; for an index
// target the index is written, then every child manifest that is present, with
// its config and layers only when all of them are present; absent children
// are skipped. Non-distributable (foreign) layers are never written.
// manifest.json lists each manifest target, and for an index target the one
// complete child manifest for `SaveOptions::platform` (os/architecture), else
// the first complete child without a platform, else the first complete child
// whose platform is not unknown/unknown; an index with none is left out of
// manifest.json (still in index.json). manifest.json is omitted when empty.
//
// Names are resolved in this order: an exact stored name; a digest
// ("sha256:<hex>" or 64 hex), exported without a name like `docker save <id>`;
// the normalized name (`alpine` -> `docker.io/library/alpine:latest`). A
// dangling record is exported without a name. Unknown names are NotFound
// "No such image: <name>" before anything is written.
//
// Errors after the first byte (a blob that vanished or does not match its
// digest, a sink failure) leave a truncated stream; the caller must treat it as
// failed.
//
// Thread-safety: safe to run concurrently with other store users; content
// deleted concurrently makes the save fail rather than write a broken blob.
#ifndef RECLAIM_IMAGEIO_SAVE_H_
#define RECLAIM_IMAGEIO_SAVE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "imageio/byte_stream.h"
#include "store/store.h"

namespace reclaim {

struct SaveOptions {
  // Platform of the manifest that manifest.json shows for an index target.
  std::optional<Platform> platform;  // default: HostPlatform()
};

struct SavedImage {
  std::string name;   // stored name written to index.json; empty when exported by ID
  Descriptor target;  // as written to index.json
};

struct SaveResult {
  std::vector<SavedImage> images;
  int64_t blobs = 0;          // blob entries written
  int64_t bytes_written = 0;  // tar bytes handed to the sink
};

[[nodiscard]] absl::StatusOr<SaveResult> SaveImages(Store& store,
                                                    const std::vector<std::string>& names,
                                                    ByteSink& sink,
                                                    const SaveOptions& options = {});

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_SAVE_H_
