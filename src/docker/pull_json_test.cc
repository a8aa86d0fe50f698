#include "docker/pull_json.h"

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(PullJsonTest, MobyMessagesInStructOrder) {
  PullEvent from{PullEvent::Kind::kPullingFrom, "latest", "library/alpine"};
  EXPECT_EQ(PullEventJson(from).dump(), R"({"status":"Pulling from library/alpine","id":"latest"})");
  PullEvent layer{PullEvent::Kind::kPullingFsLayer, "0123456789ab"};
  EXPECT_EQ(PullEventJson(layer).dump(),
            R"({"status":"Pulling fs layer","progressDetail":{},"id":"0123456789ab"})");
  PullEvent done{PullEvent::Kind::kDownloadComplete, "0123456789ab"};
  EXPECT_EQ(PullEventJson(done).dump(),
            R"({"status":"Download complete","progressDetail":{"hidecounts":true},"id":"0123456789ab"})");
  PullEvent have{PullEvent::Kind::kAlreadyExists, "0123456789ab"};
  EXPECT_EQ(PullEventJson(have)["status"], "Already exists");
  PullEvent complete{PullEvent::Kind::kPullComplete, "0123456789ab"};
  EXPECT_EQ(PullEventJson(complete)["status"], "Pull complete");
  PullEvent down{PullEvent::Kind::kDownloading, "0123456789ab", "", 1048576, 3402000};
  const Json d = PullEventJson(down);
  EXPECT_EQ(d.dump(),
            R"({"status":"Downloading","progressDetail":{"current":1048576,"total":3402000},)"
            R"("progress":"[===============>                                   ]  1.049MB/3.402MB",)"
            R"("id":"0123456789ab"})");
}

TEST(PullJsonTest, ProgressTextEnds) {
  EXPECT_EQ(ProgressText(0, 100), "[>" + std::string(50, ' ') + "]       0B/100B");
  EXPECT_EQ(ProgressText(100, 100), "[" + std::string(50, '=') + ">]     100B/100B");
  EXPECT_EQ(ProgressText(2048, 0), " 2.048kB");  // "%8v"
}

TEST(PullJsonTest, ClosingMessages) {
  const Digest d = Digest::Sha256Of("x");
  EXPECT_EQ(PullDigestJson(d).dump(), R"({"status":"Digest: )" + d.str() + R"("})");
  EXPECT_EQ(PullStatusJson("alpine:latest", true)["status"],
            "Status: Downloaded newer image for alpine:latest");
  EXPECT_EQ(PullStatusJson("alpine:latest", false)["status"],
            "Status: Image is up to date for alpine:latest");
}

TEST(PullJsonTest, PushMessagesAsMobysContainerdStore) {
  EXPECT_EQ(PushEventJson({PushEvent::Kind::kWaiting, "0123456789ab"}).dump(),
            R"({"status":"Waiting","progressDetail":{},"id":"0123456789ab"})");
  EXPECT_EQ(PushEventJson({PushEvent::Kind::kPushing, "0123456789ab", "", 50, 100}).dump(),
            R"({"status":"Pushing","progressDetail":{"current":50,"total":100},)"
            R"("progress":"[=========================>                         ]      50B/100B",)"
            R"("id":"0123456789ab"})");
  EXPECT_EQ(PushEventJson({PushEvent::Kind::kPushed, "0123456789ab"}).dump(),
            R"({"status":"Pushed","progressDetail":{},"id":"0123456789ab"})");
  EXPECT_EQ(PushEventJson({PushEvent::Kind::kLayerExists, "0123456789ab", "Layer already exists"})
                .dump(),
            R"({"status":"Layer already exists","progressDetail":{},"id":"0123456789ab"})");
  EXPECT_EQ(PushEventJson({PushEvent::Kind::kMounted, "0123456789ab", "Mounted from x/app"})["status"],
            "Mounted from x/app");
  PushEvent instead{PushEvent::Kind::kManifestInsteadOfIndex};
  instead.index.media_type = "application/vnd.oci.image.index.v1+json";
  instead.index.digest = Digest::Sha256Of("i");
  instead.index.size = 9;
  instead.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
  instead.manifest.digest = Digest::Sha256Of("m");
  instead.manifest.size = 7;
  const Json aux = PushEventJson(instead)["aux"];
  EXPECT_EQ(aux["manifestPushedInsteadOfIndex"], true);
  EXPECT_EQ(aux["originalIndex"]["digest"], instead.index.digest.str());
  EXPECT_EQ(aux["selectedManifest"]["size"], 7);

  EXPECT_EQ(StatusJson(PushRefersTo(*ParseNormalizedNamed("alpine"))).dump(),
            R"({"status":"The push refers to repository [docker.io/library/alpine]"})");
  PushResult pushed;
  pushed.tag = "3";
  pushed.target.digest = Digest::Sha256Of("m");
  pushed.target.size = 528;
  EXPECT_EQ(PushDigestJson(pushed)["status"], "3: digest: " + pushed.target.digest.str() + " size: 528");
}

}  // namespace
}  // namespace reclaim
