// File: core/human_size.h
//
// Byte counts rendered the way the docker CLI prints them (docker/go-units):
// the value is divided by the base while it is >= the base (at most up to the
// largest unit), then printed with Go's `%.4g` followed by the unit, with no
// space. So: 0 → `0B`, 999 → `999B`, 1000 → `1kB`, 1234567 → `1.235MB`,
// 999999 → `1000kB` (999.999 rounds up after the unit was chosen),
// 1e28 → `1e+04YB` (Go's %g exponent form).
//
//   HumanSize  decimal units B, kB, MB, GB, TB, PB, EB, ZB, YB (base 1000);
//              what `Total reclaimed space:` uses.
//   BytesSize  binary units B, KiB, MiB, ... YiB (base 1024).
//
// Like Go, NaN prints as `NaN`, infinities as `+Inf`/`-Inf` (followed by the
// unit the loop stopped at), negative sizes are not scaled (`-5000B`).
//
// Thread-safety: stateless functions, safe to call concurrently.
#ifndef RECLAIM_CORE_HUMAN_SIZE_H_
#define RECLAIM_CORE_HUMAN_SIZE_H_

#include <cstdint>
#include <string>

namespace reclaim {

// go-units HumanSize: decimal units, 4 significant digits.
std::string HumanSize(double bytes);

// HumanSize of an unsigned byte count (converted to double first, as the CLI
// does with float64(report.SpaceReclaimed)).
std::string HumanSizeBytes(uint64_t bytes);

// go-units BytesSize: binary units, 4 significant digits.
std::string BytesSize(double bytes);

}  // namespace reclaim

#endif  // RECLAIM_CORE_HUMAN_SIZE_H_
