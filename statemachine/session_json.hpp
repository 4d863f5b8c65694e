// A Session as JSON: what crosses the peer link (the target mirrors its session to the
// source) and the base of the API's session views. Frozen format: fields are added,
// never renamed; a reader ignores nothing it does not know (unknown fields are refused
// so a newer peer's session is not silently half-read).
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "statemachine/session.hpp"

namespace tandem {

nlohmann::json session_to_json(const Session& s);
Result<Session> session_from_json(const nlohmann::json& j);

}  // namespace tandem
