// File: cli/progress.h
//
// A one-line progress bar for long operations on a terminal (`reclaim image
// load` on stderr), drawn the way the docker CLI draws a JSON progress message
// (jsonmessage.JSONProgress): a 50-cell bar and `current/total` in go-units
// HumanSize, redrawn in place with a carriage return:
//
//   Loading  [=========================>                         ]  12.35MB/24.7MB
//
// With an unknown total (a pipe) only the bytes so far are shown. Counts of
// items (a prune's images) are plain numbers. Nothing is
// drawn before `delay` has passed, so short operations print nothing, and
// redraws are at most one per `interval`. Finish() erases the line when
// something was drawn, so the command's own output starts on a clean line.
//
//   ProgressBar bar(err, "Loading", file_size);
//   options.progress = [&](const LoadProgress& p) { bar.Update(p.bytes_read); };
//   ... bar.Finish();
//
// Thread-safety: one thread at a time.
#ifndef RECLAIM_CLI_PROGRESS_H_
#define RECLAIM_CLI_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "docker/pull_json.h"

namespace reclaim {

enum class ProgressUnit { kBytes, kItems };

class ProgressBar {
 public:
  // `total` <= 0: unknown. `now` is the time source (default: a monotonic clock).
  ProgressBar(std::ostream& out, std::string label, int64_t total,
              absl::Duration delay = absl::Milliseconds(500),
              absl::Duration interval = absl::Milliseconds(100),
              std::function<absl::Time()> now = nullptr);

  // Counts in `unit` (items are plain numbers: "120/5000").
  ProgressBar& Unit(ProgressUnit unit);
  // JSON lines for scripts instead of a redrawn line (`--format json`), one
  // per draw, under the same delay and interval:
  //   {"progress":{"operation":"load","status":"Loading","current":1048576,
  //                "total":24700000,"unit":"bytes"}}
  // `total` is absent when unknown; Finish writes nothing.
  ProgressBar& JsonLines(std::string operation);

  void Update(int64_t current);
  // Update with a new total (a phase whose size is known only once it began).
  void Update(int64_t current, int64_t total);
  // A new label (the next phase of the operation), drawn at the next Update
  // whatever the interval.
  void Relabel(std::string label) {
    label_ = std::move(label);
    last_draw_ = absl::InfinitePast();
  }
  void Finish();
  bool drawn() const { return drawn_; }

  // The text of one frame, without the leading "\r" and the erase sequence.
  static std::string Render(const std::string& label, int64_t current, int64_t total,
                            ProgressUnit unit = ProgressUnit::kBytes);
  // Its bar and counts alone: "[====>     ]  1.2MB/3.4MB" (just the counts
  // without a total).
  static std::string Bar(int64_t current, int64_t total,
                         ProgressUnit unit = ProgressUnit::kBytes);
  // One JSON line (without the newline).
  static std::string JsonLine(const std::string& operation, const std::string& status,
                              int64_t current, int64_t total, ProgressUnit unit);

 private:
  std::ostream& out_;
  std::string label_;
  int64_t total_;
  const absl::Duration delay_;
  const absl::Duration interval_;
  std::function<absl::Time()> now_;
  absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
  bool drawn_ = false;
  ProgressUnit unit_ = ProgressUnit::kBytes;
  std::optional<std::string> json_operation_;
};

// The per-layer rows of `reclaim image pull` / `push`, as the docker CLI
// shows a pull or push stream (jsonmessage.DisplayJSONMessagesStream):
//
//  - on a terminal, each id owns a row, added below the others when it first
//    appears and rewritten in place afterwards (cursor up to it, erase, write,
//    cursor back down), byte counts drawn as a bar;
//  - elsewhere, each message is a line, except those carrying byte progress
//    (Downloading, Pushing), which are left out.
//
// A message without an id is a plain line and, as in docker, ends the rows
// (ids seen after it get new ones: `pull -a` shows each tag's layers anew).
//
//   LayerRows rows(out, terminal);
//   rows.Update("0123456789ab", "Downloading", 1048576, 3402000);
//   rows.Update("0123456789ab", "Download complete");
//   rows.Line("Digest: sha256:…");
//
// Thread-safety: one thread at a time.
class LayerRows {
 public:
  LayerRows(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  // `total` > 0 marks byte progress (a bar on a terminal, no line elsewhere).
  void Update(const std::string& id, const std::string& status, int64_t current = 0,
              int64_t total = 0);
  void Line(const std::string& text);

 private:
  std::ostream& out_;
  const bool terminal_;
  std::vector<std::string> ids_;  // rows, top to bottom
  ProgressThrottle throttle_;  // byte counts at most every 100 ms per row
};

}  // namespace reclaim

#endif  // RECLAIM_CLI_PROGRESS_H_
