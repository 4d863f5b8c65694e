// Session settings every data-plane connection uses, so that the text form of a value
// (which the content checksum hashes) is the same on the source and the target whatever
// the servers' defaults: UTC, ISO dates, exact floats, hex bytea, UTF8.
#pragma once

#include "base/result.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

Status apply_data_plane_settings(pg::Connection& conn);

// Every data-plane connection's application_name is this prefix and its purpose
// ("tandemd restore", "tandemd periodic apply"): the activity watch finds them by it.
constexpr const char* kApplicationPrefix = "tandemd ";

// Opens a connection and applies the settings above.
Result<pg::Connection> open_data_plane_connection(const std::string& conninfo,
                                                  const std::string& purpose);

}  // namespace tandem
