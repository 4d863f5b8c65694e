#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace tandem::cli {

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

int terminal_width() {
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace tandem::cli
