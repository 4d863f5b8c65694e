// SQL pieces shared by capture, fetch and apply (internal to persistence/periodic). Each
// rule lives here once, because the trigger on one node and the apply on the other must
// agree on it byte for byte: how a row and a key are encoded as jsonb, how a change's
// time becomes milliseconds, and when a local change counts as acknowledged by a peer.
#pragma once

#include <string>
#include <vector>

#include "persistence/pg/catalog.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem::periodic {

// Columns whose value travels as its text form inside the row jsonb instead of as a
// JSON value: numeric (a JSON number would pass through a C++ double and lose digits or
// trailing zeros) and json/jsonb (their inner numbers likewise). Everything else uses
// to_jsonb's encoding, which is independent of DateStyle and friends.
bool travels_as_text(const pg::ColumnInfo& column);

// jsonb of the row `rec` ("NEW" / "OLD") as captured: every copied column, generated ones
// left out, text-travelling columns as text.
std::string row_json_expr(const pg::Connection& conn, const pg::TableInfo& t,
                          const std::string& rec);
// jsonb_build_object of the primary-key columns of `rec`, with the same encoding.
std::string key_json_expr(const pg::Connection& conn, const pg::TableInfo& t,
                          const std::string& rec);

// The SQL expression reading `column` back out of the jsonb parameter `param` ("$1"),
// given a record `alias` produced by record_from_json().
std::string column_from_json(const pg::Connection& conn, const pg::ColumnInfo& column,
                             const std::string& param, const std::string& alias);
// "jsonb_populate_record(NULL::<table>, <param> - <text-travelling keys>) <alias>"
std::string record_from_json(const pg::Connection& conn, const pg::TableInfo& t,
                             const std::string& param, const std::string& alias);

// The trigger's test that an UPDATE changed the row: its bytes differ (record_image_ne),
// so a change of numeric scale or of a float's sign of zero counts, as the checksum sees it.
std::string row_changed_expr(const pg::Connection& conn, const pg::TableInfo& t);

// Milliseconds since the epoch of a timestamptz expression (floor, so both nodes agree).
std::string epoch_ms_expr(const std::string& ts);

// True when change-log row `c` (columns id, txid) is acknowledged by the peer whose
// tandem.peer_acks row is `a` (NULL row: nothing acknowledged).
std::string acked_condition(const std::string& c, const std::string& a);

// A txid_snapshot parameter that may be "" (no snapshot).
std::string snapshot_param(const std::string& param);

// Stable short hash of a table's name, for names of generated objects.
std::string name_hash(const std::string& schema, const std::string& table);

}  // namespace tandem::periodic
