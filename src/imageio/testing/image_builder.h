// File: imageio/testing/image_builder.h
//
// Builds small, real image graphs for tests: layers are tiny tars, configs and
// manifests are Go-shaped JSON, indexes list manifests with platforms. Blobs are
// returned as bytes so a test decides what goes into a store or an archive.
//
//   TestImage img = MakeTestImage("a", /*layers=*/2);
//   PutTestImage(store, img);                      // manifest + config + layers
//   TestIndex idx = MakeTestIndex({img, arm});     // an OCI index over them
//
// Thread-safety: pure functions plus the store's own guarantees.
#ifndef RECLAIM_IMAGEIO_TESTING_IMAGE_BUILDER_H_
#define RECLAIM_IMAGEIO_TESTING_IMAGE_BUILDER_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/descriptor.h"
#include "store/store.h"

namespace reclaim {

struct TestBlob {
  Descriptor desc;
  std::string bytes;
};

struct TestImage {
  TestBlob manifest;
  TestBlob config;
  std::vector<TestBlob> layers;
};

struct TestIndex {
  TestBlob index;
  std::vector<TestImage> images;
};

TestBlob MakeTestBlob(std::string bytes, std::string_view media_type);

// An OCI image (OCI manifest, OCI config for `platform`, gzip-free tar layers
// whose content depends on `seed`).
TestImage MakeTestImage(std::string_view seed, int layers, std::string_view arch = "amd64",
                        std::string_view os = "linux");
// An OCI index listing the images' manifests with their platforms.
TestIndex MakeTestIndex(const std::vector<TestImage>& images);

// Writes bytes through the store's writer (no lease); AlreadyExists is OK.
absl::Status PutTestBlob(Store& store, const TestBlob& blob, const Labels& labels = {});
// Manifest (with containerd's gc labels), config and layers.
absl::Status PutTestImage(Store& store, const TestImage& image);
// Index (with gc labels) and every image.
absl::Status PutTestIndex(Store& store, const TestIndex& index);
// An image record `name` -> target.
absl::Status PutRecord(Store& store, const std::string& name, const Descriptor& target);

}  // namespace reclaim

#endif  // RECLAIM_IMAGEIO_TESTING_IMAGE_BUILDER_H_
