#include "core/human_size.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

struct SizeCase {
  double bytes;
  const char* want;
};

TEST(HumanSizeTest, DecimalUnitsFourSignificantDigits) {
  const SizeCase cases[] = {
      // Observed docker CLI output (docker-api.md) and go-units' own tests.
      {0, "0B"},
      {1, "1B"},
      {999, "999B"},
      {1000, "1kB"},
      {1024, "1.024kB"},
      {1234567, "1.235MB"},
      {999999, "1000kB"},  // unit chosen before rounding
      {123456789012, "123.5GB"},
      {8000000, "8MB"},
      {1000000, "1MB"},
      {1048576, "1.049MB"},
      {2e6, "2MB"},
      {3.42e9, "3.42GB"},
      {5.372e12, "5.372TB"},
      {2.22e15, "2.22PB"},
      {1e28, "1e+04YB"},  // Go %g exponent form past the largest unit
      // Boundaries and rounding.
      {1500, "1.5kB"},
      {9999, "9.999kB"},
      {99999, "100kB"},
      {999499, "999.5kB"},
      {999500, "999.5kB"},
      {999999999, "1000MB"},
      {1000500, "1MB"},
      {12345, "12.35kB"},
      {12355, "12.36kB"},
      {44400000, "44.4MB"},
      {180000000, "180MB"},
      {1062.5, "1.062kB"},  // exact tie, round half to even
      {1187.5, "1.188kB"},  // exact tie, round half to even
      {100.25, "100.2B"},
      {100.75, "100.8B"},
      {999.5, "999.5B"},
      {999.95, "1000B"},
      {1e18, "1EB"},
      {1e21, "1ZB"},
      {1e24, "1YB"},
      {1e27, "1000YB"},
      {1e30, "1e+06YB"},
      // Fractions, negatives (never scaled) and non-finite values as Go prints them.
      {0.5, "0.5B"},
      {0.0001, "0.0001B"},
      {0.00001, "1e-05B"},
      {-1, "-1B"},
      {-5000, "-5000B"},
      {-123456, "-1.235e+05B"},
      {std::numeric_limits<double>::quiet_NaN(), "NaNB"},
      {std::numeric_limits<double>::infinity(), "+InfYB"},
      {-std::numeric_limits<double>::infinity(), "-InfB"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HumanSize(c.bytes), c.want) << "bytes=" << c.bytes;
  }
}

TEST(HumanSizeTest, UnsignedByteCounts) {
  struct Case {
    uint64_t bytes;
    const char* want;
  };
  const Case cases[] = {
      {0, "0B"},
      {5, "5B"},
      {8000000, "8MB"},
      {(uint64_t{1} << 53) + 1, "9.007PB"},
      {std::numeric_limits<uint64_t>::max(), "18.45EB"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HumanSizeBytes(c.bytes), c.want) << "bytes=" << c.bytes;
  }
}

TEST(BytesSizeTest, BinaryUnits) {
  const SizeCase cases[] = {
      {0, "0B"},
      {1, "1B"},
      {1000, "1000B"},
      {1023, "1023B"},
      {1024, "1KiB"},
      {1536, "1.5KiB"},
      {1048575, "1024KiB"},
      {1048576, "1MiB"},
      {2097152, "2MiB"},
      {3.42 * 1024 * 1024 * 1024, "3.42GiB"},
      {5.372 * 1024 * 1024 * 1024 * 1024, "5.372TiB"},
      {2.22 * 1024 * 1024 * 1024 * 1024 * 1024, "2.22PiB"},
      {1267650600228229401496703205376.0, "1.049e+06YiB"},  // 2^100
      {1e300, "8.272e+275YiB"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(BytesSize(c.bytes), c.want) << "bytes=" << c.bytes;
  }
}

}  // namespace
}  // namespace reclaim
