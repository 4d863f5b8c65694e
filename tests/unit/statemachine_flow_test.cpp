// Whole sessions driven event by event: happy paths, cancel in every phase, retry with
// back-off, resume after restart, and the guards on checkpoints, counters and phases.
#include <string>

#include "statemachine/progress.hpp"
#include "statemachine_test_support.hpp"

namespace tandem {
namespace {

using test::kinds;
using test::step;
using K = EffectKind;

// Runs every enabled phase to the end, checking effects, step text and percent on the way.
Transition run_to_success(Session s, TimeMs& now) {
  Transition t = step(s, PhaseStarted{Phase::backup}, now += 1000);
  double last_percent = session_percent(t.next);
  for (int guard = 0; guard < kPhaseCount && t.next.state == State::running; ++guard) {
    const Phase p = t.next.phase;
    EXPECT_EQ(step_text(t.next).rfind("Step " + std::to_string(step_number(t.next)) + " of ", 0),
              0u);
    t = step(t.next, Progress{p, 50, 100, 5, 10}, now += 1000);
    EXPECT_GT(session_percent(t.next), last_percent) << to_string(p);
    t = step(t.next, CheckpointReached{p, 1, ""}, now += 1000);
    t = step(t.next, PhaseDone{p}, now += 1000);
    EXPECT_EQ(t.next.progress(p).finished_at, now);
    if (t.next.state == State::running) {
      EXPECT_EQ(t.effects, (std::vector<Effect>{StartPhase{t.next.phase, t.next.attempt}}));
      EXPECT_EQ(static_cast<int>(t.next.phase), static_cast<int>(p) + 1);
      t = step(t.next, PhaseStarted{t.next.phase}, now += 1000);
    }
    last_percent = session_percent(t.next);
  }
  return t;
}

TEST(StatemachineFlow, HappyPathPullWithVerify) {
  TimeMs now = 1000;
  const Transition t = run_to_success(test::new_pull(), now);
  EXPECT_EQ(t.next.state, State::succeeded);
  EXPECT_EQ(t.next.phase, Phase::verify);
  EXPECT_EQ(t.next.finished_at, now);
  EXPECT_EQ(t.effects,
            (std::vector<Effect>{CleanupSpool{}, Notify{State::succeeded}, ReleaseLock{}}));
  EXPECT_EQ(session_percent(t.next), 100.0);
  EXPECT_EQ(step_text(t.next), "Done");
  EXPECT_TRUE(t.next.last_error.empty());
}

TEST(StatemachineFlow, HappyPathWithVerifyOffEndsAfterRestore) {
  SessionOptions options;
  options.verify = false;
  TimeMs now = 1000;
  const Transition t = run_to_success(test::new_pull(options), now);
  EXPECT_EQ(t.next.state, State::succeeded);
  EXPECT_EQ(t.next.phase, Phase::restore);
  EXPECT_EQ(t.next.progress(Phase::verify).started_at, 0);
  EXPECT_EQ(kinds(t.effects), (std::vector<K>{K::cleanup_spool, K::notify, K::release_lock}));
}

TEST(StatemachineFlow, CancelInEachPhase) {
  for (int i = 0; i < kPhaseCount; ++i) {
    const Phase p = static_cast<Phase>(i);
    SCOPED_TRACE(to_string(p));
    const Session s = test::running_in(p);
    const Transition asked = step(s, CancelRequested{"admin"}, 50000);
    EXPECT_EQ(asked.next.state, State::cancelling);
    EXPECT_EQ(asked.next.cancel_reason, "admin");
    // The target's open restore transaction is rolled back only when restore was running.
    const std::vector<K> expected = p == Phase::restore
                                        ? std::vector<K>{K::stop_work, K::rollback_restore}
                                        : std::vector<K>{K::stop_work};
    EXPECT_EQ(kinds(asked.effects), expected);
    EXPECT_EQ(step_text(asked.next), "Cancelling…");
    // Late worker reports are refused while cancelling.
    EXPECT_FALSE(transition(asked.next, Progress{p, 1, 2, 0, 0}, 50500).ok());
    const Transition done = step(asked.next, Cancelled{}, 51000);
    EXPECT_EQ(done.next.state, State::cancelled);
    EXPECT_EQ(done.next.finished_at, 51000);
    EXPECT_EQ(done.effects,
              (std::vector<Effect>{CleanupSpool{}, Notify{State::cancelled}, ReleaseLock{}}));
  }
}

TEST(StatemachineFlow, CancelWhileQueuedEndsAtOnce) {
  const Transition t = step(test::new_pull(), CancelRequested{"cli"}, 2000);
  EXPECT_EQ(t.next.state, State::cancelled);
  EXPECT_EQ(t.next.cancel_reason, "cli");
  EXPECT_EQ(kinds(t.effects), (std::vector<K>{K::cleanup_spool, K::notify, K::release_lock}));
}

TEST(StatemachineFlow, RetryBacksOffUntilMaxThenFailsNamingTheReason) {
  Policy policy;
  policy.max_peer_retries = 5;
  policy.retry_base_delay_ms = 1000;
  policy.retry_max_delay_ms = 6000;
  Session s = test::running_in(Phase::transfer);
  const std::vector<std::int64_t> delays{1000, 2000, 4000, 6000, 6000};
  TimeMs now = 100000;
  for (std::size_t i = 0; i < delays.size(); ++i) {
    const Transition t = step(s, PeerLost{"no route to host"}, now += 10000, policy);
    EXPECT_EQ(t.next.state, State::waiting_peer);
    EXPECT_EQ(t.next.peer_retries, i + 1);
    EXPECT_EQ(t.effects.back(),
              Effect(ScheduleRetry{delays[i], static_cast<std::uint32_t>(i + 1)}));
    EXPECT_NE(t.next.last_error.find("no route to host"), std::string::npos);
    s = t.next;
  }
  const Transition gave_up = step(s, PeerLost{"no route to host"}, now += 10000, policy);
  EXPECT_EQ(gave_up.next.state, State::failed);
  EXPECT_EQ(gave_up.next.last_error, "gave up after 5 retries: peer lost: no route to host");
  EXPECT_EQ(kinds(gave_up.effects),
            (std::vector<K>{K::stop_work, K::cleanup_spool, K::notify, K::release_lock}));
}

TEST(StatemachineFlow, RetryableFailureUsesTheSameBudget) {
  Policy policy;
  policy.max_peer_retries = 1;
  const Session s = test::running_in(Phase::convert);
  const Transition first = step(s, Failed{"could not serialize access", true}, 90000, policy);
  EXPECT_EQ(first.next.state, State::waiting_peer);
  const Transition second = step(first.next, Failed{"could not serialize access", true}, 91000,
                                 policy);
  EXPECT_EQ(second.next.state, State::failed);
  EXPECT_EQ(second.next.last_error, "gave up after 1 retry: could not serialize access");
}

TEST(StatemachineFlow, PeerBackReentersPhaseWithNewAttemptAndProgressRefillsRetries) {
  const Session s = test::running_in(Phase::transfer);
  Session w = step(s, PeerLost{"reset"}, 90000).next;
  w = step(w, PeerLost{"refused"}, 91000).next;
  ASSERT_EQ(w.peer_retries, 2u);
  const Transition back = step(w, PeerBack{}, 92000);
  EXPECT_EQ(back.next.state, State::running);
  EXPECT_EQ(back.next.attempt, s.attempt + 1);
  EXPECT_TRUE(back.next.last_error.empty());
  EXPECT_EQ(back.effects, (std::vector<Effect>{StartPhase{Phase::transfer, s.attempt + 1}}));
  EXPECT_EQ(back.next.peer_retries, 2u);  // reconnecting alone is not progress
  const Session moved = step(back.next, Progress{Phase::transfer, 10, 100, 0, 0}, 93000).next;
  EXPECT_EQ(moved.peer_retries, 0u);
}

TEST(StatemachineFlow, ResumeRestartsAnInterruptedBackupSnapshot) {
  Session s = test::running_in(Phase::backup);
  s = step(s, Progress{Phase::backup, 400, 1000, 40, 100}, 5000).next;
  s = step(s, CheckpointReached{Phase::backup, 3, "table 3"}, 6000).next;
  const Transition t = step(s, ResumedAfterRestart{}, 7000);
  EXPECT_EQ(t.next.attempt, s.attempt + 1);
  EXPECT_EQ(t.next.progress(Phase::backup), PhaseProgress{});
  EXPECT_EQ(t.effects, (std::vector<Effect>{StartPhase{Phase::backup, s.attempt + 1}}));
  EXPECT_EQ(step(t.next, PhaseStarted{Phase::backup}, 8000).next.progress(Phase::backup).started_at,
            8000);
}

TEST(StatemachineFlow, ResumeKeepsTheTransferCheckpoint) {
  Session s = test::running_in(Phase::transfer);
  s = step(s, Progress{Phase::transfer, 4 << 20, 40 << 20, 0, 0}, 5000).next;
  s = step(s, CheckpointReached{Phase::transfer, 17, ""}, 6000).next;
  const Transition t = step(s, ResumedAfterRestart{}, 7000);
  EXPECT_EQ(t.next.progress(Phase::transfer), s.progress(Phase::transfer));
  EXPECT_EQ(t.next.progress(Phase::backup), s.progress(Phase::backup));
  EXPECT_EQ(t.effects, (std::vector<Effect>{StartPhase{Phase::transfer, s.attempt + 1}}));
}

TEST(StatemachineFlow, CheckpointsOnlyAdvance) {
  Session s = test::running_in(Phase::transfer);
  s = step(s, CheckpointReached{Phase::transfer, 10, "a"}, 5000).next;
  const auto back = transition(s, CheckpointReached{Phase::transfer, 9, "b"}, 6000);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, "invalid_transition");
  EXPECT_NE(back.error().message.find("go back from 10"), std::string::npos);
  const Session same = step(s, CheckpointReached{Phase::transfer, 10, "b"}, 7000).next;
  EXPECT_EQ(same.progress(Phase::transfer).checkpoint_note, "b");
  EXPECT_EQ(same.last_progress_at, 5000);  // re-journaling is not progress
}

TEST(StatemachineFlow, ProgressClampsDoneValuesAndOnlyAdvancesTheStallClock) {
  Session s = test::running_in(Phase::restore);
  s = step(s, Progress{Phase::restore, 500, 1000, 50, 100}, 15000).next;
  const Session stale = step(s, Progress{Phase::restore, 400, 0, 60, 90}, 16000).next;
  const auto& p = stale.progress(Phase::restore);
  EXPECT_EQ(p.bytes_done, 500u);   // clamped: a smaller value is ignored
  EXPECT_EQ(p.bytes_total, 1000u);  // 0 means unknown: the known total stays
  EXPECT_EQ(p.rows_done, 60u);      // the rest of the report still counts
  EXPECT_EQ(p.rows_total, 90u);     // an estimate may be refined down...
  const Session over = step(stale, Progress{Phase::restore, 500, 0, 95, 80}, 17000).next;
  EXPECT_EQ(over.progress(Phase::restore).rows_total, 95u);  // ...but never below done
  const Session idle = step(over, Progress{Phase::restore, 500, 0, 95, 0}, 18000).next;
  EXPECT_EQ(idle.last_progress_at, 17000);
  EXPECT_EQ(idle.updated_at, 18000);
}

TEST(StatemachineFlow, StillWorkingRestartsTheStallClockButNotTheRetryBudget) {
  Session s = test::running_in(Phase::restore);
  s.peer_retries = 2;
  s = step(s, Progress{Phase::restore, 500, 1000, 50, 100}, 15000).next;
  EXPECT_EQ(s.peer_retries, 0);  // progress refills it
  s.peer_retries = 2;
  const Transition t = step(s, StillWorking{Phase::restore}, 20000);
  EXPECT_EQ(t.next.last_progress_at, 20000);
  EXPECT_EQ(t.next.peer_retries, 2);
  EXPECT_EQ(t.next.progress(Phase::restore), s.progress(Phase::restore));
  EXPECT_TRUE(t.effects.empty());
  const auto other = transition(s, StillWorking{Phase::verify}, 21000);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, "invalid_transition");
}

TEST(StatemachineFlow, EventsForAnotherPhaseAreRefused) {
  const Session s = test::running_in(Phase::transfer);
  for (const Event& e : {Event(PhaseDone{Phase::convert}), Event(PhaseDone{Phase::backup}),
                         Event(Progress{Phase::backup, 1, 1, 0, 0}),
                         Event(CheckpointReached{Phase::verify, 1, ""}),
                         Event(PhaseStarted{Phase::restore})}) {
    const auto r = transition(s, e, 9000);
    ASSERT_FALSE(r.ok()) << describe(e);
    EXPECT_EQ(r.error().code, "invalid_transition");
    EXPECT_NE(r.error().message.find("not the current phase"), std::string::npos);
  }
  EXPECT_FALSE(transition(test::new_pull(), PhaseStarted{Phase::transfer}, 2000).ok());
}

TEST(StatemachineFlow, FailureDuringRestoreRollsBackAndNamesTheReason) {
  const Session s = test::running_in(Phase::restore);
  const Transition t = step(s, Failed{"duplicate key in public.users", false}, 9000);
  EXPECT_EQ(t.next.state, State::failed);
  EXPECT_EQ(t.next.last_error, "duplicate key in public.users");
  EXPECT_EQ(kinds(t.effects), (std::vector<K>{K::stop_work, K::rollback_restore,
                                              K::cleanup_spool, K::notify, K::release_lock}));
  EXPECT_EQ(step_text(t.next), "Failed at step 4 of 5: Restoring");
}

TEST(StatemachineFlow, ResumeWhileWaitingOrCancelling) {
  const Session w = step(test::running_in(Phase::transfer), PeerLost{"x"}, 9000).next;
  const Transition tw = step(w, ResumedAfterRestart{}, 10000);
  EXPECT_EQ(tw.next.state, State::waiting_peer);
  EXPECT_EQ(tw.effects, (std::vector<Effect>{ScheduleRetry{0, 1}}));
  const Session c = step(w, CancelRequested{"admin"}, 11000).next;
  const Transition tc = step(c, ResumedAfterRestart{}, 12000);
  EXPECT_EQ(tc.next.state, State::cancelling);
  EXPECT_EQ(tc.next.attempt, c.attempt + 1);
  EXPECT_EQ(tc.effects, (std::vector<Effect>{StopWork{}}));
}

}  // namespace
}  // namespace tandem
