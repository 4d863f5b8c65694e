// Progress maths: weighted percent, step text, speed smoothing, ETA, stall detection.
#include <cmath>

#include "statemachine/progress.hpp"
#include "statemachine/speed.hpp"
#include "statemachine_test_support.hpp"

namespace tandem {
namespace {

Session at(Phase p, std::uint64_t bytes_done, std::uint64_t bytes_total,
           SessionOptions options = {}) {
  Session s = test::new_pull(options);
  s.state = State::running;
  s.phase = p;
  for (int i = 0; i < static_cast<int>(p); ++i) s.phases[i].finished_at = 500;
  s.progress(p).bytes_done = bytes_done;
  s.progress(p).bytes_total = bytes_total;
  return s;
}

TEST(StatemachineProgress, PercentIsWeightedByPhase) {
  EXPECT_DOUBLE_EQ(session_percent(at(Phase::backup, 0, 100)), 0.0);
  EXPECT_DOUBLE_EQ(session_percent(at(Phase::backup, 50, 100)), 7.5);
  EXPECT_DOUBLE_EQ(session_percent(at(Phase::transfer, 50, 100)), 15 + 17.5);
  EXPECT_DOUBLE_EQ(session_percent(at(Phase::convert, 0, 0)), 50.0);
  EXPECT_DOUBLE_EQ(session_percent(at(Phase::verify, 50, 100)), 95.0);
  EXPECT_DOUBLE_EQ(session_percent(test::new_pull()), 0.0);
}

TEST(StatemachineProgress, VerifyOffRedistributesItsWeight) {
  SessionOptions off;
  off.verify = false;
  EXPECT_DOUBLE_EQ(phase_share_percent(Phase::verify, off), 0.0);
  EXPECT_DOUBLE_EQ(phase_share_percent(Phase::backup, off), 100.0 * 15 / 90);
  EXPECT_DOUBLE_EQ(session_percent(at(Phase::restore, 50, 100, off)),
                   100.0 * (15 + 35 + 5 + 17.5) / 90);
  EXPECT_EQ(total_steps(off), 4);
}

TEST(StatemachineProgress, OnlySucceededReaches100) {
  Session s = at(Phase::verify, 100, 100);
  EXPECT_DOUBLE_EQ(session_percent(s), 99.0);
  s.state = State::succeeded;
  EXPECT_DOUBLE_EQ(session_percent(s), 100.0);
  s.state = State::failed;
  EXPECT_DOUBLE_EQ(session_percent(s), 99.0);
}

TEST(StatemachineProgress, PhaseFractionFallsBackToRows) {
  PhaseProgress p;
  EXPECT_DOUBLE_EQ(phase_fraction(p), 0.0);
  p.rows_done = 25;
  p.rows_total = 100;
  EXPECT_DOUBLE_EQ(phase_fraction(p), 0.25);
  p.bytes_done = 10;
  p.bytes_total = 20;
  EXPECT_DOUBLE_EQ(phase_fraction(p), 0.5);  // bytes win when known
  p.finished_at = 1;
  EXPECT_DOUBLE_EQ(phase_fraction(p), 1.0);
}

TEST(StatemachineProgress, StepTextPerStateAndPhase) {
  EXPECT_EQ(step_text(test::new_pull()), "Waiting to start");
  EXPECT_EQ(step_text(at(Phase::backup, 0, 0)), "Step 1 of 5: Backing up…");
  EXPECT_EQ(step_text(at(Phase::transfer, 0, 0)), "Step 2 of 5: Transferring backup…");
  EXPECT_EQ(step_text(at(Phase::convert, 0, 0)), "Step 3 of 5: Converting…");
  EXPECT_EQ(step_text(at(Phase::verify, 0, 0)), "Step 5 of 5: Verifying…");
  SessionOptions off;
  off.verify = false;
  EXPECT_EQ(step_text(at(Phase::restore, 0, 0, off)), "Step 4 of 4: Restoring…");
  Session w = at(Phase::transfer, 0, 0);
  w.state = State::waiting_peer;
  EXPECT_EQ(step_text(w), "Step 2 of 5: Transferring backup (waiting for the peer)");
  w.state = State::cancelled;
  EXPECT_EQ(step_text(w), "Cancelled");
}

TEST(StatemachineProgress, SpeedNeedsTwoSamplesThenFollowsAConstantRate) {
  SpeedMeter m(5000);
  EXPECT_FALSE(m.has_rate());
  m.add(0, 0);
  EXPECT_FALSE(m.has_rate());
  EXPECT_EQ(m.eta_s(100), std::nullopt);
  for (int i = 1; i <= 10; ++i) m.add(i * 1000, i * 10'000'000ull);  // 10 MB/s
  EXPECT_TRUE(m.has_rate());
  EXPECT_NEAR(m.per_second(), 10e6, 1e-3);
  EXPECT_NEAR(*m.eta_s(150'000'000), 5.0, 1e-9);  // 50 MB left at 10 MB/s
  EXPECT_EQ(*m.eta_s(50'000'000), 0.0);           // already past the total
}

TEST(StatemachineProgress, SpeedIsSmoothedAfterAChange) {
  SpeedMeter m(5000);
  std::uint64_t done = 0;
  TimeMs t = 0;
  m.add(t, done);
  for (int i = 0; i < 20; ++i) m.add(t += 1000, done += 10'000'000);  // 10 MB/s
  m.add(t += 1000, done += 20'000'000);  // one second at 20 MB/s
  const double alpha = 1 - std::exp(-1000.0 / 5000.0);
  EXPECT_NEAR(m.per_second(), 10e6 + alpha * 10e6, 1.0);  // moved part of the way
  for (int i = 0; i < 30; ++i) m.add(t += 1000, done += 20'000'000);
  EXPECT_NEAR(m.per_second(), 20e6, 20e6 * 0.01);  // caught up after ~6 time constants
}

TEST(StatemachineProgress, SpeedIgnoresOldSamplesAndRestartsOnReset) {
  SpeedMeter m(5000);
  m.add(1000, 0);
  m.add(2000, 1000);
  m.add(2000, 5000);  // same instant: ignored, counted by the next sample
  m.add(1500, 9000);  // earlier: ignored
  EXPECT_EQ(m.done(), 1000u);
  m.add(3000, 2000);
  EXPECT_GT(m.per_second(), 0.0);
  m.add(4000, 10);  // counter went down: the phase restarted
  EXPECT_FALSE(m.has_rate());
  EXPECT_EQ(m.done(), 10u);
}

TEST(StatemachineProgress, SessionEtaFromTheCurrentPhaseSpeed) {
  SpeedMeter m;
  m.add(0, 0);
  m.add(1000, 10'000'000);  // 10 MB/s
  Session s = at(Phase::transfer, 10'000'000, 100'000'000);
  // Transfer: 90 MB left = 9 s. At 10 MB/s transfer moves 35 % per 10 s = 3.5 %/s; the
  // phases after it weigh 5 + 35 + 10 = 50 %, so 50 / 3.5 s more.
  const auto eta = session_eta_s(s, m);
  ASSERT_TRUE(eta.has_value());
  EXPECT_NEAR(*eta, 9.0 + 50.0 / 3.5, 1e-9);
  s.state = State::succeeded;
  EXPECT_EQ(session_eta_s(s, m), 0.0);
  s.state = State::failed;
  EXPECT_EQ(session_eta_s(s, m), std::nullopt);
  EXPECT_EQ(session_eta_s(at(Phase::convert, 0, 0), m), std::nullopt);  // no byte total
}

TEST(StatemachineProgress, StallDetection) {
  Session s = test::running_in(Phase::transfer);
  s = test::step(s, Progress{Phase::transfer, 100, 1000, 0, 0}, 10'000).next;
  EXPECT_FALSE(is_stalled(s, 69'999, 60'000));
  EXPECT_TRUE(is_stalled(s, 70'000, 60'000));
  // A heartbeat without progress keeps it stalled.
  const Session beat = test::step(s, Progress{Phase::transfer, 100, 1000, 0, 0}, 65'000).next;
  EXPECT_TRUE(is_stalled(beat, 70'000, 60'000));
  const Session moved = test::step(s, Progress{Phase::transfer, 101, 1000, 0, 0}, 65'000).next;
  EXPECT_FALSE(is_stalled(moved, 70'000, 60'000));
  // Work seen executing (one long statement) restarts the clock without progress.
  const Session working = test::step(s, StillWorking{Phase::transfer}, 65'000).next;
  EXPECT_FALSE(is_stalled(working, 70'000, 60'000));
  EXPECT_TRUE(is_stalled(working, 125'000, 60'000));
  // Waiting for the peer: any transition (a retry) shows the job is alive.
  const Session waiting = test::step(s, PeerLost{"x"}, 65'000).next;
  EXPECT_FALSE(is_stalled(waiting, 70'000, 60'000));
  EXPECT_TRUE(is_stalled(waiting, 125'000, 60'000));
  const Session failed = test::step(s, Failed{"x", false}, 65'000).next;
  EXPECT_FALSE(is_stalled(failed, 10'000'000, 60'000));
}

}  // namespace
}  // namespace tandem
