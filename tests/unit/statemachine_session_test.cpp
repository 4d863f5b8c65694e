// The Session value, ids, phase order, back-off delays and the log texts of events and
// effects.
#include "statemachine_test_support.hpp"

namespace tandem {
namespace {

TEST(StatemachineSession, MakeSessionStartsQueuedInBackup) {
  SessionOptions options;
  options.mode = SyncMode::mirror;
  const Session s = make_session("fs-1", Direction::push, "a", "b", "a", options, 1234);
  EXPECT_EQ(s.id, "fs-1");
  EXPECT_EQ(s.direction, Direction::push);
  EXPECT_EQ(s.source, "a");
  EXPECT_EQ(s.target, "b");
  EXPECT_EQ(s.initiator, "a");
  EXPECT_EQ(s.options.mode, SyncMode::mirror);
  EXPECT_EQ(s.state, State::queued);
  EXPECT_EQ(s.phase, Phase::backup);
  EXPECT_EQ(s.attempt, 1u);
  EXPECT_EQ(s.created_at, 1234);
  EXPECT_EQ(s.updated_at, 1234);
  EXPECT_EQ(s.finished_at, 0);
}

TEST(StatemachineSession, NewIdsAreValidAndDistinct) {
  const std::string a = new_session_id(0x0123456789abcdefULL);
  EXPECT_EQ(a, "fs-0123456789abcdef");
  EXPECT_EQ(new_session_id(0), "fs-0000000000000000");
  EXPECT_NE(new_session_id(1), new_session_id(2));
  EXPECT_TRUE(is_valid_session_id(a));
  EXPECT_TRUE(is_valid_session_id("fs-My_Id-2"));
  for (const char* bad : {"", "fs-", "fs", "xs-123", "fs-12 3", "fs-a/b", "fs-é"})
    EXPECT_FALSE(is_valid_session_id(bad)) << bad;
  EXPECT_FALSE(is_valid_session_id("fs-" + std::string(65, 'a')));
}

TEST(StatemachineSession, PhaseOrderFollowsVerifyOption) {
  SessionOptions on;
  SessionOptions off;
  off.verify = false;
  EXPECT_EQ(next_phase(Phase::backup, on), Phase::transfer);
  EXPECT_EQ(next_phase(Phase::restore, on), Phase::verify);
  EXPECT_EQ(next_phase(Phase::verify, on), std::nullopt);
  EXPECT_EQ(next_phase(Phase::restore, off), std::nullopt);
  EXPECT_FALSE(phase_enabled(Phase::verify, off));
  EXPECT_TRUE(phase_enabled(Phase::convert, off));
}

TEST(StatemachineSession, EqualityNoticesEveryKindOfField) {
  const Session a = test::new_pull();
  Session b = a;
  EXPECT_EQ(a, b);
  b.progress(Phase::transfer).checkpoint = 1;
  EXPECT_NE(a, b);
  b = a;
  b.cancel_reason = "x";
  EXPECT_NE(a, b);
  b = a;
  b.options.bandwidth_limit_mbps = 5;
  EXPECT_NE(a, b);
}

TEST(StatemachineSession, RetryDelayDoublesAndCaps) {
  Policy p;
  p.retry_base_delay_ms = 500;
  p.retry_max_delay_ms = 3000;
  EXPECT_EQ(retry_delay_ms(p, 0), 0);
  EXPECT_EQ(retry_delay_ms(p, 1), 500);
  EXPECT_EQ(retry_delay_ms(p, 2), 1000);
  EXPECT_EQ(retry_delay_ms(p, 3), 2000);
  EXPECT_EQ(retry_delay_ms(p, 4), 3000);
  EXPECT_EQ(retry_delay_ms(p, 4000000000u), 3000);  // no overflow
}

TEST(StatemachineSession, EventAndEffectTextsForTheJournal) {
  EXPECT_EQ(describe(Event(PhaseDone{Phase::transfer})), "phase_done(transfer)");
  EXPECT_EQ(describe(Event(Progress{Phase::transfer, 10, 40, 1, 4})),
            "progress(transfer 10/40 B, 1/4 rows)");
  EXPECT_EQ(describe(Event(CheckpointReached{Phase::transfer, 7, "x"})),
            "checkpoint_reached(transfer 7 x)");
  EXPECT_EQ(describe(Event(Failed{"timeout", true})), "failed(retryable: timeout)");
  EXPECT_EQ(describe(Event(Failed{"disk full", false})), "failed(disk full)");
  EXPECT_EQ(describe(Event(PeerBack{})), "peer_back");
  EXPECT_EQ(describe(Event(ResumedAfterRestart{})), "resumed_after_restart");
  EXPECT_EQ(event_kind(Event(CancelRequested{"a"})), EventKind::cancel_requested);
  EXPECT_EQ(describe(Effect(StartPhase{Phase::convert, 2})), "start_phase(convert, attempt 2)");
  EXPECT_EQ(describe(Effect(ScheduleRetry{4000, 3})), "schedule_retry(4000 ms, retry 3)");
  EXPECT_EQ(describe(Effect(Notify{State::failed})), "notify(failed)");
  EXPECT_EQ(describe(Effect(ReleaseLock{})), "release_lock");
  EXPECT_NE(Effect(StartPhase{Phase::convert, 2}), Effect(StartPhase{Phase::convert, 3}));
  EXPECT_NE(Effect(StopWork{}), Effect(CleanupSpool{}));
}

}  // namespace
}  // namespace tandem
