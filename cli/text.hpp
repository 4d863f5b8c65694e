// Text primitives for tandemctl's output: sizes, durations, times, columns of UTF-8
// text ("→" and "…" are one column each) and plain tables. Pure.
#pragma once

#include <string>
#include <vector>

namespace tandem::cli {

// Decimal units, as the control panel shows them: "0 B", "950 B", "12.3 MB", "1.20 GB".
std::string human_bytes(double bytes);
// "850 ms" below a second, "42 s", "3 min 05 s", "2 h 07 min".
std::string human_duration(double seconds);
// "2026-11-25T12:00:03.120Z" -> "2026-11-25 12:00:03"; "" for an empty input.
std::string short_time(const std::string& iso);

// Terminal columns a UTF-8 string takes (one per code point; no wide characters here).
std::size_t display_width(const std::string& utf8);
// At most `width` columns: cut on a code point boundary and end with "…" when cut.
std::string fit(const std::string& utf8, std::size_t width);
// Pads with spaces on the right to `width` columns (never cuts).
std::string pad(const std::string& utf8, std::size_t width);

// Left-aligned columns separated by two spaces; the first row is the header.
// Rows shorter than the header are padded with empty cells.
std::string render_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace tandem::cli
