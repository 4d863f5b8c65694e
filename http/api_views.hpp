// The JSON shapes of the API (SPEC.md, "HTTP API"), rendered from the node's views.
// One place per shape, so the panel, the CLI and the tests see the same fields.
#pragma once

#include <nlohmann/json.hpp>

#include "actors/node_api.hpp"

namespace tandem::http {

// "queued" | "running" | "succeeded" | "failed" | "cancelled" (waiting for the peer and
// cancelling count as running; the detail is in currentStep).
const char* api_state(State s);

// ISO 8601 UTC with milliseconds, or null for 0.
nlohmann::json iso_time(TimeMs ms);

// GET /api/sync/backup-progress
nlohmann::json progress_json(const SessionView& v);
// One row of GET /api/admin/sync/sessions
nlohmann::json session_summary_json(const SessionView& v);
// GET /api/admin/sync/sessions/{id}: the summary, the phases and the progress figures.
nlohmann::json session_detail_json(const SessionView& v);

}  // namespace tandem::http
