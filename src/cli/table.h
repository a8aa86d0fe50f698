// File: cli/table.h
//
// What the docker CLI's formatters do to values before printing them:
//   Table           columns as Go's text/tabwriter prints them with the docker
//                   CLI's settings (minwidth 10, padding 3, spaces); widths are
//                   counted in runes (UTF-8 code points), as tabwriter does.
//   HumanDuration   go-units HumanDuration ("3 days", "About an hour"), the
//                   CREATED columns ("... ago").
//   HumanSizeWithPrecision  go-units HumanSizeWithPrecision: decimal units with
//                   `precision` significant digits (`%.3g`): the SIZE columns
//                   ("8MB", "1.23kB", and the quirk "1e+03kB" for 999999).
//   Ellipsis        the formatter's Ellipsis: cut to a display width with "…".
//   TruncateId      stringid.TruncateID: drop "<algo>:" and keep 12 characters.
//
// Thread-safety: a Table is used by one thread at a time; the functions are pure.
#ifndef RECLAIM_CLI_TABLE_H_
#define RECLAIM_CLI_TABLE_H_

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace reclaim {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// The number of UTF-8 code points in `s` (bytes that are not continuation bytes).
size_t RuneCount(std::string_view s);

// go-units HumanDuration, as `docker images` prints CREATED ("2 hours").
std::string HumanDuration(absl::Duration d);

// go-units HumanSizeWithPrecision (decimal units, `%.<precision>g`).
std::string HumanSizeWithPrecision(double bytes, int precision);

// The docker CLI formatter's Ellipsis: `s` when it fits in `max_width` runes,
// else its first max_width-1 runes and "…".
std::string Ellipsis(std::string_view s, size_t max_width);

// stringid.TruncateID: the part after the first ':' (if any), cut to 12 characters.
std::string TruncateId(std::string_view id);

}  // namespace reclaim

#endif  // RECLAIM_CLI_TABLE_H_
