// Files that survive a crash or power loss whole or not at all, for the spool.
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

#include "base/result.hpp"

namespace tandem {

// Creates `dir` and any missing parents with mode 0700, fsyncing each new entry's parent
// so the directories themselves survive a crash. An existing directory is fine.
Status make_private_dirs(const std::string& dir);

// The durable replace described above.
Status write_file_durably(const std::string& path, const std::string& bytes);

// The first half of it: create/truncate `path` (0600), write all bytes, fsync, close.
// Exposed so tests can point it at /dev/full to exercise the ENOSPC path. Leaves the
// file in place on failure (write_file_durably removes its temporary).
Status write_and_sync(const std::string& path, const std::string& bytes);

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
