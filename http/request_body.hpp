// Reading a request's JSON body for the routes that take one (or take none): every body
// goes through base/json_reader (bounded depth and string sizes, unknown keys refused),
// and every refusal is a 400 {error, field?} naming the first bad field.
#pragma once

#include <initializer_list>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/json_reader.hpp"
#include "http/message.hpp"

namespace tandem::http {

// The body as JSON. An empty body counts as {} so that `curl -X POST` works on routes
// whose fields are all optional. Errors go to `errs` (at "" for the body as a whole).
std::optional<nlohmann::json> parse_body(const Request& q, JsonErrors& errs);

// For routes that take no fields: the body must be empty or an empty object; any key in
// it is refused by name. nullopt when the body is acceptable.
std::optional<Response> refuse_any_body(const Request& q);

// For routes with query parameters: any parameter not in `known` is refused by name
// (a typo such as ?sesionId= is an error, not silently ignored).
std::optional<Response> refuse_unknown_query(const Request& q,
                                             std::initializer_list<const char*> known);

// The ?limit= of a listing: `fallback` when absent, else a whole number 1..`max`. On a
// bad value, the 400 naming "limit" is in `refused`.
std::size_t query_limit(const Request& q, std::size_t fallback, std::size_t max,
                        std::optional<Response>& refused);

// 400 from collected errors: the message lists every reason, the field is the first.
Response bad_request(const JsonErrors& errs);

}  // namespace tandem::http
