// Pieces every benchmark under tests/bench needs: wall clocks, peak memory of this
// process, of a daemon or of a shell pipeline, the `pg_dump -Fc | pg_restore` baseline,
// cloning a database, and a one-line description of the machine a figure came from.
//
// Written so that bench_dataplane and bench_periodic can move onto it (they still hold
// their own copies of seconds_since, status_kb, run_shell, dump_restore and
// clone_database). Errors throw std::runtime_error: a benchmark has no caller to hand
// an error value to, only main() printing it and exiting non-zero.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/support/pg_sandbox.hpp"

namespace tandem::bench {

using Clock = std::chrono::steady_clock;

// tools/sample-app/load.sql makes ~107,500 rows per unit of scale.
constexpr double kRowsPerScale = 107500.0;
// Where the PostgreSQL 15 client and server binaries are (Debian layout).
extern const char* const kPgBin;

double seconds_since(Clock::time_point t0);

// A "Key:" line of /proc/<pid>/status in kB (pid <= 0: this process), -1 if absent.
// "VmHWM:" is the peak RSS since the process started or since reset_peak_rss(pid).
long proc_status_kb(pid_t pid, const char* key);
// Sets the kernel's high-water mark back to the current RSS (/proc/<pid>/clear_refs 5).
// False when not permitted (another user's process without privileges).
bool reset_peak_rss(pid_t pid);

// One measured step: wall time and the peak RSS of the process(es) that did the work.
struct Timing {
  double seconds = 0;
  long peak_kb = -1;  // -1: not measured
};

// Runs `cmd` with bash -o pipefail and waits; throws when it fails. peak_kb is the
// largest ru_maxrss among the processes of the pipeline (wait4 folds in descendants).
Timing run_shell(const std::string& cmd);

// A fresh directory under $TMPDIR, removed with its contents at scope end (no gtest
// dependency, unlike tests/support/temp_dir.hpp).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix = "tandem-bench");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// "-h HOST -p PORT -U postgres" for the client tools.
std::string client_args(const test::PgSandbox& s);

// `pg_dump -Fc` of `from`'s database piped into `pg_restore` into `to`'s (empty) database.
Timing dump_restore(const test::PgSandbox& from, const std::string& from_db,
                    const test::PgSandbox& to, const std::string& to_db);

// CREATE DATABASE `name` [TEMPLATE `from`]; retries for up to 30 s because a template
// cannot be copied while anyone (autovacuum) is connected to it.
void clone_database(const test::PgSandbox& s, const std::string& name, const std::string& from = "");

// Milliseconds since the epoch of an ISO 8601 UTC time as the API writes it
// ("2026-11-25T15:31:51.123Z"); 0 for "" or a malformed value.
std::int64_t iso_utc_to_ms(const std::string& iso);

// CPUs, CPU model, kernel, file system of `dir`, PostgreSQL version of `s`: one line.
std::string machine_description(const test::PgSandbox& s);
// The repository's commit ("9fd8034", "+ local changes" when the work tree differs).
std::string source_revision();
// "load 0.47 1.17 1.75" (1, 5, 15 minutes).
std::string load_average();
// "2026-11-25 15:31 UTC"
std::string utc_now();

}  // namespace tandem::bench
