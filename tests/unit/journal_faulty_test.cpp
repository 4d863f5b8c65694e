// FaultyJournal: the fail-the-Nth-commit twin callers use to test "a failed commit
// throws the new state away".
#include <gtest/gtest.h>

#include "persistence/journal_faulty.hpp"
#include "persistence/journal_memory.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace tandem {
namespace {

using testing::record;
using testing::sample_session;

TEST(JournalFaulty, FailsOnlyTheNthCommitAndLeavesTheInnerJournalUnchanged) {
  MemoryJournal inner;
  FaultyJournal journal(inner, 2);
  Session s = sample_session("fs-1", 1000);
  EXPECT_TRUE(journal.commit(s, record(s, State::queued, "start")).ok());

  Session next = s;
  next.phase = Phase::convert;
  auto failed = journal.commit(next, record(next, State::running, "phase_done(transfer)"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "injected_fault");
  EXPECT_EQ((*inner.get("fs-1"))->phase, Phase::transfer);
  EXPECT_EQ(inner.transitions("fs-1")->size(), 1u);

  auto retried = journal.commit(next, record(next, State::running, "phase_done(transfer)"));
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, 2u);
  EXPECT_EQ((*journal.get("fs-1"))->phase, Phase::convert);
  EXPECT_EQ(journal.commits_attempted(), 3u);
}

TEST(JournalFaulty, KeepFailingRefusesEveryCommitFromTheNth) {
  MemoryJournal inner;
  FaultyJournal journal(inner, 1, /*keep_failing=*/true);
  Session s = sample_session("fs-1", 1000);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(journal.commit(s, record(s, State::queued, "start")).ok());
  EXPECT_FALSE((*journal.get("fs-1")).has_value());
  EXPECT_TRUE(journal.recover()->sessions.empty());
}

}  // namespace
}  // namespace tandem
