// File: cli/table.h
//
// Column output as the docker CLI prints it (Go's tabwriter with minwidth 10,
// padding 3, spaces), and go-units' HumanDuration ("3 days", "About an hour").
//
// Thread-safety: a Table is used by one thread at a time.
#ifndef RECLAIM_CLI_TABLE_H_
#define RECLAIM_CLI_TABLE_H_

#include <iosfwd>
#include <string>
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

// go-units HumanDuration, as `docker images` prints CREATED ("2 hours").
std::string HumanDuration(absl::Duration d);

}  // namespace reclaim

#endif  // RECLAIM_CLI_TABLE_H_
