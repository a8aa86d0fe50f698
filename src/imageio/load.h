// File: imageio/load.h
//
// `docker load` for a Store: reads an image archive from a byte stream and
// creates (or moves) image records, the way moby's containerd image service
// does it through containerd's archive importer (core/images/archive):
//
//   OCI layout   `oci-layout` + `index.json` + `blobs/sha256/<hex>` (docker save
//                since v25, `ctr export`, skopeo, reclaim's own saves). Every
//                index.json entry is an image target; its name comes from the
//                annotation io.containerd.image.name, else
//                org.opencontainers.image.ref.name. Preferred when index.json
//                is present, even if manifest.json is too.
//   docker-archive  `manifest.json` [{Config, RepoTags, Layers}] with layers as
//                `<id>/layer.tar` or `blobs/sha256/<hex>` (legacy docker save).
//                For each entry a Docker schema2 manifest is built exactly as
//                containerd's ImportIndex does (compact Go JSON; config media
//                type Docker; each layer `...rootfs.diff.tar` when its first
//                bytes show no compression, else `...rootfs.diff.tar.gzip` — also
//                for zstd/xz/bzip2, as containerd does; a compressed blob already
//                in the store whose `containerd.io/uncompressed` label names the
//                layer replaces it, as containerd's resolveLayers does); the
//                manifest descriptor gets the config's normalized platform and,
//                per RepoTag, the two name annotations. The image ID is the
//                manifest digest, as with `docker load` on the containerd store.
// The archive may be gzip/zstd/bzip2/xz compressed. Names are stored canonical
// (containerd's ParseDockerRef: `alpine` -> `docker.io/library/alpine:latest`);
// a target without a usable name gets `moby-dangling@<digest>` (moby's
// WithDigestRef/WithSkipDigestRef). An existing record of the same name is
// moved to the new target (its labels kept) and the old target is reported.
//
// Streaming: tar order is arbitrary, so every regular file except the four
// metadata files (manifest.json, index.json, oci-layout, repositories, read
// whole under `max_json_size`) is streamed into the store as it arrives, under
// one lease (containerd.io/gc.expire = now + 1h, deleted at the end): for
// `blobs/sha256/<hex>` the store verifies the digest the name gives; other
// files are hashed and their path mapped to their digest. The graph is resolved
// and checked after the last entry; only then are the containerd
// `containerd.io/gc.ref.content.*` labels set on the manifests and indexes
// (ChildGcLabels: `.config`, `.l.<i>`, `.m.<i>`) and the image records written.
//
// Hostile or broken input is InvalidArgument with a message naming the entry or
// blob, and leaves the image records and content labels untouched (blobs
// written so far lose their lease and go at the next collection): absolute
// paths, `..`, hard links, devices/fifos/sockets, sparse files, symlinks leaving
// the archive, duplicate entries, truncation or corrupt compression, a blob
// whose bytes do not hash to its name, a descriptor size that differs from the
// blob, JSON that is invalid/too deep/not an object, a referenced blob that is
// neither in the archive nor in the store, unknown layout versions, and any
// count or size above the limits in LoadOptions; also an archive that names no
// image at all ("the archive holds no image: manifest.json lists none", where
// moby loads nothing and succeeds). Symlinks inside the archive
// are aliases of the file they name (legacy docker save links shared
// `layer.tar`s), never followed on disk.
//
// Missing content that docker itself tolerates is tolerated: the children of
// an index may be absent (partial multi-platform saves), and a present
// manifest under an index may lack layers; a top-level manifest must be
// complete, an index target must lead to at least one complete manifest, and
// non-distributable (foreign) layers may always be absent.
//
// Thread-safety: LoadArchive may run concurrently with other store users; the
// lease keeps a concurrent collection from taking half-loaded content.
#ifndef RECLAIM_IMAGEIO_LOAD_H_
#define RECLAIM_IMAGEIO_LOAD_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/descriptor.h"
#include "imageio/byte_stream.h"
#include "platform/clock.h"
#include "store/store.h"

namespace reclaim {

struct LoadProgress {
  std::string entry;       // archive path of the entry just processed
  int64_t entry_size = 0;  // its size in bytes
  int64_t entries = 0;     // entries processed so far
  int64_t bytes_read = 0;  // bytes pulled from the source so far (compressed)
};

struct LoadOptions {
  // Limits; exceeding one is InvalidArgument.
  int64_t max_json_size = 4 << 20;           // metadata files, manifests, indexes, configs
  int64_t max_entries = 100000;              // archive entries of any type
  int64_t max_blob_size = int64_t{1} << 40;  // one archive entry
  int64_t max_images = 10000;                // manifest.json / index.json entries, index children
  int64_t max_layers = 4096;                 // layers of one manifest
  int max_index_depth = 8;                   // nested indexes below a target
  int64_t max_graph_nodes = 100000;          // distinct manifests/indexes checked
  // Replace a docker-archive layer by a compressed blob already in the store
  // whose containerd.io/uncompressed label names it (containerd does).
  bool reuse_compressed_layers = true;
  const Clock* clock = nullptr;                       // lease expiry; default RealClock()
  std::function<void(const LoadProgress&)> progress;  // after each entry
};

enum class ArchiveFormat { kOciLayout, kDockerArchive };

struct LoadedImage {
  std::string name;  // stored name: canonical, or moby-dangling@<digest>
  Descriptor target;
  // The target the name had before, when the load moved an existing name.
  std::optional<Descriptor> previous_target;
  bool created = false;  // a new record (else an existing one was updated)

  bool dangling() const;
  // moby's line: "Loaded image: alpine:latest" or "Loaded image ID: sha256:…".
  std::string Message() const;
};

struct LoadResult {
  ArchiveFormat format = ArchiveFormat::kOciLayout;
  std::vector<LoadedImage> images;  // in archive order (one per name)
  int64_t entries = 0;
  int64_t bytes_read = 0;
  int64_t blobs_written = 0;  // entries committed as new content
};

[[nodiscard]] absl::StatusOr<LoadResult> LoadArchive(Store& store, ByteSource& source,
                                                     const LoadOptions& options = {});

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_LOAD_H_
