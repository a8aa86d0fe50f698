#include "cli/progress.h"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/human_size.h"

namespace reclaim {
namespace {

constexpr int kBarCells = 50;

absl::Time MonotonicNow() {
  const auto since = std::chrono::steady_clock::now().time_since_epoch();
  return absl::UnixEpoch() + absl::FromChrono(since);
}

std::string PadLeft(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

ProgressBar::ProgressBar(std::ostream& out, std::string label, int64_t total,
                         absl::Duration delay, absl::Duration interval,
                         std::function<absl::Time()> now)
    : out_(out),
      label_(std::move(label)),
      total_(total),
      delay_(delay),
      interval_(interval),
      now_(now ? std::move(now) : std::function<absl::Time()>(MonotonicNow)),
      start_(now_()) {}

ProgressBar& ProgressBar::Unit(ProgressUnit unit) {
  unit_ = unit;
  return *this;
}

ProgressBar& ProgressBar::JsonLines(std::string operation) {
  json_operation_ = std::move(operation);
  return *this;
}

std::string ProgressBar::Bar(int64_t current, int64_t total, ProgressUnit unit) {
  auto count = [unit](int64_t n) {
    if (n < 0) n = 0;
    return unit == ProgressUnit::kItems ? std::to_string(n)
                                        : HumanSizeBytes(static_cast<uint64_t>(n));
  };
  const std::string cur = count(current);
  if (total <= 0) return PadLeft(cur, 8);
  int cells = static_cast<int>(static_cast<double>(current) / static_cast<double>(total) * 100) / 2;
  if (cells > kBarCells) cells = kBarCells;
  if (cells < 0) cells = 0;
  std::string bar = "[" + std::string(cells, '=') + ">" + std::string(kBarCells - cells, ' ') + "] ";
  std::string numbers = PadLeft(cur, 8);
  if (current <= total) numbers += "/" + count(total);
  return bar + numbers;
}

std::string ProgressBar::Render(const std::string& label, int64_t current, int64_t total,
                                ProgressUnit unit) {
  return label + "  " + Bar(current, total, unit);
}

std::string ProgressBar::JsonLine(const std::string& operation, const std::string& status,
                                  int64_t current, int64_t total, ProgressUnit unit) {
  nlohmann::ordered_json p = {{"operation", operation}, {"status", status}, {"current", current}};
  if (total > 0) p["total"] = total;
  p["unit"] = unit == ProgressUnit::kItems ? "items" : "bytes";
  return nlohmann::ordered_json{{"progress", p}}.dump();
}

void ProgressBar::Update(int64_t current, int64_t total) {
  total_ = total;
  Update(current);
}

void ProgressBar::Update(int64_t current) {
  const absl::Time now = now_();
  if (now - start_ < delay_) return;
  if (drawn_ && now - last_draw_ < interval_) return;
  if (json_operation_.has_value()) {
    out_ << JsonLine(*json_operation_, label_, current, total_, unit_) << "\n" << std::flush;
  } else {
    out_ << "\r" << Render(label_, current, total_, unit_) << "\x1b[K" << std::flush;
  }
  last_draw_ = now;
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  if (!json_operation_.has_value()) out_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

void LayerRows::Update(const std::string& id, const std::string& status, int64_t current,
                       int64_t total) {
  const bool bytes = total > 0;
  if (!terminal_) {
    if (!bytes) out_ << id << ": " << status << "\n" << std::flush;
    return;
  }
  if (bytes && !throttle_.Show(id, current, total)) return;
  auto it = std::find(ids_.begin(), ids_.end(), id);
  if (it == ids_.end()) {
    ids_.push_back(id);
    it = ids_.end() - 1;
    out_ << "\n";
  }
  const size_t up = static_cast<size_t>(ids_.end() - it);
  out_ << "\x1b[" << up << "A\x1b[2K\r" << id << ": " << status;
  if (bytes) out_ << " " << ProgressBar::Bar(current, total);
  out_ << "\r\x1b[" << up << "B" << std::flush;
}

void LayerRows::Line(const std::string& text) {
  ids_.clear();
  out_ << text << "\n" << std::flush;
}

}  // namespace reclaim
