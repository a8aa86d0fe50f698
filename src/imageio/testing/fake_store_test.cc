// FakeStore through the store role conformance suites: the fake used by unit
// tests and fuzzers keeps the same contract as the real stores.
#include "imageio/testing/fake_store.h"

#include <memory>

#include "store/conformance/conformance.h"

namespace reclaim {
namespace {

class FakeFixture final : public StoreFixture {
 public:
  Store& store() override { return store_; }

 private:
  FakeStore store_;
};

RECLAIM_INSTANTIATE_STORE_CONFORMANCE(Fake, (StoreFactory{"fake", [] {
                                                            return std::make_unique<FakeFixture>();
                                                          }}));

}  // namespace
}  // namespace reclaim
