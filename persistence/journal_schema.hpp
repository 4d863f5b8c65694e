// Opening the journal file safely: refuse what we must not touch, then migrate.
//
// Order matters: nothing is written to the file until it has been checked. A file that
// is not an SQLite database, fails `PRAGMA integrity_check`, belongs to another program
// or was written by a newer tandemd is refused with an Error naming the file and what
// to do; it is never deleted, truncated or recreated.
//
// Schema versions live in `PRAGMA user_version`; migrations run in order, each in its
// own transaction together with the version bump, so a crash mid-migration leaves the
// previous version intact. Adding a column (e.g. a new Session field) is a new
// migration plus one entry in journal_session_codec.cpp; existing versions never change.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "persistence/journal_sqlite_db.hpp"

namespace tandem::journal_schema {

// The newest schema this build knows: the version of the last migration.
constexpr int kVersion = 1;
// `PRAGMA application_id` of a tandem journal: "tnd1" in ASCII.
constexpr std::int32_t kApplicationId = 0x746e6431;

// Checks, configures (WAL, synchronous=FULL, foreign keys, busy timeout) and migrates
// the journal at `path`, creating it when it does not exist. Errors:
// "journal_corrupt", "journal_too_new", "journal_foreign", "journal_io".
Result<sqlite::Db> open(const std::string& path);

}  // namespace tandem::journal_schema
