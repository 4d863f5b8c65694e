#include "statemachine/session.hpp"

#include <cstddef>

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
