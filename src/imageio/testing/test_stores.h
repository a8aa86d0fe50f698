// File: imageio/testing/test_stores.h
//
// The stores imageio's tests run against: the in-memory FakeStore always, and
// the embedded LocalStore on a temporary root (removed afterwards) when the
// test binary is built with RECLAIM_IMAGEIO_TEST_LOCAL_STORE.
//
//   class LoadTest : public ::testing::TestWithParam<TestStoreKind> {...};
//   INSTANTIATE_TEST_SUITE_P(Stores, LoadTest, ::testing::ValuesIn(AllTestStores()),
//                            TestStoreName);
//
// Thread-safety: a TestStore belongs to one test.
#ifndef RECLAIM_IMAGEIO_TESTING_TEST_STORES_H_
#define RECLAIM_IMAGEIO_TESTING_TEST_STORES_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "imageio/testing/fake_store.h"
#include "platform/clock.h"
#include "store/store.h"
#ifdef RECLAIM_IMAGEIO_TEST_LOCAL_STORE
#include "store/local/local_store.h"
#endif

namespace reclaim {

enum class TestStoreKind { kFake, kLocal };

inline std::vector<TestStoreKind> AllTestStores() {
#ifdef RECLAIM_IMAGEIO_TEST_LOCAL_STORE
  return {TestStoreKind::kFake, TestStoreKind::kLocal};
#else
  return {TestStoreKind::kFake};
#endif
}

inline std::string TestStoreName(const ::testing::TestParamInfo<TestStoreKind>& info) {
  return info.param == TestStoreKind::kFake ? "Fake" : "Local";
}

// Owns a store and, for LocalStore, its temporary root.
class TestStore {
 public:
  explicit TestStore(TestStoreKind kind, const Clock* clock = nullptr) {
    if (kind == TestStoreKind::kFake) {
      store_ = std::make_unique<FakeStore>();
      return;
    }
#ifdef RECLAIM_IMAGEIO_TEST_LOCAL_STORE
    char tmpl[] = "/tmp/reclaim-imageio-test-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      store_ = std::make_unique<FakeStore>();
      return;
    }
    dir_ = dir;
    LocalStoreOptions o;
    o.root = dir_ + "/root";
    o.clock = clock;
    auto s = LocalStore::Open(o);
    if (!s.ok()) {
      ADD_FAILURE() << s.status();
      store_ = std::make_unique<FakeStore>();
      return;
    }
    store_ = std::move(*s);
#else
    (void)clock;
    ADD_FAILURE() << "LocalStore not built";
    store_ = std::make_unique<FakeStore>();
#endif
  }
  ~TestStore() {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }
  Store& get() { return *store_; }

 private:
  std::unique_ptr<Store> store_;
  std::string dir_;
};

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_TESTING_TEST_STORES_H_
