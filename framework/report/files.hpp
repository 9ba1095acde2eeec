#pragma once
// Reading and writing the report's files, with errors that name the file.
#include <string>
#include <vector>

namespace ns::report {

// Writes `text` to a temporary file and renames it over `path`, so a reader (or a failed write)
// never sees half a report. Throws Error naming the file and the system's reason.
void write_text_file(const std::string& path, const std::string& text);

std::string read_binary_file(const std::string& path);  // throws Error naming the file

// A figure to embed: its path below the figures folder (the caption) and its PNG bytes.
struct Figure {
  std::string name;
  std::string png;
};

// Every file below `dir` whose name ends in .png (any case): dir's own by name, then those of
// its subfolders ("ablation/accuracy_vs_noise.png"), level by level.
// Throws Error if `dir` is not a readable folder or a .png file does not start with the PNG
// signature (a broken plot is better noticed than embedded as a blank).
std::vector<Figure> read_figures(const std::string& dir);

}  // namespace ns::report
