// tools/pg-sandbox through the PgSandbox fixture: clusters start on 127.0.0.1 at their
// own ports, several at once, run as the postgres OS user, and stop without a trace.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/free_port.hpp"
#include "tests/support/pg_sandbox.hpp"
#include "tests/support/process.hpp"

namespace tandem::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The real uid the process runs under, from /proc/PID/status ("Uid: real eff ...").
int process_uid(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "Uid:") {
      int uid = -1;
      status >> uid;
      return uid;
    }
  }
  return -1;
}

TEST(SandboxCluster, TwoAtOnceAnswerOverTcpOnLoopback) {
  PgSandbox a;
  PgSandbox b;
  EXPECT_NE(a.port(), b.port());
  EXPECT_NE(a.dir(), b.dir());
  for (const PgSandbox* node : {&a, &b}) {
    EXPECT_EQ(node->scalar("SELECT 1"), "1");
    // The query arrived over TCP at 127.0.0.1 (not the unix socket), to database app.
    EXPECT_EQ(node->scalar("SELECT inet_server_addr()::text"), "127.0.0.1/32");
    EXPECT_EQ(node->scalar("SELECT inet_server_port()"), std::to_string(node->port()));
    EXPECT_EQ(node->scalar("SELECT current_database()"), "app");
    EXPECT_EQ(node->scalar("SHOW listen_addresses"), "127.0.0.1");
    EXPECT_EQ(node->conninfo(), "host=127.0.0.1 port=" + std::to_string(node->port()) +
                                    " dbname=app user=postgres");
  }
  // Writes to one are not seen by the other: they are separate clusters.
  a.exec("CREATE TABLE only_on_a (id int)");
  EXPECT_EQ(a.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'only_on_a'"), "1");
  EXPECT_EQ(b.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'only_on_a'"), "0");
}

TEST(SandboxCluster, ServerNeverRunsAsRoot) {
  PgSandbox node;
  ASSERT_TRUE(process_alive(node.postmaster_pid()));
  int uid = process_uid(node.postmaster_pid());
  ASSERT_GE(uid, 0);
  if (getuid() == 0) {
    EXPECT_NE(uid, 0) << "PostgreSQL must run as the postgres user when tests run as root";
  } else {
    EXPECT_EQ(uid, static_cast<int>(getuid()));
  }
  struct stat st {};
  ASSERT_EQ(stat((node.dir() + "/data").c_str(), &st), 0);
  EXPECT_EQ(static_cast<int>(st.st_uid), uid) << "the data dir belongs to the server's user";
}

TEST(SandboxCluster, StopRemovesEverythingAndIsIdempotent) {
  PgSandbox node;
  const std::string dir = node.dir();
  const pid_t postmaster = node.postmaster_pid();
  ASSERT_TRUE(fs::exists(dir));

  Status first = node.stop();
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(wait_until([&] { return !process_alive(postmaster); }, 5s));
  EXPECT_TRUE(node.stop().ok());

  // The tool itself answers 0 for a cluster that is already gone.
  ProcessResult again = run_process({PgSandbox::tool_path(), "stop", dir});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST(SandboxCluster, QueryErrorsAreValuesNamingTheProblem) {
  PgSandbox node;
  Result<Rows> bad = node.query("SELECT * FROM no_such_table");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "pg_query");
  EXPECT_NE(bad.error().message.find("no_such_table"), std::string::npos) << bad.error().message;
  EXPECT_THROW(node.exec("SELEC 1"), std::runtime_error);
}

TEST(SandboxTool, StartFailureNamesTheCauseAndLeavesNoDir) {
  const fs::path dir = fs::temp_directory_path() / ("sandbox-fail-" + std::to_string(getpid()));
  ProcessResult r = run_process({PgSandbox::tool_path(), "start", dir.string()},
                                {"PG_BIN=/nonexistent/pg/bin"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/nonexistent/pg/bin"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << "stdout carries only the KEY=VALUE lines of a started cluster";
  EXPECT_FALSE(fs::exists(dir / "data"));
  fs::remove_all(dir);
}

// A port that was free when picked but taken before the server bound it: the tool
// retries on another port, a bounded number of times, and then fails cleanly.
TEST(SandboxTool, RetriesWhenThePickedPortIsTakenThenGivesUp) {
  // Hold a port; the range allows only it, and a stand-in `ss` claims it is free.
  const int port = free_tcp_port();
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(holder, 1), 0);

  const fs::path bin = fs::temp_directory_path() / ("sandbox-fake-ss-" + std::to_string(getpid()));
  fs::create_directories(bin);
  std::ofstream(bin / "ss") << "#!/bin/sh\nexit 0\n";
  fs::permissions(bin / "ss", fs::perms::owner_all);
  const fs::path dir = bin / "cluster";

  ProcessResult r = run_process(
      {PgSandbox::tool_path(), "start", dir.string()},
      {"PATH=" + bin.string() + ":" + std::getenv("PATH"), "PG_SANDBOX_PORT_MIN=" + std::to_string(port),
       "PG_SANDBOX_PORT_SPAN=1"});
  close(holder);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("port " + std::to_string(port) + " was taken, retrying"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no usable port"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir)) << "a failed start removes the cluster it began";
  fs::remove_all(bin);
}

TEST(SandboxTool, StopRefusesADirItDidNotMake) {
  const fs::path dir = fs::temp_directory_path() / ("not-a-sandbox-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "keep.txt") << "precious";
  ProcessResult r = run_process({PgSandbox::tool_path(), "stop", dir.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(fs::exists(dir / "keep.txt"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tandem::test
