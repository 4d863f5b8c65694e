// Crash test: a child commits transitions in a loop and is SIGKILLed at random moments,
// again and again on the same journal file. After each kill the reopened journal must
// pass PRAGMA integrity_check and hold exactly the acknowledged transitions: every
// acknowledged seq, at most one more (committed, but killed before it could say so),
// as a gap-free prefix 1..N, with the session row agreeing with the log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <sstream>
#include <thread>

#include "persistence/journal_sqlite.hpp"
#include "persistence/journal_sqlite_db.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace tandem {
namespace {

constexpr int kRuns = 60;

// Starts the child on `path`, kills it after `delay`, returns everything it printed.
std::string run_and_kill(const std::string& path, std::chrono::microseconds delay) {
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return {};
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(JOURNAL_CRASH_CHILD, JOURNAL_CRASH_CHILD, path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::this_thread::sleep_for(delay);
  kill(pid, SIGKILL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child ended by itself (exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
      << ") instead of being killed";
  return out;
}

std::string integrity(const std::string& path) {
  auto db = sqlite::Db::open(path);
  if (!db) return db.error().describe();
  auto q = db->prepare("PRAGMA integrity_check");
  if (!q) return q.error().describe();
  auto row = q->step();
  if (!row) return row.error().describe();
  return *row ? q->column_text(0) : "no answer";
}

TEST(JournalCrash, SigkillAtRandomMomentsKeepsExactlyTheAcknowledgedTransitions) {
  testing::TempDir dir;
  const std::string path = SqliteJournal::path_in(dir.path());
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_us(2'000, 100'000);
  SCOPED_TRACE("seed " + std::to_string(seed));

  std::uint64_t in_journal = 0;  // N after the previous run
  std::uint64_t acknowledged_total = 0, unacknowledged_commits = 0;
  int runs_with_acks = 0;
  for (int run = 0; run < kRuns; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    std::istringstream lines(run_and_kill(path, std::chrono::microseconds(delay_us(rng))));
    // The child's acks continue the journal's log one by one.
    std::uint64_t acked = in_journal;
    for (std::uint64_t seq; lines >> seq;) {
      ASSERT_EQ(seq, acked + 1) << "acks out of order";
      acked = seq;
    }
    if (acked > in_journal) ++runs_with_acks;
    acknowledged_total += acked - in_journal;

    ASSERT_EQ(integrity(path), "ok");
    auto journal = SqliteJournal::open(path);
    ASSERT_TRUE(journal.ok()) << journal.error().describe();
    auto log = (*journal)->transitions("fs-crash");
    ASSERT_TRUE(log.ok()) << log.error().describe();
    const std::uint64_t n = log->size();
    for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ((*log)[i].seq, i + 1) << "gap in the log";
    ASSERT_GE(n, acked) << "an acknowledged transition was lost";
    ASSERT_LE(n, acked + 1) << "more transitions than acknowledged plus the one in flight";
    unacknowledged_commits += n - acked;
    if (n > 0) {
      auto session = (*journal)->get("fs-crash");
      ASSERT_TRUE(session.ok() && session->has_value());
      EXPECT_EQ((**session).progress(Phase::transfer).checkpoint, n)
          << "session row and transition log disagree";
      EXPECT_EQ(log->back().detail, "chunk " + std::to_string(n));
    }
    in_journal = n;
  }
  std::cout << "[ journal crash ] " << kRuns << " kills, " << runs_with_acks
            << " after at least one ack, " << acknowledged_total << " acknowledged commits, "
            << unacknowledged_commits << " committed but unacknowledged, seed " << seed << "\n";
  // The test means something only if most kills landed while commits were flowing.
  EXPECT_GE(runs_with_acks, kRuns / 2);
}

}  // namespace
}  // namespace tandem
