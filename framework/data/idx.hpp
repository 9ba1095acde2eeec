#pragma once
// Reader and writer for the IDX format of the MNIST distribution (big-endian header, then raw
// unsigned bytes). Reading validates everything and throws DataError naming the file.
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace ns::data {

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major per image
};

IdxImages read_idx_images(const std::string& path);
// Labels must lie in [0, classes); the error names the first bad index and its value, and
// `classes_source` (e.g. "classes: data.classes") says where the count came from.
std::vector<std::uint8_t> read_idx_labels(const std::string& path, int classes,
                                          const std::string& classes_source = "");

void write_idx_images(const std::string& path, const IdxImages& images);
void write_idx_labels(const std::string& path, const std::vector<std::uint8_t>& labels);

// Images and labels of one split, pixels scaled to [0, 1]. Counts must agree.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes,
                      const std::string& classes_source = "");

}  // namespace ns::data
