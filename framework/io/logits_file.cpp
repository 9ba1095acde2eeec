#include "io/logits_file.hpp"

#include <algorithm>

#include "engine/network.hpp"
#include "io/h5.hpp"
#include "io/posix_file.hpp"

namespace ns {

void save_logits(const std::string& path, const Parameters<float>& p, const data::Dataset& test,
                 int chunk, const LogitsSource& source) {
  const Index samples = test.size(), classes = p.arch().sizes.back();
  Eigen::MatrixXf logits(samples, classes);  // one row per sample, as the file stores it
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> predicted(samples), labels(samples);
  Workspace<float> ws;
  for (Index start = 0; start < samples; start += chunk) {
    const Index m = std::min<Index>(chunk, samples - start);
    const Mat<float> x = test.x.middleCols(start, m);
    const Mat<float>& out = forward<float>(p, x, nullptr, ws);
    logits.middleRows(start, m) = out.transpose();
    for (Index j = 0; j < m; ++j) {
      Index best = 0;
      out.col(j).maxCoeff(&best);  // the first maximum, as count_correct takes it
      predicted[start + j] = std::int32_t(best);
      labels[start + j] = test.y[start + j];
    }
  }
  posix::write_file_atomically(path, h5::build_image(path, [&](h5::Group& root) {
                                 root.set_attr("format", "noisesweep-logits");
                                 root.set_attr("format_version", 1);
                                 root.set_attr("weights", source.weights);
                                 root.set_attr("data_mean", double(source.data_mean));
                                 root.set_attr("data_std", double(source.data_std));
                                 root.write("logits", logits);
                                 root.write("predicted", predicted.data(), {hsize_t(samples)});
                                 root.write("labels", labels.data(), {hsize_t(samples)});
                               }));
}

}  // namespace ns
