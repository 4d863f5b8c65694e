// SessionView <-> JSON, for the messages between the job manager and the facade (local
// only; the API's own shapes are rendered by http/). CAF-free.
#pragma once

#include <nlohmann/json.hpp>

#include "actors/node_api.hpp"
#include "base/result.hpp"

namespace tandem {

nlohmann::json view_to_json(const SessionView& v);
Result<SessionView> view_from_json(const nlohmann::json& j);

}  // namespace tandem
