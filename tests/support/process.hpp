// Child processes for tests: run a command to completion capturing its output, or keep
// one running (a daemon, a helper test binary) and end it by its PID.
//
// Only processes started here are ever signalled, and only by their own PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tandem::test {

// "NAME=VALUE" entries added to (or replacing in) the current environment.
using EnvOverrides = std::vector<std::string>;

struct ProcessResult {
  int exit_code = -1;   // -1 when ended by a signal
  int term_signal = 0;  // the signal that ended it, 0 if it exited
  bool timed_out = false;
  std::string out;
  std::string err;

  bool ok() const { return exit_code == 0; }
};

// Runs argv (argv[0] searched in PATH), waits for it, returns its exit status, stdout
// and stderr. Past `timeout` the child is SIGKILLed and timed_out is set.
ProcessResult run_process(const std::vector<std::string>& argv, const EnvOverrides& env = {},
                          std::chrono::milliseconds timeout = std::chrono::minutes(2));

// A child left running; its stdout/stderr are the test's. The destructor SIGKILLs and
// reaps it if it is still running, so a failing test does not leak it.
class ChildProcess {
 public:
  // Throws std::runtime_error if the fork or exec fails.
  ChildProcess(const std::vector<std::string>& argv, const EnvOverrides& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Waits up to `timeout` for the child to end; its raw wait status, or nullopt.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Sends `sig` to the child if it has not been reaped yet.
  void signal(int sig);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// True while `pid` names a live process; a zombie counts as gone (in containers PID 1
// may never reap orphans such as a stopped postmaster).
bool process_alive(pid_t pid);

// Polls `done` every `step` until it returns true or `timeout` passes; returns its last answer.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(50));

}  // namespace tandem::test
