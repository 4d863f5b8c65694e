// Journal benchmark: N durable transitions (WAL, synchronous=FULL) into a fresh journal
// in a temporary directory; prints transitions/s and commit latency percentiles, then
// how long reopening (with its integrity check) and recover() take on the result.
//
// Usage: bench_journal [transitions=5000] [dir=$TMPDIR]
// Run through tools/bench-journal, which builds it first.
#include <sqlite3.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "persistence/journal_sqlite.hpp"

using namespace tandem;
using Clock = std::chrono::steady_clock;

namespace {

std::string filesystem_of(const std::string& dir) {
  struct statfs fs {};
  if (statfs(dir.c_str(), &fs) != 0) return "unknown";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (not durable: figures are not meaningful)";
    case 0x794C7630: return "overlayfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(fs.f_type));
      return hex;
    }
  }
}

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double percentile(std::vector<double> sorted, double p) {
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

int fail(const Error& e) {
  std::fprintf(stderr, "bench_journal: %s\n", e.describe().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 5000;
  const std::string base = argc > 2 ? argv[2] : std::filesystem::temp_directory_path().string();
  if (n <= 0) {
    std::fprintf(stderr, "usage: %s [transitions>0] [dir]\n", argv[0]);
    return 2;
  }
  std::string dir = base + "/tandem-bench-journal-XXXXXX";
  if (!mkdtemp(dir.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string path = SqliteJournal::path_in(dir);
  std::printf("machine: nproc=%u, filesystem=%s (%s), sqlite %s\n",
              std::thread::hardware_concurrency(), filesystem_of(dir).c_str(), base.c_str(),
              sqlite3_libversion());

  std::vector<double> latency;
  latency.reserve(static_cast<std::size_t>(n));
  Clock::duration total{};
  {
    auto journal = SqliteJournal::open(path);
    if (!journal) return fail(journal.error());
    // Like a transfer: a session per 500 transitions, each a checkpoint commit.
    Session s;
    for (long i = 0; i < n; ++i) {
      if (i % 500 == 0) {
        s = Session{};
        s.id = "fs-bench-" + std::to_string(i / 500);
        s.source = "a";
        s.target = "b";
        s.state = State::running;
        s.phase = Phase::transfer;
        s.created_at = i;
      }
      s.progress(Phase::transfer).checkpoint = static_cast<std::uint64_t>(i % 500 + 1);
      s.progress(Phase::transfer).bytes_done += 4u << 20;
      s.updated_at = i;
      TransitionRecord rec;
      rec.at = i;
      rec.from_state = rec.to_state = State::running;
      rec.phase = Phase::transfer;
      rec.event = "checkpoint(transfer)";
      rec.detail = "chunk " + std::to_string(i % 500 + 1);
      auto start = Clock::now();
      auto seq = (*journal)->commit(s, rec);
      auto took = Clock::now() - start;
      if (!seq) return fail(seq.error());
      total += took;
      latency.push_back(micros(took));
    }
  }
  std::sort(latency.begin(), latency.end());
  double seconds = std::chrono::duration<double>(total).count();
  std::printf("journal: %ld durable transitions in %.2f s: %.0f transitions/s\n", n, seconds,
              static_cast<double>(n) / seconds);
  std::printf("commit latency: p50 %.0f us, p99 %.0f us, max %.0f us\n", percentile(latency, 0.50),
              percentile(latency, 0.99), latency.back());

  auto start = Clock::now();
  auto journal = SqliteJournal::open(path);
  if (!journal) return fail(journal.error());
  double open_us = micros(Clock::now() - start);
  start = Clock::now();
  auto found = (*journal)->recover();
  if (!found) return fail(found.error());
  double recover_us = micros(Clock::now() - start);
  std::printf("reopen with integrity check: %.0f us; recover(): %.0f us for %zu sessions (%ju bytes)\n",
              open_us, recover_us, found->sessions.size(),
              static_cast<std::uintmax_t>(std::filesystem::file_size(path)));
  journal = Error{};
  std::filesystem::remove_all(dir);
  return 0;
}
