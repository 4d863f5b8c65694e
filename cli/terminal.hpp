// The few facts tandemctl needs about its terminal. The only place that asks the OS.
#pragma once

namespace tandem::cli {

// isatty(1): draw the live bar (with "\r") only on a terminal.
bool stdout_is_terminal();
// Columns of the terminal on stdout (ioctl TIOCGWINSZ), re-read on every call so a
// resized window is followed; 80 when it cannot be told.
int terminal_width();

}  // namespace tandem::cli
