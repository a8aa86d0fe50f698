// File: imageio/import.h
//
// `docker import` for a Store: a root filesystem tar (plain, gzip, zstd, bzip2 or
// xz, detected from its first bytes) becomes a one-layer image.
//
//   layer     gzip/zstd input is stored exactly as given (media type
//             application/vnd.oci.image.layer.v1.tar+gzip / +zstd, with the
//             containerd.io/uncompressed label naming its diff ID); plain input is
//             stored as given (application/vnd.oci.image.layer.v1.tar); bzip2/xz
//             input is stored decompressed, as plain tar. (moby recompresses
//             plain/bzip2/xz input with gzip; reclaim keeps the bytes, so the
//             layer digest is reproducible without a gzip implementation match.)
//   config    application/vnd.oci.image.config.v1+json, serialized in the field
//             order of moby's DockerOCIImage: created (clock now, RFC 3339 nano,
//             UTC), architecture/os (+ variant) of ImportOptions::platform (host by
//             default: linux/amd64), rootfs {type: layers, diff_ids: [sha256 of the
//             uncompressed tar]}, history [{created, comment}] (comment default
//             "Imported from -", as docker import from stdin), config {Labels}.
//   manifest  OCI (application/vnd.oci.image.manifest.v1+json), as moby's
//             containerd image service writes for imports, with the gc labels
//             containerd.io/gc.ref.content.config and .l.0.
//   record    the canonical name (`x` -> docker.io/library/x:latest), or
//             moby-dangling@<manifest digest> when no name is given; an existing
//             record of that name is moved to the new image (labels kept).
//
// The input is read once, streaming: the stored bytes and the uncompressed tar
// are hashed on the way, and the tar is parsed (headers and sizes checked) so
// that something that is not a tar is InvalidArgument and creates no record.
// An empty input is an empty layer, as Docker accepts it. Everything is
// written under one lease, deleted at the end.
//
// Thread-safety: may run concurrently with other users of the store.
#ifndef RECLAIM_IMAGEIO_IMPORT_H_
#define RECLAIM_IMAGEIO_IMPORT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "core/digest.h"
#include "imageio/byte_stream.h"
#include "platform/clock.h"
#include "store/store.h"

namespace reclaim {

struct ImportOptions {
  std::string name;                  // optional; as typed ("alpine:3"); no digest allowed
  Labels labels;                     // the image config's Labels
  std::string message;               // history comment; empty: "Imported from -"
  std::optional<Platform> platform;  // default: HostPlatform()
  const Clock* clock = nullptr;      // `created`, lease expiry; default RealClock()
};

struct ImportResult {
  std::string name;   // stored name (canonical or moby-dangling@<digest>)
  Descriptor target;  // the manifest; the image ID is target.digest
  Descriptor config;
  Descriptor layer;
  Digest diff_id;
  std::optional<Descriptor> previous_target;  // when an existing name was moved
};

[[nodiscard]] absl::StatusOr<ImportResult> ImportRootfs(Store& store, ByteSource& source,
                                                        const ImportOptions& options = {});

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_IMPORT_H_
