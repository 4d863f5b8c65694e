// Named fail points for crash and timing tests: TANDEM_FAILPOINTS="name=sleep:MS,…"
// makes failpoint("name") sleep MS milliseconds each time it is reached. Unset (as in
// production), a fail point costs one relaxed atomic load. Tests use them to hold a
// phase long enough to kill or cancel a daemon inside it, e.g.
//   TANDEM_FAILPOINTS="restore_table=sleep:2000,backup_chunk=sleep:200"
// Points: backup_chunk (source, after each chunk is written), convert_plan (target,
// before the restore plan is built), restore_chunk (target, inside the restore
// transaction, after each chunk is loaded), verify_table (after each table is verified).
#pragma once

namespace tandem {

void failpoint(const char* name);

}  // namespace tandem
