// File: gc/labels.h
//
// The label keys of containerd's garbage collector (metadata/gc.go), one set
// for every module: the pure collector (gc/gc.h), the stores (store/) and the
// planner read them from here.
#ifndef RECLAIM_GC_LABELS_H_
#define RECLAIM_GC_LABELS_H_

#include <string_view>

namespace reclaim::gc {

// Presence of the key (any value) makes content or a snapshot a root.
inline constexpr std::string_view kLabelRoot = "containerd.io/gc.root";
// Every reference label starts with this.
inline constexpr std::string_view kLabelRefPrefix = "containerd.io/gc.ref.";
// `...content`, `...content.<name>` or `...content/<name>` = <digest>.
inline constexpr std::string_view kLabelContentRef = "containerd.io/gc.ref.content";
// The prefix of content references with a name: `...content.<name>`.
inline constexpr std::string_view kLabelContentRefPrefix = "containerd.io/gc.ref.content.";
// `...snapshot.<snapshotter>[/<name>]` = <key>.
inline constexpr std::string_view kLabelSnapshotRef = "containerd.io/gc.ref.snapshot.";
// On a lease: RFC 3339 time after which the lease is no longer a root.
inline constexpr std::string_view kLabelExpire = "containerd.io/gc.expire";
// On a lease: what it holds is kept, but its reference labels are not followed.
inline constexpr std::string_view kLabelFlat = "containerd.io/gc.flat";

}  // namespace reclaim::gc

#endif  // RECLAIM_GC_LABELS_H_
