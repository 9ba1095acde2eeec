#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace ns::cli {

std::size_t terminal_width() {
  if (!isatty(STDOUT_FILENO)) return 0;
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 100;
}

}  // namespace ns::cli
