#include "report/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/error.hpp"
#include "io/posix_file.hpp"

namespace ns::report {

namespace fs = std::filesystem;

void write_text_file(const std::string& path, const std::string& text) {
  posix::write_file_atomically(path, text);
}

std::string read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("{}: cannot read", path));
  return bytes.str();
}

std::vector<Figure> read_figures(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(fmt::format("{}: no folder of figures", dir));
  std::vector<fs::path> pngs;  // relative to dir
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (ext == ".png" && it->is_regular_file()) pngs.push_back(it->path().lexically_relative(dir));
  }
  if (ec) throw Error(fmt::format("{}: cannot list: {}", dir, ec.message()));
  // Directory order is arbitrary; the page is not. A folder's own figures come before those
  // of its subfolders, each level by name.
  std::sort(pngs.begin(), pngs.end(), [](const fs::path& a, const fs::path& b) {
    const auto depth = [](const fs::path& p) { return std::distance(p.begin(), p.end()); };
    return std::pair(depth(a), a) < std::pair(depth(b), b);
  });

  static constexpr char kSignature[] = "\x89PNG\r\n\x1a\n";
  std::vector<Figure> figures;
  for (const fs::path& relative : pngs) {
    const fs::path p = fs::path(dir) / relative;
    Figure f{relative.generic_string(), read_binary_file(p.string())};
    if (f.png.compare(0, 8, kSignature, 8) != 0)
      throw Error(fmt::format("{}: not a PNG file (no PNG signature)", p.string()));
    figures.push_back(std::move(f));
  }
  return figures;
}

}  // namespace ns::report
