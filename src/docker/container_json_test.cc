// File: docker/container_json_test.cc
#include "docker/container_json.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

const Digest kImage = Digest::Sha256Of("image");
const std::string kId(64, 'c');

// A container with nothing but its identity.
ContainerInfo Bare() {
  ContainerInfo c;
  c.id = kId;
  c.name = "bare";
  c.image = "x";
  c.image_id = kImage;
  c.created = absl::FromUnixSeconds(1700000000);
  return c;
}

ContainerInfo Web() {
  ContainerInfo c = Bare();
  c.name = "web";
  c.image = "busybox:1";
  c.entrypoint = {"/e"};
  c.cmd = {"sh", "-c", "x"};
  c.env = {"A=1"};
  c.labels = {{"l", "v"}};
  return c;
}

TEST(ContainerSummaryJsonTest, WithAndWithoutSizes) {
  const std::string head = R"({"Id":")" + kId + R"(","Names":["/web"],"Image":"busybox:1",)" +
                           R"("ImageID":")" + kImage.str() +
                           R"(","Command":"/e sh -c x","Created":1700000000,"Ports":[],)";
  const std::string tail =
      R"("Labels":{"l":"v"},"State":"created","Status":"Created",)"
      R"("HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]})";
  struct Case {
    bool with_size;
    std::string want;
  };
  const std::vector<Case> cases = {
      {false, head + tail},
      {true, head + R"("SizeRw":1,"SizeRootFs":2,)" + tail},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.with_size);
    EXPECT_EQ(EncodeJsonCompact(ContainerSummaryJson(Web(), c.with_size, 1, 2)), c.want);
  }
}

TEST(ContainerInspectJsonTest, PathArgsConfigAndSize) {
  const std::string state =
      R"("State":{"Status":"created","Running":false,"Paused":false,"Restarting":false,)"
      R"("OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":0,"Error":"",)"
      R"("StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"},)";
  const std::string files = R"("ResolvConfPath":"","HostnamePath":"","HostsPath":"","LogPath":"",)";
  const std::string runtime =
      R"("RestartCount":0,"Driver":"","Platform":"linux","MountLabel":"","ProcessLabel":"",)"
      R"("AppArmorProfile":"","ExecIDs":null,"HostConfig":{"NetworkMode":"default"},)"
      R"("GraphDriver":{"Data":null,"Name":""},)";
  const std::string config_head =
      R"("Config":{"Hostname":"cccccccccccc","Domainname":"","User":"","AttachStdin":false,)"
      R"("AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,)"
      R"("StdinOnce":false,)";
  const std::string networks = R"("NetworkSettings":{"Networks":{}}})";
  const std::string image = R"("Image":")" + kImage.str() + R"(",)";
  const std::string created = R"(","Created":"2023-11-14T22:13:20Z",)";
  struct Case {
    std::string name;
    ContainerInfo info;
    bool with_size;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"web with size", Web(), true,
       R"({"Id":")" + kId + created + R"("Path":"/e","Args":["sh","-c","x"],)" + state + image +
           files + R"("Name":"/web",)" + runtime + R"("SizeRw":0,"SizeRootFs":9,"Mounts":[],)" +
           config_head +
           R"("Env":["A=1"],"Cmd":["sh","-c","x"],"Image":"busybox:1","Volumes":null,)"
           R"("WorkingDir":"","Entrypoint":["/e"],"OnBuild":null,"Labels":{"l":"v"}},)" +
           networks},
      {"bare: nil slices", Bare(), false,
       R"({"Id":")" + kId + created + R"("Path":"","Args":[],)" + state + image + files +
           R"("Name":"/bare",)" + runtime + R"("Mounts":[],)" + config_head +
           R"("Env":null,"Cmd":null,"Image":"x","Volumes":null,"WorkingDir":"",)"
           R"("Entrypoint":null,"OnBuild":null,"Labels":{}},)" +
           networks},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(EncodeJsonCompact(ContainerInspectJson(c.info, c.with_size, 9)), c.want);
  }
}

TEST(ContainerJsonTest, CreateAnswerAndPruneReport) {
  EXPECT_EQ(EncodeJsonCompact(ContainerCreateResponseJson({kId, {}})),
            R"({"Id":")" + kId + R"(","Warnings":[]})");
  EXPECT_EQ(EncodeJsonCompact(ContainerCreateResponseJson({kId, {"w1"}})),
            R"({"Id":")" + kId + R"(","Warnings":["w1"]})");
  struct Case {
    ContainerPruneReport report;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{}, R"({"ContainersDeleted":null,"SpaceReclaimed":0})"},
      {{{"a", "b"}, 18446744073709551615ull},
       R"({"ContainersDeleted":["a","b"],"SpaceReclaimed":18446744073709551615})"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EncodeJsonCompact(ContainersPruneReportJson(c.report)), c.want);
  }
}

}  // namespace
}  // namespace reclaim
