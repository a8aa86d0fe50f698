// File: api/service_backend_test.cc
//
// ServiceBackend over the real services on an embedded store in a temporary
// root: the JSON shapes Docker clients read, and the version-dependent ones.
#include "api/service_backend.h"

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "docker/json.h"
#include "gtest/gtest.h"
#include "imageio/testing/tar_builder.h"
#include "service/testing/store_fixture.h"

namespace reclaim {
namespace {

using service_testing::GraphBuilder;
using service_testing::ImageSpec;
using service_testing::TempLocalStore;

std::vector<std::string> Keys(const Json& j) {
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  return keys;
}

class NullWriter final : public JsonMessageWriter {
 public:
  absl::Status Write(const Json& m) override {
    messages.push_back(m);
    return absl::OkStatus();
  }
  std::vector<Json> messages;
};

class ServiceBackendTest : public ::testing::Test {
 protected:
  ServiceBackendTest()
      : images_(root_.store()), containers_(images_), backend_(images_, containers_), b_(root_.store()) {}

  RequestContext Ctx(std::string version = "1.50") { return RequestContext{std::move(version)}; }

  TempLocalStore root_;
  ImageService images_;
  ContainerService containers_;
  ServiceBackend backend_;
  GraphBuilder b_;
};

TEST_F(ServiceBackendTest, ListImagesShapeByVersion) {
  ImageSpec spec;
  spec.layers = {"l1", "l2"};
  spec.labels = {{"team", "a"}};
  Descriptor app = b_.Image("app", spec);
  b_.Name("app:1", app);
  Descriptor orphan = b_.Image("orphan", {"l3"});
  b_.Dangling(orphan);

  absl::StatusOr<Json> list = backend_.ListImages(Ctx(), {});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  const Json* tagged = nullptr;
  const Json* dangling = nullptr;
  for (const Json& row : *list) {
    (row["RepoTags"].empty() ? dangling : tagged) = &row;
  }
  ASSERT_NE(tagged, nullptr);
  ASSERT_NE(dangling, nullptr);
  EXPECT_EQ(Keys(*tagged), (std::vector<std::string>{"Containers", "Created", "Id", "Labels",
                                                     "ParentId", "Descriptor", "RepoDigests",
                                                     "RepoTags", "SharedSize", "Size"}));
  EXPECT_EQ((*tagged)["Id"], app.digest.str());
  EXPECT_EQ((*tagged)["RepoTags"], Json::array({"app:1"}));
  EXPECT_EQ((*tagged)["Containers"], -1);
  EXPECT_EQ((*tagged)["SharedSize"], -1);
  EXPECT_EQ((*tagged)["Labels"], Json({{"team", "a"}}));
  EXPECT_EQ((*tagged)["Descriptor"]["digest"], app.digest.str());
  EXPECT_GT((*tagged)["Size"].get<int64_t>(), 0);
  EXPECT_EQ((*dangling)["RepoDigests"], Json::array());

  // Below 1.43 an image without tags or digests gets the <none> pair; below
  // 1.44 VirtualSize is there; below 1.48 no Descriptor.
  absl::StatusOr<Json> old = backend_.ListImages(Ctx("1.41"), {});
  ASSERT_TRUE(old.ok());
  bool saw_none = false;
  for (const Json& row : *old) {
    EXPECT_FALSE(row.contains("Descriptor"));
    EXPECT_EQ(row["VirtualSize"], row["Size"]);
    if (row["RepoTags"] == Json::array({"<none>:<none>"})) {
      saw_none = true;
      EXPECT_EQ(row["RepoDigests"], Json::array({"<none>@<none>"}));
    }
  }
  EXPECT_TRUE(saw_none);
}

TEST_F(ServiceBackendTest, ListImagesFilterErrorsAreDockers) {
  ImageListQuery q;
  q.filters.Add("foo", "x");
  absl::StatusOr<Json> list = backend_.ListImages(Ctx(), q);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(list.status().message(), "invalid filter 'foo'");
}

TEST_F(ServiceBackendTest, ListImagesBodyIsTheListsJsonAndSharedUntilAWrite) {
  Descriptor app = b_.Image("app", {"l1"});
  b_.Name("app:1", app);
  b_.Dangling(b_.Image("orphan", {"l2"}));
  for (const std::string version : {"1.41", "1.50"}) {
    SCOPED_TRACE(version);
    absl::StatusOr<std::shared_ptr<const std::string>> body =
        backend_.ListImagesBody(Ctx(version), {});
    ASSERT_TRUE(body.ok()) << body.status();
    absl::StatusOr<Json> tree = backend_.ListImages(Ctx(version), {});
    ASSERT_TRUE(tree.ok());
    EXPECT_EQ(**body, EncodeJson(*tree));
    absl::StatusOr<std::shared_ptr<const std::string>> again =
        backend_.ListImagesBody(Ctx(version), {});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->get(), body->get());  // nothing changed: the same bytes object
  }
  absl::StatusOr<std::shared_ptr<const std::string>> before =
      backend_.ListImagesBody(Ctx(), {});
  ASSERT_TRUE(before.ok());
  b_.Name("app:2", app);
  absl::StatusOr<std::shared_ptr<const std::string>> after = backend_.ListImagesBody(Ctx(), {});
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->get(), before->get());
  EXPECT_NE((*after)->find("\"app:2\""), std::string::npos);
  EXPECT_EQ((*before)->find("\"app:2\""), std::string::npos);

  // Filtered: computed for the request, the same bytes as the tree.
  ImageListQuery q;
  q.filters.Add("dangling", "true");
  absl::StatusOr<std::shared_ptr<const std::string>> filtered = backend_.ListImagesBody(Ctx(), q);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  absl::StatusOr<Json> tree = backend_.ListImages(Ctx(), q);
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->size(), 1u);
  EXPECT_EQ(**filtered, EncodeJson(*tree));
  // Errors are the list's.
  ImageListQuery bad;
  bad.filters.Add("foo", "x");
  EXPECT_EQ(backend_.ListImagesBody(Ctx(), bad).status().message(), "invalid filter 'foo'");
}

TEST_F(ServiceBackendTest, InspectImageKeyOrderAndMissing) {
  Descriptor app = b_.Image("app", {"l1"});
  b_.Name("app:1", app);
  absl::StatusOr<Json> j = backend_.InspectImage(Ctx(), "app:1");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(Keys(*j), (std::vector<std::string>{"Id", "RepoTags", "RepoDigests", "Parent",
                                                "Comment", "Created", "DockerVersion", "Author",
                                                "Config", "Architecture", "Os", "Size",
                                                "GraphDriver", "RootFS", "Metadata",
                                                "Descriptor"}));
  EXPECT_EQ((*j)["Id"], app.digest.str());
  EXPECT_EQ((*j)["Created"], "2024-01-02T03:04:05Z");
  EXPECT_EQ((*j)["Config"]["Cmd"], Json::array({"/bin/sh"}));
  EXPECT_EQ((*j)["RootFS"]["Type"], "layers");
  EXPECT_EQ((*j)["Metadata"]["LastTagTime"].get<std::string>().empty(), false);

  absl::StatusOr<Json> missing = backend_.InspectImage(Ctx(), "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "No such image: nope:latest");
}

TEST_F(ServiceBackendTest, RemoveTagAndPrune) {
  Descriptor app = b_.Image("app", {"l1"});
  b_.Name("app:1", app);
  ASSERT_TRUE(backend_.TagImage(Ctx(), "app:1", "docker.io/library/app", "2").ok());
  absl::StatusOr<Json> untag = backend_.RemoveImage(Ctx(), "app:2", {});
  ASSERT_TRUE(untag.ok()) << untag.status();
  EXPECT_EQ(EncodeJsonCompact(*untag), R"([{"Untagged":"app:2"}])");

  // Dry run: the report, nothing removed.
  ImagePruneQuery q;
  q.filters.Add("dangling", "false");
  q.dry_run = true;
  absl::StatusOr<Json> plan = backend_.PruneImages(Ctx(), q);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE((*plan)["ImagesDeleted"].is_array());
  EXPECT_EQ((*plan)["ImagesDeleted"][0], Json({{"Untagged", "app:1"}}));
  EXPECT_TRUE(backend_.InspectImage(Ctx(), "app:1").ok());

  q.dry_run = false;
  absl::StatusOr<Json> done = backend_.PruneImages(Ctx(), q);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ((*done)["ImagesDeleted"], (*plan)["ImagesDeleted"]);
  EXPECT_EQ((*done)["SpaceReclaimed"], (*plan)["SpaceReclaimed"]);
  EXPECT_FALSE(backend_.InspectImage(Ctx(), "app:1").ok());

  // Nothing left: ImagesDeleted is null.
  absl::StatusOr<Json> empty = backend_.PruneImages(Ctx(), q);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(EncodeJsonCompact(*empty), R"({"ImagesDeleted":null,"SpaceReclaimed":0})");
}

TEST_F(ServiceBackendTest, ContainersLifecycle) {
  Descriptor app = b_.Image("app", {"l1"});
  b_.Name("app:1", app);
  ContainerCreateQuery create;
  create.name = "web";
  create.body = Json::parse(R"({"Image":"app:1","Cmd":"sleep","Labels":{"k":"v"},"Env":null})");
  absl::StatusOr<Json> created = backend_.CreateContainer(Ctx(), create);
  ASSERT_TRUE(created.ok()) << created.status();
  std::string id = (*created)["Id"];
  EXPECT_EQ(id.size(), 64u);
  EXPECT_EQ((*created)["Warnings"], Json::array());

  // Never running: docker ps shows nothing, -a shows it, a status filter too.
  EXPECT_EQ(*backend_.ListContainers(Ctx(), {}), Json::array());
  ContainerListQuery all;
  all.all = true;
  absl::StatusOr<Json> list = backend_.ListContainers(Ctx(), all);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  const Json& row = (*list)[0];
  EXPECT_EQ(Keys(row), (std::vector<std::string>{"Id", "Names", "Image", "ImageID", "Command",
                                                 "Created", "Ports", "Labels", "State", "Status",
                                                 "HostConfig", "NetworkSettings", "Mounts"}));
  EXPECT_EQ(row["Names"], Json::array({"/web"}));
  EXPECT_EQ(row["Image"], "app:1");
  EXPECT_EQ(row["ImageID"], app.digest.str());
  EXPECT_EQ(row["State"], "created");
  EXPECT_EQ(row["Command"], "sleep");

  ContainerListQuery by_status;
  by_status.filters.Add("status", "created");
  EXPECT_EQ(backend_.ListContainers(Ctx(), by_status)->size(), 1u);
  by_status.filters.Add("label", "k=other");
  EXPECT_EQ(backend_.ListContainers(Ctx(), by_status)->size(), 0u);
  ContainerListQuery bad;
  bad.filters.Add("status", "sleepy");
  EXPECT_EQ(backend_.ListContainers(Ctx(), bad).status().message(),
            "invalid filter 'status=[sleepy]'");
  ContainerListQuery ancestor;
  ancestor.all = true;
  ancestor.filters.Add("ancestor", "docker.io/library/app:1");
  EXPECT_EQ(backend_.ListContainers(Ctx(), ancestor)->size(), 1u);
  ancestor.filters.Add("ancestor", "other");
  EXPECT_EQ(backend_.ListContainers(Ctx(), ancestor)->size(), 1u);  // any ancestor matches
  ancestor.filters = {};
  ancestor.filters.Add("ancestor", "other");
  EXPECT_EQ(backend_.ListContainers(Ctx(), ancestor)->size(), 0u);

  absl::StatusOr<Json> inspect = backend_.InspectContainer(Ctx(), "web", false);
  ASSERT_TRUE(inspect.ok()) << inspect.status();
  EXPECT_EQ((*inspect)["Name"], "/web");
  EXPECT_EQ((*inspect)["Image"], app.digest.str());
  EXPECT_EQ((*inspect)["State"]["Status"], "created");
  EXPECT_EQ((*inspect)["Config"]["Image"], "app:1");
  EXPECT_EQ((*inspect)["Path"], "sleep");

  // The image is in use: rmi without force is a conflict.
  absl::StatusOr<Json> rmi = backend_.RemoveImage(Ctx(), "app:1", {});
  ASSERT_FALSE(rmi.ok());
  EXPECT_EQ(HttpStatusFor(rmi.status().code()), 409);

  absl::StatusOr<Json> df = backend_.DiskUsage(Ctx(), {});
  ASSERT_TRUE(df.ok()) << df.status();
  EXPECT_EQ(Keys(*df), (std::vector<std::string>{"LayersSize", "Images", "Containers", "Volumes",
                                                 "BuildCache"}));
  EXPECT_GT((*df)["LayersSize"].get<int64_t>(), 0);
  EXPECT_EQ((*df)["Images"][0]["Containers"], 1);
  EXPECT_EQ((*df)["Containers"][0]["SizeRw"], 0);

  absl::StatusOr<Json> pruned = backend_.PruneContainers(Ctx(), {});
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ((*pruned)["ContainersDeleted"], Json::array({id}));
  absl::Status gone = backend_.RemoveContainer(Ctx(), "web", {});
  EXPECT_EQ(gone.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(EncodeJsonCompact(*backend_.PruneContainers(Ctx(), {})),
            R"({"ContainersDeleted":null,"SpaceReclaimed":0})");
}

TEST_F(ServiceBackendTest, CreateContainerErrors) {
  ContainerCreateQuery q;
  q.body = Json::parse(R"({"Image":"missing"})");
  absl::StatusOr<Json> r = backend_.CreateContainer(Ctx(), q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(HttpStatusFor(r.status().code()), 404);
  EXPECT_EQ(r.status().message(), "No such image: missing:latest");
  q.body = Json::parse(R"({"Image":"x","Cmd":[1]})");
  EXPECT_EQ(backend_.CreateContainer(Ctx(), q).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServiceBackendTest, ImportAndItsLimits) {
  std::string tar = TarBuilder().File("etc/hello", "hi").Finish();
  NullWriter progress;
  ImageImportQuery q;
  q.source = "-";
  q.repo = "imported/x";
  q.tag = "v1";
  StringSource src(tar);
  absl::StatusOr<std::string> id = backend_.ImportImage(Ctx(), src, q, progress);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->rfind("sha256:", 0), 0u);
  absl::StatusOr<Json> inspect = backend_.InspectImage(Ctx(), "imported/x:v1");
  ASSERT_TRUE(inspect.ok()) << inspect.status();
  EXPECT_EQ((*inspect)["Id"], *id);

  q.source = "http://example.com/rootfs.tar";
  StringSource again(tar);
  EXPECT_EQ(backend_.ImportImage(Ctx(), again, q, progress).status().code(),
            absl::StatusCode::kUnimplemented);
  q.source = "-";
  q.repo = "x@sha256:" + std::string(64, 'a');
  StringSource third(tar);
  EXPECT_EQ(backend_.ImportImage(Ctx(), third, q, progress).status().message(),
            "cannot import digest reference");
}

TEST_F(ServiceBackendTest, VersionAndInfo) {
  absl::StatusOr<Json> v = backend_.Version(Ctx());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)["ApiVersion"], "1.50");
  EXPECT_EQ((*v)["MinAPIVersion"], "1.24");
  EXPECT_EQ((*v)["Os"], "linux");
  EXPECT_EQ((*v)["Components"][0]["Details"]["ApiVersion"], "1.50");
  Descriptor app = b_.Image("app", {"l1"});
  b_.Name("app:1", app);
  b_.Name("app:2", app);
  absl::StatusOr<Json> info = backend_.Info(Ctx());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["Images"], 1);
  EXPECT_EQ((*info)["Containers"], 0);
  EXPECT_EQ((*info)["Swarm"]["LocalNodeState"], "inactive");
}

}  // namespace
}  // namespace reclaim
