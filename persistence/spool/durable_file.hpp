// Files that survive a crash or power loss whole or not at all, for the spool (and, with
// replace_file(), files that only need to survive the process).
//
// write_file_durably(): write `<path>.tmp` (0600), fsync it, rename it over `<path>`,
// fsync the directory. A reader therefore sees either the old file or the complete new
// one, never a torn one. Any failure (ENOSPC, EIO, EACCES, …) is an Error "spool_io"
// naming the file and the system's reason, and the temporary file is removed, so a full
// disk leaves nothing behind and the target untouched.
//
// Plain POSIX calls; no state, callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tandem {

// Creates `dir` and any missing parents with mode 0700, fsyncing each new entry's parent
// so the directories themselves survive a crash. An existing directory is fine.
Status make_private_dirs(const std::string& dir);

// The durable replace described above.
Status write_file_durably(const std::string& path, std::string_view bytes);

// The same without either fsync: a reader sees the old file or the whole new one as long
// as the machine stays up (a killed process leaves at most a `.tmp` behind), but after a
// power loss or kernel crash the file may be missing, short or zeroed. Only for copies
// whose owner checks them on reading and can fetch them again (a target's chunks).
Status replace_file(const std::string& path, std::string_view bytes);

// The first half of write_file_durably: create/truncate `path` (0600), write all bytes,
// fsync, close. Exposed so tests can point it at /dev/full to exercise the ENOSPC path. Leaves the
// file in place on failure (write_file_durably removes its temporary).
Status write_and_sync(const std::string& path, std::string_view bytes);

// fsync of a directory, making renames and creations inside it durable.
Status fsync_dir(const std::string& dir);

// Size of the file at `path`; Error "not_found" when it does not exist, else "spool_io".
Result<std::uint64_t> file_size(const std::string& path);

// The whole file. Error "not_found" when it does not exist; "spool_io" on a read error or
// when it is larger than `max_bytes` (nothing is allocated beyond max_bytes).
Result<std::string> read_file(const std::string& path, std::uint64_t max_bytes);

// Removes `dir` and everything below it; success when it is already gone.
Status remove_tree(const std::string& dir);

}  // namespace tandem
