// File: imageio/distribution_source.h
//
// containerd's distribution source labels: which repositories of which
// registry a blob is known to be in. Pulls append the repository pulled from,
// pushes the repository pushed to; a later push to another repository of the
// same registry mounts the blob from one of them instead of uploading it.
//
//   key   containerd.io/distribution.source.<registry host, without the port>
//   value the repository paths, comma-separated, each once, in order added
//
//   RECLAIM_RETURN_IF_ERROR(AppendDistributionSource(store.content(), digest, ref));
//   for (const Reference& from : DistributionSources(info.labels)) ...
//
// This is containerd's AppendDistributionSourceLabel (remotes/docker/handler.go),
// which keys by url.Hostname(): "127.0.0.1:5000/app" is labelled
// `containerd.io/distribution.source.127.0.0.1=app`.
//
// Thread-safety: free functions. Two concurrent appends to one blob may lose
// one of the repositories (a read-modify-write, as in containerd); the label
// is a hint, never what keeps content alive.
#ifndef RECLAIM_IMAGEIO_DISTRIBUTION_SOURCE_H_
#define RECLAIM_IMAGEIO_DISTRIBUTION_SOURCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/digest.h"
#include "core/reference.h"
#include "store/content.h"

namespace reclaim {

inline constexpr std::string_view kDistributionSourcePrefix = "containerd.io/distribution.source.";

// Go's url.Hostname() of a registry domain: "127.0.0.1:5000" -> "127.0.0.1",
// "[::1]:5000" -> "::1", "docker.io" as is.
std::string RegistryHostname(std::string_view domain);

// The label key for registry `domain` ("127.0.0.1:5000" -> "...source.127.0.0.1").
std::string DistributionSourceLabel(std::string_view domain);

// `existing` ("a,b") with `repo` added unless it is already there.
std::string AppendRepository(std::string_view existing, std::string_view repo);

// Adds `repo`'s path to `digest`'s label for `repo`'s registry. NotFound when
// the store does not have the blob.
[[nodiscard]] absl::Status AppendDistributionSource(ContentStore& content, const Digest& digest,
                                                    const Reference& repo);

// The repositories `labels` name, as references without tag: host (no port)
// plus path. Values that do not parse are skipped.
std::vector<Reference> DistributionSources(const Labels& labels);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_DISTRIBUTION_SOURCE_H_
