// The Journal contract, run against every implementation (SqliteJournal, MemoryJournal)
// so the in-memory twin that callers' tests use behaves like the real one.
#include <gtest/gtest.h>

#include <memory>

#include "persistence/journal_memory.hpp"
#include "persistence/journal_sqlite.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace tandem {
namespace {

using testing::TempDir;
using testing::expect_same;
using testing::ids;
using testing::record;
using testing::sample_session;

struct SqliteKind {
  static std::unique_ptr<Journal> make(const TempDir& dir) {
    auto j = SqliteJournal::open(SqliteJournal::path_in(dir.path()));
    EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().describe());
    return j.ok() ? std::move(j.value()) : nullptr;
  }
};
struct MemoryKind {
  static std::unique_ptr<Journal> make(const TempDir&) { return std::make_unique<MemoryJournal>(); }
};

template <class Kind>
class JournalConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    journal = Kind::make(dir);
    ASSERT_NE(journal, nullptr);
  }
  // Commits `s` as a move from `from`; fails the test if the journal refuses.
  std::uint64_t commit(const Session& s, State from, const std::string& event) {
    auto seq = journal->commit(s, record(s, from, event));
    EXPECT_TRUE(seq.ok()) << (seq.ok() ? "" : seq.error().describe());
    return seq.ok() ? *seq : 0;
  }
  Session stored(const std::string& id) {
    auto got = journal->get(id);
    EXPECT_TRUE(got.ok() && got->has_value()) << id;
    Session out;
    if (got.ok() && got->has_value()) out = **got;
    return out;
  }

  TempDir dir;
  std::unique_ptr<Journal> journal;
};

using Kinds = ::testing::Types<SqliteKind, MemoryKind>;
TYPED_TEST_SUITE(JournalConformance, Kinds);

TYPED_TEST(JournalConformance, CommitThenGetReturnsEveryField) {
  Session s = sample_session("fs-1", 1000);
  this->commit(s, State::queued, "start");
  expect_same(this->stored("fs-1"), s);

  s.phase = Phase::restore;
  s.progress(Phase::restore).checkpoint = 1;
  s.last_error.clear();
  this->commit(s, State::running, "phase_done(convert)");
  expect_same(this->stored("fs-1"), s);
}

TYPED_TEST(JournalConformance, GetOfUnknownIdIsEmptyNotAnError) {
  auto got = this->journal->get("fs-none");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TYPED_TEST(JournalConformance, SeqCountsPerSessionWithoutGaps) {
  Session a = sample_session("fs-a", 1000);
  Session b = sample_session("fs-b", 2000);
  EXPECT_EQ(this->commit(a, State::queued, "start"), 1u);
  EXPECT_EQ(this->commit(b, State::queued, "start"), 1u);
  EXPECT_EQ(this->commit(a, State::running, "progress"), 2u);
  a.state = State::waiting_peer;
  EXPECT_EQ(this->commit(a, State::running, "peer_down"), 3u);

  auto log = this->journal->transitions("fs-a");
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 3u);
  for (std::size_t i = 0; i < log->size(); ++i) EXPECT_EQ((*log)[i].seq, i + 1);
  EXPECT_EQ((*log)[2].event, "peer_down");
  EXPECT_EQ((*log)[2].from_state, State::running);
  EXPECT_EQ((*log)[2].to_state, State::waiting_peer);
  EXPECT_EQ((*log)[2].phase, Phase::transfer);
  EXPECT_EQ((*log)[2].detail, "detail of peer_down");
  EXPECT_EQ((*log)[2].at, a.updated_at);
}

TYPED_TEST(JournalConformance, RecordThatDoesNotDescribeTheSessionIsRefusedAndChangesNothing) {
  Session s = sample_session("fs-1", 1000);
  this->commit(s, State::queued, "start");

  Session next = s;
  next.state = State::failed;
  TransitionRecord wrong_state = record(next, State::running, "fail");
  wrong_state.to_state = State::succeeded;
  auto r1 = this->journal->commit(next, wrong_state);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code, "invalid_argument");
  EXPECT_EQ(r1.error().field, "transition.to_state");

  TransitionRecord wrong_id = record(next, State::running, "fail");
  wrong_id.session_id = "fs-other";
  auto r2 = this->journal->commit(next, wrong_id);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().field, "transition.session_id");

  EXPECT_EQ(this->stored("fs-1").state, State::running);
  EXPECT_EQ(this->journal->transitions("fs-1")->size(), 1u);
}

TYPED_TEST(JournalConformance, EndedSessionIsNeverChangedAgain) {
  Session s = sample_session("fs-1", 1000);
  this->commit(s, State::queued, "start");
  s.state = State::cancelled;
  s.finished_at = 5000;
  this->commit(s, State::running, "cancel");

  Session revived = s;
  revived.state = State::running;
  auto r = this->journal->commit(revived, record(revived, State::cancelled, "late_reply"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "session_terminal");
  EXPECT_EQ(this->stored("fs-1").state, State::cancelled);
  EXPECT_EQ(this->journal->transitions("fs-1")->size(), 2u);
}

TYPED_TEST(JournalConformance, RecentIsNewestFirstAndLimited) {
  this->commit(sample_session("fs-old", 1000), State::queued, "start");
  this->commit(sample_session("fs-new", 3000), State::queued, "start");
  this->commit(sample_session("fs-mid", 2000), State::queued, "start");
  this->commit(sample_session("fs-mid2", 2000), State::queued, "start");  // tie: id decides

  auto all = this->journal->recent(10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ids(*all), (std::vector<std::string>{"fs-new", "fs-mid2", "fs-mid", "fs-old"}));
  auto two = this->journal->recent(2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(ids(*two), (std::vector<std::string>{"fs-new", "fs-mid2"}));
  EXPECT_TRUE(this->journal->recent(0)->empty());
}

TYPED_TEST(JournalConformance, ByPeerFindsSessionsWherePeerIsSourceOrTarget) {
  this->commit(sample_session("fs-ab", 1000, "a", "b"), State::queued, "start");
  this->commit(sample_session("fs-ca", 2000, "c", "a"), State::queued, "start");
  this->commit(sample_session("fs-bc", 3000, "b", "c"), State::queued, "start");

  EXPECT_EQ(ids(*this->journal->by_peer("a", 10)), (std::vector<std::string>{"fs-ca", "fs-ab"}));
  EXPECT_EQ(ids(*this->journal->by_peer("b", 10)), (std::vector<std::string>{"fs-bc", "fs-ab"}));
  EXPECT_EQ(ids(*this->journal->by_peer("c", 1)), (std::vector<std::string>{"fs-bc"}));
  EXPECT_TRUE(this->journal->by_peer("z", 10)->empty());
}

TYPED_TEST(JournalConformance, LogLinesReturnNewestLinesOldestFirst) {
  this->commit(sample_session("fs-1", 1000), State::queued, "start");
  for (int i = 1; i <= 5; ++i) {
    LogLine line{"fs-1", 1000 + i, i == 5 ? log::Level::error : log::Level::info,
                 "line " + std::to_string(i)};
    ASSERT_TRUE(this->journal->append_log(line).ok());
  }
  auto last3 = this->journal->log_lines("fs-1", 3);
  ASSERT_TRUE(last3.ok());
  ASSERT_EQ(last3->size(), 3u);
  EXPECT_EQ((*last3)[0].text, "line 3");
  EXPECT_EQ((*last3)[2].text, "line 5");
  EXPECT_EQ((*last3)[2].level, log::Level::error);
  EXPECT_EQ((*last3)[2].at, 1005);
  EXPECT_EQ(this->journal->log_lines("fs-1", 100)->size(), 5u);
  EXPECT_TRUE(this->journal->log_lines("fs-none", 100)->empty());
}

TYPED_TEST(JournalConformance, LogLineForUnknownSessionIsRefused) {
  auto st = this->journal->append_log(LogLine{"fs-none", 1, log::Level::info, "orphan"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "unknown_session");
}

TYPED_TEST(JournalConformance, RecoverReturnsEveryUnfinishedSessionOldestFirst) {
  const State states[] = {State::queued,    State::running, State::waiting_peer,
                          State::cancelling, State::succeeded, State::failed,
                          State::cancelled};
  TimeMs t = 10000;
  for (State st : states) {
    Session s = sample_session(std::string("fs-") + to_string(st), t);
    t -= 1000;  // later states are older: recover() must sort, not keep commit order
    this->commit(s, State::queued, "start");
    if (st != State::running) {
      s.state = st;
      this->commit(s, State::running, "move");
    }
  }
  auto found = this->journal->recover();
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->unreadable.empty());
  EXPECT_EQ(ids(found->sessions), (std::vector<std::string>{"fs-cancelling", "fs-waiting_peer",
                                                            "fs-running", "fs-queued"}));
  for (const Session& s : found->sessions) EXPECT_FALSE(is_terminal(s.state));
  expect_same(found->sessions.back(), this->stored("fs-queued"));
}

}  // namespace
}  // namespace tandem
