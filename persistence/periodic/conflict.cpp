#include "persistence/periodic/conflict.hpp"

namespace tandem {
namespace {

ConflictWinner last_writer(const ChangeVersion& local, const ChangeVersion& remote) {
  if (local.changed_at != remote.changed_at)
    return local.changed_at > remote.changed_at ? ConflictWinner::local : ConflictWinner::remote;
  // Same millisecond: the node id decides, the same way on both nodes. Equal ids cannot
  // conflict (a node's own changes never come back), but pick local to be total.
  return local.origin >= remote.origin ? ConflictWinner::local : ConflictWinner::remote;
}

}  // namespace

const char* to_string(ConflictWinner w) { return w == ConflictWinner::local ? "local" : "remote"; }

ConflictWinner resolve_conflict(const ConflictPolicy& policy, const ChangeVersion& local,
                                const ChangeVersion& remote) {
  if (policy.kind == ConflictPolicy::Kind::prefer_node) {
    bool local_preferred = local.origin == policy.node;
    bool remote_preferred = remote.origin == policy.node;
    if (local_preferred != remote_preferred)
      return local_preferred ? ConflictWinner::local : ConflictWinner::remote;
  }
  return last_writer(local, remote);
}

}  // namespace tandem
