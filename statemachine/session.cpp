#include "statemachine/session.hpp"

#include <cstddef>
#include <utility>

namespace tandem {
namespace {

// One table per enum: the single place a spelling is defined.
template <class E, std::size_t N>
struct Names {
  std::array<std::pair<E, const char*>, N> items;

  const char* name(E e) const {
    for (const auto& [v, n] : items)
      if (v == e) return n;
    return "?";
  }
  std::optional<E> parse(const std::string& s) const {
    for (const auto& [v, n] : items)
      if (s == n) return v;
    return std::nullopt;
  }
};

constexpr Names<Direction, 2> kDirections{{{{Direction::pull, "pull"}, {Direction::push, "push"}}}};
constexpr Names<State, 7> kStates{{{{State::queued, "queued"},
                                    {State::running, "running"},
                                    {State::waiting_peer, "waiting_peer"},
                                    {State::cancelling, "cancelling"},
                                    {State::succeeded, "succeeded"},
                                    {State::failed, "failed"},
                                    {State::cancelled, "cancelled"}}}};
constexpr Names<Phase, 5> kPhases{{{{Phase::backup, "backup"},
                                    {Phase::transfer, "transfer"},
                                    {Phase::convert, "convert"},
                                    {Phase::restore, "restore"},
                                    {Phase::verify, "verify"}}}};
constexpr Names<SyncMode, 2> kModes{{{{SyncMode::merge, "merge"}, {SyncMode::mirror, "mirror"}}}};
constexpr Names<TransportMethod, 2> kMethods{
    {{{TransportMethod::actor, "actor"}, {TransportMethod::http, "http"}}}};

}  // namespace

bool is_terminal(State s) {
  return s == State::succeeded || s == State::failed || s == State::cancelled;
}

bool phase_enabled(Phase p, const SessionOptions& options) {
  return p != Phase::verify || options.verify;
}

std::optional<Phase> next_phase(Phase p, const SessionOptions& options) {
  for (int i = static_cast<int>(p) + 1; i < kPhaseCount; ++i) {
    const auto candidate = static_cast<Phase>(i);
    if (phase_enabled(candidate, options)) return candidate;
  }
  return std::nullopt;
}

Session make_session(std::string id, Direction direction, std::string source,
                     std::string target, std::string initiator, SessionOptions options,
                     TimeMs now) {
  Session s;
  s.id = std::move(id);
  s.direction = direction;
  s.source = std::move(source);
  s.target = std::move(target);
  s.initiator = std::move(initiator);
  s.options = options;
  s.created_at = now;
  s.updated_at = now;
  return s;
}

std::string new_session_id(std::uint64_t random_bits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "fs-";
  for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(random_bits >> shift) & 0xF];
  return id;
}

bool is_valid_session_id(const std::string& id) {
  if (id.size() < 4 || id.size() > 67 || id.compare(0, 3, "fs-") != 0) return false;
  for (std::size_t i = 3; i < id.size(); ++i) {
    const char c = id[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool operator==(const PhaseProgress& a, const PhaseProgress& b) {
  return a.bytes_done == b.bytes_done && a.bytes_total == b.bytes_total &&
         a.rows_done == b.rows_done && a.rows_total == b.rows_total &&
         a.checkpoint == b.checkpoint && a.checkpoint_note == b.checkpoint_note &&
         a.started_at == b.started_at && a.finished_at == b.finished_at;
}
bool operator!=(const PhaseProgress& a, const PhaseProgress& b) { return !(a == b); }

bool operator==(const SessionOptions& a, const SessionOptions& b) {
  return a.compression == b.compression && a.verify == b.verify && a.mode == b.mode &&
         a.method == b.method && a.bandwidth_limit_mbps == b.bandwidth_limit_mbps;
}
bool operator!=(const SessionOptions& a, const SessionOptions& b) { return !(a == b); }

bool operator==(const Session& a, const Session& b) {
  return a.id == b.id && a.direction == b.direction && a.source == b.source &&
         a.target == b.target && a.initiator == b.initiator && a.options == b.options &&
         a.state == b.state && a.phase == b.phase && a.phases == b.phases &&
         a.created_at == b.created_at && a.updated_at == b.updated_at &&
         a.finished_at == b.finished_at && a.last_progress_at == b.last_progress_at &&
         a.attempt == b.attempt && a.peer_retries == b.peer_retries &&
         a.last_error == b.last_error && a.cancel_reason == b.cancel_reason;
}
bool operator!=(const Session& a, const Session& b) { return !(a == b); }

const char* to_string(Direction d) { return kDirections.name(d); }
const char* to_string(State s) { return kStates.name(s); }
const char* to_string(Phase p) { return kPhases.name(p); }
const char* to_string(SyncMode m) { return kModes.name(m); }
const char* to_string(TransportMethod m) { return kMethods.name(m); }

std::optional<Direction> parse_direction(const std::string& s) { return kDirections.parse(s); }
std::optional<State> parse_state(const std::string& s) { return kStates.parse(s); }
std::optional<Phase> parse_phase(const std::string& s) { return kPhases.parse(s); }
std::optional<SyncMode> parse_sync_mode(const std::string& s) { return kModes.parse(s); }
std::optional<TransportMethod> parse_transport_method(const std::string& s) {
  return kMethods.parse(s);
}

}  // namespace tandem
