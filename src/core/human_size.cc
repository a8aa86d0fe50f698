#include "core/human_size.h"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace reclaim {
namespace {

constexpr std::array<std::string_view, 9> kDecimalUnits = {"B",  "kB", "MB", "GB", "TB",
                                                           "PB", "EB", "ZB", "YB"};
constexpr std::array<std::string_view, 9> kBinaryUnits = {"B",   "KiB", "MiB", "GiB", "TiB",
                                                          "PiB", "EiB", "ZiB", "YiB"};

// Go's fmt `%.4g`. std::to_chars' general format with a precision is defined as
// printf's %g in the "C" locale, which picks the same form, digits and exponent
// width as Go for finite values; only NaN and the infinities are spelled
// differently.
std::string FormatG4(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::array<char, 64> buf;
  const auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::general, 4);
  if (res.ec != std::errc()) return "NaN";  // cannot happen with 64 bytes
  return std::string(buf.data(), res.ptr);
}

template <size_t N>
std::string CustomSize(double size, double base, const std::array<std::string_view, N>& units) {
  size_t i = 0;
  while (size >= base && i < N - 1) {
    size /= base;
    ++i;
  }
  std::string out = FormatG4(size);
  out.append(units[i]);
  return out;
}

}  // namespace

std::string HumanSize(double bytes) { return CustomSize(bytes, 1000.0, kDecimalUnits); }

std::string HumanSizeBytes(uint64_t bytes) { return HumanSize(static_cast<double>(bytes)); }

std::string BytesSize(double bytes) { return CustomSize(bytes, 1024.0, kBinaryUnits); }

}  // namespace reclaim
