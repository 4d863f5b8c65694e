// Acceptance: a sandbox leaves no process and no temp dir behind after a failing test,
// whether the test fails an assertion (destructors run) or is SIGKILLed (the watchdog
// started by tools/pg-sandbox cleans up once the test process is gone).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/process.hpp"

#ifndef SANDBOX_LEFTOVER_CHILD
#error "SANDBOX_LEFTOVER_CHILD must name the helper binary (see sandbox.cmake)"
#endif

namespace tandem::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Report {
  std::string dir;
  pid_t postmaster = 0;
  pid_t watchdog = 0;
};

class SandboxLeftover : public ::testing::Test {
 protected:
  void SetUp() override {
    report_path_ = (fs::temp_directory_path() /
                    ("sandbox-leftover-" + std::to_string(getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                       .string();
    fs::remove(report_path_);
  }
  void TearDown() override { fs::remove(report_path_); }

  EnvOverrides child_env(const std::string& mode) const {
    return {"TANDEM_LEFTOVER_REPORT=" + report_path_, "TANDEM_LEFTOVER_MODE=" + mode};
  }

  Report read_report() const {
    Report r;
    std::ifstream in(report_path_);
    in >> r.dir >> r.postmaster >> r.watchdog;
    return r;
  }

  // Nothing of the sandbox remains, within `timeout`.
  static void expect_gone(const Report& r, std::chrono::milliseconds timeout) {
    bool gone = wait_until(
        [&] { return !fs::exists(r.dir) && !process_alive(r.postmaster) && !process_alive(r.watchdog); },
        timeout, 100ms);
    EXPECT_TRUE(gone) << "leftovers: dir " << r.dir << (fs::exists(r.dir) ? " exists" : " gone")
                      << ", postmaster " << r.postmaster
                      << (process_alive(r.postmaster) ? " alive" : " gone") << ", watchdog "
                      << r.watchdog << (process_alive(r.watchdog) ? " alive" : " gone");
  }

  std::string report_path_;
};

TEST_F(SandboxLeftover, FailingTestLeavesNoProcessOrDir) {
  ProcessResult child = run_process({SANDBOX_LEFTOVER_CHILD}, child_env("fail"), 60s);
  ASSERT_FALSE(child.timed_out);
  EXPECT_NE(child.exit_code, 0) << "the child test must have failed";
  EXPECT_NE(child.out.find("deliberate failure"), std::string::npos) << child.out << child.err;

  Report r = read_report();
  ASSERT_FALSE(r.dir.empty()) << "the child did not report its sandbox:\n" << child.out << child.err;
  ASSERT_GT(r.postmaster, 0);
  ASSERT_GT(r.watchdog, 0);
  // Destructors ran in the failing test, so cleanup is already complete (a little slack
  // for the kernel to finish the postmaster's exit).
  expect_gone(r, 2s);
}

TEST_F(SandboxLeftover, KilledTestLeavesNoProcessOrDir) {
  ChildProcess child({SANDBOX_LEFTOVER_CHILD}, child_env("hang"));
  ASSERT_TRUE(wait_until([&] { return fs::exists(report_path_); }, 30s))
      << "the child did not start its sandbox within 30 s";
  Report r = read_report();
  ASSERT_FALSE(r.dir.empty());
  ASSERT_TRUE(fs::exists(r.dir));
  ASSERT_TRUE(process_alive(r.postmaster));
  ASSERT_TRUE(process_alive(r.watchdog));

  child.signal(SIGKILL);  // no destructor runs: only the watchdog can clean up now
  auto status = child.wait_for(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status));
  expect_gone(r, 10s);
}

}  // namespace
}  // namespace tandem::test
