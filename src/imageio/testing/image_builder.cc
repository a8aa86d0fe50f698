#include "imageio/testing/image_builder.h"

#include "core/digest.h"
#include "core/media_types.h"
#include "core/status.h"
#include "imageio/go_json.h"
#include "imageio/testing/tar_builder.h"
#include "imageio/walk.h"

namespace reclaim {

TestBlob MakeTestBlob(std::string bytes, std::string_view media_type) {
  TestBlob b;
  b.desc.media_type = std::string(media_type);
  b.desc.digest = Digest::Sha256Of(bytes);
  b.desc.size = static_cast<int64_t>(bytes.size());
  b.bytes = std::move(bytes);
  return b;
}

TestImage MakeTestImage(std::string_view seed, int layers, std::string_view arch,
                        std::string_view os) {
  TestImage img;
  std::string diff_ids;
  for (int i = 0; i < layers; ++i) {
    TarBuilder tar;
    tar.File("file-" + std::string(seed) + "-" + std::to_string(i),
             "content of " + std::string(seed) + " layer " + std::to_string(i) + "\n");
    img.layers.push_back(MakeTestBlob(tar.Finish(), media_types::kOciLayer));
    if (i > 0) diff_ids += ",";
    diff_ids += GoJsonString(img.layers.back().desc.digest.str());
  }
  const std::string config = "{\"architecture\":" + GoJsonString(arch) +
                             ",\"os\":" + GoJsonString(os) +
                             ",\"config\":{\"Labels\":{\"seed\":" + GoJsonString(seed) +
                             "}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diff_ids + "]}}";
  img.config = MakeTestBlob(config, media_types::kOciConfig);
  std::vector<Descriptor> layer_descs;
  for (const TestBlob& l : img.layers) layer_descs.push_back(l.desc);
  img.manifest =
      MakeTestBlob(GoJsonOciManifest(img.config.desc, layer_descs), media_types::kOciManifest);
  Platform p;
  p.architecture = std::string(arch);
  p.os = std::string(os);
  img.manifest.desc.platform = p;
  return img;
}

TestIndex MakeTestIndex(const std::vector<TestImage>& images) {
  TestIndex idx;
  idx.images = images;
  std::vector<Descriptor> manifests;
  for (const TestImage& i : images) manifests.push_back(i.manifest.desc);
  std::string body = GoJsonOciIndex(manifests);
  // An OCI index declares its own media type.
  body.insert(1, "\"mediaType\":\"application/vnd.oci.image.index.v1+json\",");
  idx.index = MakeTestBlob(body, media_types::kOciIndex);
  return idx;
}

absl::Status PutTestBlob(Store& store, const TestBlob& blob, const Labels& labels) {
  WriterOptions o;
  o.ref = "test-" + std::string(blob.desc.digest.hex());
  RECLAIM_ASSIGN_OR_RETURN(std::unique_ptr<ContentWriter> w, store.content().Writer(o));
  RECLAIM_RETURN_IF_ERROR(w->Write(blob.bytes));
  absl::Status s = w->Commit(blob.desc.size, blob.desc.digest, labels);
  if (absl::IsAlreadyExists(s)) return absl::OkStatus();
  return s;
}

absl::Status PutTestImage(Store& store, const TestImage& image) {
  for (const TestBlob& l : image.layers) RECLAIM_RETURN_IF_ERROR(PutTestBlob(store, l));
  RECLAIM_RETURN_IF_ERROR(PutTestBlob(store, image.config));
  std::vector<Descriptor> children = {image.config.desc};
  for (const TestBlob& l : image.layers) children.push_back(l.desc);
  return PutTestBlob(store, image.manifest, ChildGcLabels(children));
}

absl::Status PutTestIndex(Store& store, const TestIndex& index) {
  for (const TestImage& i : index.images) RECLAIM_RETURN_IF_ERROR(PutTestImage(store, i));
  std::vector<Descriptor> children;
  for (const TestImage& i : index.images) children.push_back(i.manifest.desc);
  return PutTestBlob(store, index.index, ChildGcLabels(children));
}

absl::Status PutRecord(Store& store, const std::string& name, const Descriptor& target) {
  ImageRecord r;
  r.name = name;
  r.target = target;
  return store.images().CreateImage(r).status();
}

}  // namespace reclaim
