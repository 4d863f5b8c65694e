#include "statemachine/transition.hpp"

#include <algorithm>
#include <initializer_list>

namespace tandem {
namespace {

// ---- helpers shared by the edges -------------------------------------------------

Error refuse(const Session& s, const Event& e, const std::string& why = {}) {
  std::string message = std::string("event ") + describe(e) + " is not allowed in state " +
                        to_string(s.state) + " (phase " + to_string(s.phase) + ")";
  if (!why.empty()) message += ": " + why;
  return make_error("invalid_transition", message, "event");
}

// Work-carrying events must be about the current phase; anything else is stale or a bug.
bool is_current(const Session& s, Phase p) { return p == s.phase; }

// Leaving `running` (or giving up while the peer is away) interrupts the work: stop both
// sides, and roll back the target's restore transaction if restore was under way.
void stop_work(const Session& s, std::vector<Effect>& fx) {
  if (s.state != State::running && s.state != State::waiting_peer) return;
  fx.emplace_back(StopWork{});
  if (s.state == State::running && s.phase == Phase::restore) fx.emplace_back(RollbackRestore{});
}

// Enter a terminal state. The spool is removed in every outcome (a terminal session is
// never resumed, and CleanupSpool is idempotent); the lock is always released.
void end(Session& next, State outcome, TimeMs now, std::vector<Effect>& fx) {
  next.state = outcome;
  next.finished_at = now;
  fx.emplace_back(CleanupSpool{});
  fx.emplace_back(Notify{outcome});
  fx.emplace_back(ReleaseLock{});
}

Transition fail(const Session& s, const std::string& reason, TimeMs now) {
  Transition t{s, {}};
  stop_work(s, t.effects);
  t.next.last_error = reason;
  end(t.next, State::failed, now, t.effects);
  return t;
}

// A lost peer or a retryable failure: wait and retry with back-off, or give up once
// Policy::max_peer_retries retries went by without real progress.
Transition retry_or_fail(const Session& s, const std::string& reason, TimeMs now,
                         const Policy& policy) {
  if (s.peer_retries >= policy.max_peer_retries) {
    const char* retries = s.peer_retries == 1 ? " retry: " : " retries: ";
    return fail(s, "gave up after " + std::to_string(s.peer_retries) + retries + reason, now);
  }
  Transition t{s, {}};
  if (s.state == State::running) stop_work(s, t.effects);  // while waiting, nothing runs
  t.next.state = State::waiting_peer;
  t.next.peer_retries = s.peer_retries + 1;
  t.next.last_error = reason;
  t.effects.emplace_back(ScheduleRetry{retry_delay_ms(policy, t.next.peer_retries),
                                       t.next.peer_retries});
  return t;
}

// Real progress: the stall clock restarts and the retry budget is refilled.
void advanced(Session& next, TimeMs now) {
  next.last_progress_at = now;
  next.peer_retries = 0;
}

// ---- the edges -------------------------------------------------------------------

using Apply = Result<Transition> (*)(const Session&, const Event&, TimeMs, const Policy&);

Result<Transition> start_phase(const Session& s, const Event& e, TimeMs now, const Policy&) {
  const auto& ev = std::get<PhaseStarted>(e);
  if (!is_current(s, ev.phase)) return refuse(s, e, "not the current phase");
  Transition t{s, {}};
  t.next.state = State::running;
  auto& p = t.next.progress(ev.phase);
  if (p.started_at == 0) p.started_at = now;  // a re-entry keeps the first start time
  t.next.last_progress_at = now;
  return t;
}

Result<Transition> progress(const Session& s, const Event& e, TimeMs now, const Policy&) {
  const auto& ev = std::get<Progress>(e);
  if (!is_current(s, ev.phase)) return refuse(s, e, "not the current phase");
  Transition t{s, {}};
  auto& p = t.next.progress(ev.phase);
  const PhaseProgress before = p;
  p.bytes_done = std::max(p.bytes_done, ev.bytes_done);  // clamp: never backwards
  p.rows_done = std::max(p.rows_done, ev.rows_done);
  // Totals may be refined either way (estimates), but never below what is done.
  if (ev.bytes_total != 0) p.bytes_total = ev.bytes_total;
  if (ev.rows_total != 0) p.rows_total = ev.rows_total;
  p.bytes_total = std::max(p.bytes_total, p.bytes_done);
  p.rows_total = std::max(p.rows_total, p.rows_done);
  if (p.bytes_done > before.bytes_done || p.rows_done > before.rows_done) advanced(t.next, now);
  return t;
}

Result<Transition> still_working(const Session& s, const Event& e, TimeMs now, const Policy&) {
  if (!is_current(s, std::get<StillWorking>(e).phase)) return refuse(s, e, "not the current phase");
  Transition t{s, {}};
  t.next.last_progress_at = now;  // alive, not advanced: peer_retries stays
  return t;
}

Result<Transition> checkpoint(const Session& s, const Event& e, TimeMs now, const Policy&) {
  const auto& ev = std::get<CheckpointReached>(e);
  if (!is_current(s, ev.phase)) return refuse(s, e, "not the current phase");
  const auto& cur = s.progress(ev.phase);
  if (ev.position < cur.checkpoint)
    return refuse(s, e, "checkpoint would go back from " + std::to_string(cur.checkpoint));
  Transition t{s, {}};
  auto& p = t.next.progress(ev.phase);
  p.checkpoint = ev.position;
  p.checkpoint_note = ev.note;
  if (ev.position > cur.checkpoint) advanced(t.next, now);
  return t;
}

Result<Transition> finish_phase(const Session& s, const Event& e, TimeMs now, const Policy&) {
  const auto& ev = std::get<PhaseDone>(e);
  if (!is_current(s, ev.phase)) return refuse(s, e, "not the current phase");
  Transition t{s, {}};
  auto& done = t.next.progress(ev.phase);
  done.finished_at = now;
  // A finished phase did all its work, whatever the last (throttled) report said.
  done.bytes_done = std::max(done.bytes_done, done.bytes_total);
  done.rows_done = std::max(done.rows_done, done.rows_total);
  advanced(t.next, now);
  if (const auto following = next_phase(ev.phase, s.options)) {
    t.next.phase = *following;
    t.effects.emplace_back(StartPhase{*following, s.attempt});
  } else {
    end(t.next, State::succeeded, now, t.effects);
  }
  return t;
}

Result<Transition> cancel_queued(const Session& s, const Event& e, TimeMs now, const Policy&) {
  Transition t{s, {}};  // nothing runs yet: cancelled at once
  t.next.cancel_reason = std::get<CancelRequested>(e).reason;
  end(t.next, State::cancelled, now, t.effects);
  return t;
}

Result<Transition> begin_cancel(const Session& s, const Event& e, TimeMs, const Policy&) {
  Transition t{s, {}};
  stop_work(s, t.effects);
  t.next.state = State::cancelling;
  t.next.cancel_reason = std::get<CancelRequested>(e).reason;
  return t;
}

Result<Transition> finish_cancel(const Session& s, const Event&, TimeMs now, const Policy&) {
  Transition t{s, {}};
  end(t.next, State::cancelled, now, t.effects);
  return t;
}

Result<Transition> failed(const Session& s, const Event& e, TimeMs now, const Policy& policy) {
  const auto& ev = std::get<Failed>(e);
  if (ev.retryable && s.state != State::cancelling)
    return retry_or_fail(s, ev.reason, now, policy);
  return fail(s, ev.reason, now);  // while cancelling there is nothing left to retry
}

Result<Transition> peer_lost(const Session& s, const Event& e, TimeMs now,
                             const Policy& policy) {
  return retry_or_fail(s, "peer lost: " + std::get<PeerLost>(e).reason, now, policy);
}

Result<Transition> peer_back(const Session& s, const Event&, TimeMs, const Policy&) {
  Transition t{s, {}};
  t.next.state = State::running;
  t.next.attempt = s.attempt + 1;
  t.next.last_error.clear();
  t.effects.emplace_back(StartPhase{s.phase, t.next.attempt});
  return t;
}

// A snapshot cannot survive a restart: an interrupted backup starts over from nothing.
// Every later phase keeps its checkpoint (transfer resumes at its next chunk).
void forget_lost_snapshot(Session& next) {
  if (next.state != State::queued && next.phase == Phase::backup)
    next.progress(Phase::backup) = PhaseProgress{};
}

Result<Transition> resume(const Session& s, const Event&, TimeMs now, const Policy&) {
  Transition t{s, {}};
  t.next.attempt = s.attempt + 1;
  forget_lost_snapshot(t.next);
  t.next.last_progress_at = now;  // the job was just re-entered: restart the stall clock
  if (s.state == State::waiting_peer) {
    t.effects.emplace_back(ScheduleRetry{0, s.peer_retries});  // try the peer right away
  } else if (s.state == State::cancelling) {
    t.effects.emplace_back(StopWork{});  // finish stopping what the crash interrupted
  } else {
    t.effects.emplace_back(StartPhase{s.phase, t.next.attempt});
  }
  return t;
}

// ---- the table -------------------------------------------------------------------

constexpr unsigned bit(State s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned states(std::initializer_list<State> list) {
  unsigned mask = 0;
  for (State s : list) mask |= bit(s);
  return mask;
}

struct Edge {
  unsigned from;  // bit set of states
  EventKind on;
  Apply apply;
};

using S = State;
using K = EventKind;
constexpr unsigned kLive = states({S::queued, S::running, S::waiting_peer});

// Every legal edge, once. Anything not listed is refused; terminal states appear nowhere.
const Edge kEdges[] = {
    {states({S::queued, S::running}), K::phase_started, start_phase},
    {states({S::running}), K::progress, progress},
    {states({S::running}), K::checkpoint_reached, checkpoint},
    {states({S::running}), K::still_working, still_working},
    {states({S::running}), K::phase_done, finish_phase},
    {states({S::queued}), K::cancel_requested, cancel_queued},
    {states({S::running, S::waiting_peer}), K::cancel_requested, begin_cancel},
    {states({S::cancelling}), K::cancelled, finish_cancel},
    {kLive | bit(S::cancelling), K::failed, failed},
    {kLive, K::peer_lost, peer_lost},
    {states({S::waiting_peer}), K::peer_back, peer_back},
    {kLive | bit(S::cancelling), K::resumed_after_restart, resume},
};

const Edge* find_edge(State s, EventKind k) {
  for (const Edge& edge : kEdges)
    if ((edge.from & bit(s)) != 0 && edge.on == k) return &edge;
  return nullptr;
}

}  // namespace

bool allows(State state, EventKind kind) { return find_edge(state, kind) != nullptr; }

Result<Transition> transition(const Session& session, const Event& event, TimeMs now,
                              const Policy& policy) {
  const Edge* edge = find_edge(session.state, event_kind(event));
  if (edge == nullptr) return refuse(session, event);
  Result<Transition> result = edge->apply(session, event, now, policy);
  if (result.ok()) result->next.updated_at = now;
  return result;
}

}  // namespace tandem
