// Named fail points for crash and timing tests: TANDEM_FAILPOINTS="name=sleep:MS,…"
// makes failpoint("name") sleep MS milliseconds each time it is reached; "name=throw"
// (or "throw_once") makes it throw std::runtime_error (the first time only), which
// kills the actor it runs in — for supervision tests. Unset (as in
// production), a fail point costs one relaxed atomic load. Tests use them to hold a
// phase long enough to kill or cancel a daemon inside it, e.g.
//   TANDEM_FAILPOINTS="restore_table=sleep:2000,backup_chunk=sleep:200"
// Points: backup_chunk (source, after each chunk is written), convert_plan (target,
// before the restore plan is built), restore_chunk (target, inside the restore
// transaction, after each chunk is loaded), verify_start (target, before verify reads),
// verify_table (after each table is verified),
// manager_list (the job manager, listing sessions for the API), stop_node (tandemd,
// after SIGTERM, before the node stops), capture_install (the change server, before
// each try to install change capture).
#pragma once

namespace tandem {

void failpoint(const char* name);

}  // namespace tandem
