// File: docker/container_json.cc
#include "docker/container_json.h"

#include <string>
#include <vector>

#include "core/timestamp.h"

namespace reclaim {

Json ContainerSummaryJson(const ContainerInfo& c, bool with_size, int64_t size_rw,
                          int64_t size_root_fs) {
  Json j = Json::object();
  j["Id"] = c.id;
  j["Names"] = Json::array({"/" + c.name});
  j["Image"] = c.image;
  j["ImageID"] = c.image_id.str();
  j["Command"] = c.Command();
  j["Created"] = absl::ToUnixSeconds(c.created);
  j["Ports"] = Json::array();
  if (with_size) {
    j["SizeRw"] = size_rw;
    j["SizeRootFs"] = size_root_fs;
  }
  j["Labels"] = JsonStringMap(c.labels);
  j["State"] = c.state;
  j["Status"] = c.status;
  j["HostConfig"] = Json{{"NetworkMode", "default"}};
  j["NetworkSettings"] = Json{{"Networks", Json::object()}};
  j["Mounts"] = Json::array();
  return j;
}

Json ContainerInspectJson(const ContainerInfo& c, bool with_size, int64_t size_root_fs) {
  std::vector<std::string> argv = c.entrypoint;
  argv.insert(argv.end(), c.cmd.begin(), c.cmd.end());
  Json j = Json::object();
  j["Id"] = c.id;
  j["Created"] = FormatRfc3339Nano(c.created);
  j["Path"] = argv.empty() ? std::string() : argv.front();
  j["Args"] =
      JsonStrings(argv.empty() ? argv : std::vector<std::string>(argv.begin() + 1, argv.end()));
  Json state = Json::object();
  state["Status"] = c.state;
  state["Running"] = false;
  state["Paused"] = false;
  state["Restarting"] = false;
  state["OOMKilled"] = false;
  state["Dead"] = false;
  state["Pid"] = 0;
  state["ExitCode"] = 0;
  state["Error"] = "";
  state["StartedAt"] = kGoZeroTime;
  state["FinishedAt"] = kGoZeroTime;
  j["State"] = state;
  j["Image"] = c.image_id.str();
  j["ResolvConfPath"] = "";
  j["HostnamePath"] = "";
  j["HostsPath"] = "";
  j["LogPath"] = "";
  j["Name"] = "/" + c.name;
  j["RestartCount"] = 0;
  j["Driver"] = "";
  j["Platform"] = "linux";
  j["MountLabel"] = "";
  j["ProcessLabel"] = "";
  j["AppArmorProfile"] = "";
  j["ExecIDs"] = nullptr;
  j["HostConfig"] = Json{{"NetworkMode", "default"}};
  j["GraphDriver"] = Json{{"Data", nullptr}, {"Name", ""}};
  if (with_size) {
    j["SizeRw"] = 0;
    j["SizeRootFs"] = size_root_fs;
  }
  j["Mounts"] = Json::array();
  Json config = Json::object();
  config["Hostname"] = c.id.substr(0, 12);
  config["Domainname"] = "";
  config["User"] = "";
  config["AttachStdin"] = false;
  config["AttachStdout"] = false;
  config["AttachStderr"] = false;
  config["Tty"] = false;
  config["OpenStdin"] = false;
  config["StdinOnce"] = false;
  config["Env"] = JsonStringsOrNull(c.env);
  config["Cmd"] = JsonStringsOrNull(c.cmd);
  config["Image"] = c.image;
  config["Volumes"] = nullptr;
  config["WorkingDir"] = "";
  config["Entrypoint"] = JsonStringsOrNull(c.entrypoint);
  config["OnBuild"] = nullptr;
  config["Labels"] = JsonStringMap(c.labels);
  j["Config"] = config;
  j["NetworkSettings"] = Json{{"Networks", Json::object()}};
  return j;
}

Json ContainerCreateResponseJson(const ContainerCreateResult& created) {
  Json j = Json::object();
  j["Id"] = created.id;
  j["Warnings"] = JsonStrings(created.warnings);
  return j;
}

Json ContainersPruneReportJson(const ContainerPruneReport& report) {
  Json j = Json::object();
  j["ContainersDeleted"] = JsonStringsOrNull(report.containers_deleted);
  j["SpaceReclaimed"] = report.space_reclaimed;
  return j;
}

}  // namespace reclaim
