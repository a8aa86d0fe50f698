// File: store/conformance.h
//
// The conformance suite every Store implementation must pass. An implementation
// instantiates it with a factory that makes a fresh, empty store:
//
//   INSTANTIATE_TEST_SUITE_P(Local, StoreConformance,
//       ::testing::Values(StoreFactory{"local", [] { return MakeLocalFixture(); }}),
//       [](const auto& info) { return info.param.name; });
//
// The tests write their own small image graphs (manifest -> config + layers, with
// containerd's gc.ref labels) and check the store's records, content protocol,
// leases and collection against containerd's model.
#ifndef RECLAIM_STORE_CONFORMANCE_H_
#define RECLAIM_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "store/store.h"

namespace reclaim {

// Owns a store and whatever it needs (a temporary root, a daemon connection).
class StoreFixture {
 public:
  virtual ~StoreFixture() = default;
  virtual Store& store() = 0;
};

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<StoreFixture>()> make;
  friend void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }
};

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    fixture_ = GetParam().make();
    ASSERT_NE(fixture_, nullptr);
  }
  Store& store() { return fixture_->store(); }

 private:
  std::unique_ptr<StoreFixture> fixture_;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_CONFORMANCE_H_
