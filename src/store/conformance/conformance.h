// File: store/conformance/conformance.h
//
// The conformance suites every Store implementation must pass, one per role
// (store/store.h):
//
//   ImageStoreConformance      images.cc
//   ContentStoreConformance    content.cc
//   ContainerStoreConformance  containers.cc
//   LeaseStoreConformance      leases.cc
//   CollectorConformance       collector.cc
//   SnapshotStoreConformance   snapshots.cc
//
// An implementation instantiates them all with a factory that makes a fresh,
// empty store:
//
//   RECLAIM_INSTANTIATE_STORE_CONFORMANCE(Local,
//       StoreFactory{"local", [] { return MakeLocalFixture(); }});
//
// The tests write their own small image graphs (manifest -> config + layers,
// with containerd's gc.ref labels) and check each role against containerd's
// model.
#ifndef RECLAIM_STORE_CONFORMANCE_CONFORMANCE_H_
#define RECLAIM_STORE_CONFORMANCE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/media_types.h"
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

// The fixture of every role suite: a fresh store per test.
class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    fixture_ = GetParam().make();
    ASSERT_NE(fixture_, nullptr);
  }
  Store& store() { return fixture_->store(); }

 private:
  std::unique_ptr<StoreFixture> fixture_;
};

class ImageStoreConformance : public StoreConformanceTest {};
class ContentStoreConformance : public StoreConformanceTest {};
class ContainerStoreConformance : public StoreConformanceTest {};
class LeaseStoreConformance : public StoreConformanceTest {};
class CollectorConformance : public StoreConformanceTest {};
class SnapshotStoreConformance : public StoreConformanceTest {};

#define RECLAIM_STORE_CONFORMANCE_SUITE_(prefix, suite, factory)      \
  INSTANTIATE_TEST_SUITE_P(prefix, suite, ::testing::Values(factory), \
                           [](const auto& info) { return info.param.name; })
// Instantiates every role suite for one factory.
#define RECLAIM_INSTANTIATE_STORE_CONFORMANCE(prefix, factory)                  \
  RECLAIM_STORE_CONFORMANCE_SUITE_(prefix, ImageStoreConformance, factory);     \
  RECLAIM_STORE_CONFORMANCE_SUITE_(prefix, ContentStoreConformance, factory);   \
  RECLAIM_STORE_CONFORMANCE_SUITE_(prefix, ContainerStoreConformance, factory); \
  RECLAIM_STORE_CONFORMANCE_SUITE_(prefix, LeaseStoreConformance, factory);     \
  RECLAIM_STORE_CONFORMANCE_SUITE_(prefix, CollectorConformance, factory);      \
  RECLAIM_STORE_CONFORMANCE_SUITE_(prefix, SnapshotStoreConformance, factory)

// Helpers the suites share.
namespace conformance {

// Writes `bytes` as a blob (under `lease` when given) and returns its descriptor.
Descriptor Put(ContentStore& content, std::string_view media_type, const std::string& bytes,
               const Labels& labels = {}, const std::string& lease = "");

// A one-platform image: layers (shared ones passed in), a config, a manifest
// carrying containerd's gc.ref labels.
struct TestImage {
  Descriptor manifest, config;
  std::vector<Descriptor> layers;
};
TestImage PutImage(ContentStore& content, const std::string& tag,
                   std::vector<Descriptor> shared_layers = {}, const std::string& lease = "");

ImageRecord Record(const std::string& name, const Descriptor& target);

// The digests of every blob in the store.
std::set<std::string> ContentDigests(ContentStore& content);

}  // namespace conformance
}  // namespace reclaim

#endif  // RECLAIM_STORE_CONFORMANCE_CONFORMANCE_H_
