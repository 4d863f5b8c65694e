// Helper for sandbox_leftover_test (run as a child process, never on its own): starts a
// sandbox, reports it to the file named by TANDEM_LEFTOVER_REPORT, then, depending on
// TANDEM_LEFTOVER_MODE, fails a gtest assertion ("fail") or waits to be SIGKILLed ("hang").
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/pg_sandbox.hpp"

namespace tandem::test {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// "dir\npostmaster pid\nwatchdog pid\n", written whole (rename) so the parent never
// reads half a report.
void report(const PgSandbox& node, const std::string& path) {
  std::string watchdog;
  std::ifstream(node.dir() + "/watchdog.pid") >> watchdog;
  {
    std::ofstream out(path + ".tmp");
    out << node.dir() << "\n" << node.postmaster_pid() << "\n" << watchdog << "\n";
  }
  std::rename((path + ".tmp").c_str(), path.c_str());
}

TEST(SandboxLeftoverChild, StartsASandboxThenFails) {
  const std::string path = env_or_empty("TANDEM_LEFTOVER_REPORT");
  const std::string mode = env_or_empty("TANDEM_LEFTOVER_MODE");
  if (path.empty()) GTEST_SKIP() << "run by sandbox_leftover_test only";

  PgSandbox node;
  ASSERT_EQ(node.scalar("SELECT 1"), "1");
  report(node, path);
  if (mode == "hang") {
    std::this_thread::sleep_for(std::chrono::seconds(60));  // the parent kills us first
  }
  FAIL() << "deliberate failure: the sandbox must still be cleaned up";
}

}  // namespace
}  // namespace tandem::test
