// tandemd as a process: starts from a config, answers /healthz, refuses bad configs with
// exit code 2 naming the key, refuses a state dir in use, stops cleanly on SIGTERM.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/free_port.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

namespace tandem::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class DaemonProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tandemd-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    http_port_ = free_tcp_port();
    config_ = {
        {"node", {{"id", "a"}, {"name", "Server A"}}},
        {"database", {{"conninfo", "host=127.0.0.1 port=1 dbname=app"}}},
        {"state_dir", dir_ + "/state"},
        {"http", {{"listen", "127.0.0.1:" + std::to_string(http_port_)},
                  {"admin_token", "test-token-0123456789"}}},
        {"actor", {{"listen", "127.0.0.1:" + std::to_string(free_tcp_port())},
                   {"secret", "test-secret-0123456789"}}},
        {"peers", json::array({{{"id", "b"}, {"name", "Server B"},
                                {"actor", "127.0.0.1:1"}, {"http", "127.0.0.1:2"}}})}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_config(const json& j, const std::string& name = "tandem.json") {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << j.dump(2);
    return path;
  }
  // Runs tandemd with its stderr into `log`, via sh so the redirection is the child's.
  std::unique_ptr<ChildProcess> start(const std::string& config, const std::string& log,
                                      const EnvOverrides& env = {}) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 std::string("exec '") + TANDEMD_PATH + "' --config '" + config +
                                     "' 2>'" + log + "'"},
        env);
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool healthy() { return http_get(http_port_, "/healthz").status == 200; }

  std::string dir_;
  int http_port_ = 0;
  json config_;
};

TEST_F(DaemonProcess, ServesHealthzAndStopsCleanlyOnSigterm) {
  auto daemon = start(write_config(config_), dir_ + "/a.log");
  ASSERT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10)))
      << read(dir_ + "/a.log");
  auto h = http_get(http_port_, "/healthz");
  EXPECT_EQ(json::parse(h.body).at("node"), "a");
  EXPECT_EQ(http_get(http_port_, "/no/such/route").status, 404);

  daemon->signal(SIGTERM);
  auto status = daemon->wait_for(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << "tandemd did not stop on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  std::string log = read(dir_ + "/a.log");
  EXPECT_NE(log.find("INFO "), std::string::npos) << "log lines carry a level";
  EXPECT_NE(log.find("stopping on SIGTERM"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
  EXPECT_FALSE(healthy());
}

// A stop that hangs is forced after 15 s (exit 3), loudly; the journal makes that as safe
// as a crash. The fail point holds the stop of the node for a minute.
TEST_F(DaemonProcess, AStopThatHangsIsForcedWithExitThree) {
  auto daemon = start(write_config(config_), dir_ + "/a.log", {"TANDEM_FAILPOINTS=stop_node=sleep:60000"});
  ASSERT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10)));
  auto t0 = std::chrono::steady_clock::now();
  daemon->signal(SIGTERM);
  auto status = daemon->wait_for(std::chrono::seconds(25));
  ASSERT_TRUE(status.has_value()) << "tandemd was not forced out of its stop";
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::seconds(14));
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  std::string log = read(dir_ + "/a.log");
  EXPECT_NE(log.find("the stop did not finish within 15 s"), std::string::npos) << log;
}

TEST_F(DaemonProcess, StopsOnSigintToo) {
  auto daemon = start(write_config(config_), dir_ + "/a.log");
  ASSERT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10)));
  daemon->signal(SIGINT);
  auto status = daemon->wait_for(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST_F(DaemonProcess, BadConfigExitsTwoNamingTheKey) {
  config_["peers"][0].erase("actor");
  config_["http"]["listen"] = "127.0.0.1:99999";
  auto r = run_process({TANDEMD_PATH, "--config", write_config(config_)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("peers[0].actor"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("http.listen"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/state")) << "nothing is created for a refused config";
}

TEST_F(DaemonProcess, NotJsonAndMissingFileExitTwo) {
  std::ofstream(dir_ + "/broken.json") << "{ \"node\": ";
  auto r = run_process({TANDEMD_PATH, "--config", dir_ + "/broken.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  r = run_process({TANDEMD_PATH, "--config", dir_ + "/absent.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent.json"), std::string::npos) << r.err;
  r = run_process({TANDEMD_PATH, "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(DaemonProcess, CheckConfigValidatesWithoutStarting) {
  auto r = run_process({TANDEMD_PATH, "--check-config", write_config(config_)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(healthy());
}

TEST_F(DaemonProcess, CheckConfigNamesAShortTokenAndAccepts) {
  json weak = config_;
  weak["http"]["admin_token"] = "test-token";
  auto r = run_process({TANDEMD_PATH, "--check-config", write_config(weak, "weak.json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("warning: http.admin_token is shorter than 16 characters"), std::string::npos)
      << r.out;
}

TEST_F(DaemonProcess, ARefusedConfigNamesEachBadKeyOnce) {
  json bad = config_;
  bad["peers"][0].erase("actor");
  auto r = run_process({TANDEMD_PATH, "--config", write_config(bad, "bad.json")});
  EXPECT_EQ(r.exit_code, 2);
  const auto first = r.err.find("peers[0].actor: is required");
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("peers[0].actor", first + 1), std::string::npos) << r.err;
}

TEST_F(DaemonProcess, SecondDaemonOnSameStateDirIsRefused) {
  auto first = start(write_config(config_), dir_ + "/a.log");
  ASSERT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10)));
  json other = config_;
  other["http"]["listen"] = "127.0.0.1:" + std::to_string(free_tcp_port());
  auto r = run_process({TANDEMD_PATH, "--config", write_config(other, "b.json")},
                       {}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("in use by another tandemd"), std::string::npos) << r.err;
  EXPECT_TRUE(healthy()) << "the first daemon keeps running";
}

TEST_F(DaemonProcess, ActorPortInUseIsAClearError) {
  auto first = start(write_config(config_), dir_ + "/a.log");
  ASSERT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10)));
  json other = config_;
  other["state_dir"] = dir_ + "/state2";
  other["http"]["listen"] = "127.0.0.1:" + std::to_string(free_tcp_port());  // only actor clashes
  auto r = run_process({TANDEMD_PATH, "--config", write_config(other, "b.json")}, {},
                       std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("actor.listen"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in use"), std::string::npos) << r.err;
}

TEST_F(DaemonProcess, RestartRightAfterKill9GetsItsPortsBack) {
  auto first = start(write_config(config_), dir_ + "/a.log");
  ASSERT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10)));
  // An open connection to the actor port leaves the port held (FIN_WAIT) when the
  // daemon dies; the restarted daemon must bind it anyway.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(
      std::stoi(config_["actor"]["listen"].get<std::string>().substr(10))));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // accepted by the daemon
  first->signal(SIGKILL);
  first->wait_for(std::chrono::seconds(5));
  // Read what the daemon sent (else close() resets instead of closing cleanly); then the
  // daemon's side of the connection sits in TIME_WAIT, holding the port.
  char buf[4096];
  while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
  ::close(fd);
  auto second = start(write_config(config_), dir_ + "/a2.log");
  EXPECT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10))) << read(dir_ + "/a2.log");
}

TEST_F(DaemonProcess, PortInUseIsAClearError) {
  auto first = start(write_config(config_), dir_ + "/a.log");
  ASSERT_TRUE(wait_until([&] { return healthy(); }, std::chrono::seconds(10)));
  json other = config_;
  other["state_dir"] = dir_ + "/state2";
  other["actor"]["listen"] = "127.0.0.1:" + std::to_string(free_tcp_port());  // only http clashes
  auto r = run_process({TANDEMD_PATH, "--config", write_config(other, "b.json")},
                       {}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot listen on 127.0.0.1:" + std::to_string(http_port_)),
            std::string::npos) << r.err;
}

}  // namespace
}  // namespace tandem::test
