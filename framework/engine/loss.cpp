#include "engine/loss.hpp"

#include <cmath>

namespace ns {

template <class S>
double softmax_cross_entropy(const Mat<S>& logits, const Eigen::Ref<const Eigen::VectorXi>& labels,
                             Mat<S>* dlogits) {
  const Index batch = logits.cols();
  // Shift by the column max so exp never overflows.
  const RowVec<S> max = logits.colwise().maxCoeff();
  Mat<S> e = (logits.rowwise() - max).array().exp().matrix();
  const RowVec<S> sum = e.colwise().sum();
  double loss = 0;
  for (Index j = 0; j < batch; ++j)
    loss += std::log(double(sum[j])) - double(logits(labels[j], j) - max[j]);
  if (dlogits) {
    const S inv_batch = S(1) / S(batch);
    *dlogits = (e.array().rowwise() / sum.array()) * inv_batch;
    for (Index j = 0; j < batch; ++j) (*dlogits)(labels[j], j) -= inv_batch;
  }
  return loss / double(batch);
}

template <class S>
Index count_correct(const Mat<S>& logits, const Eigen::Ref<const Eigen::VectorXi>& labels) {
  Index correct = 0;
  for (Index j = 0; j < logits.cols(); ++j) {
    Index best;
    logits.col(j).maxCoeff(&best);
    correct += (best == labels[j]);
  }
  return correct;
}

template double softmax_cross_entropy<float>(const Mat<float>&,
                                             const Eigen::Ref<const Eigen::VectorXi>&, Mat<float>*);
template double softmax_cross_entropy<double>(const Mat<double>&,
                                              const Eigen::Ref<const Eigen::VectorXi>&,
                                              Mat<double>*);
template Index count_correct<float>(const Mat<float>&, const Eigen::Ref<const Eigen::VectorXi>&);
template Index count_correct<double>(const Mat<double>&, const Eigen::Ref<const Eigen::VectorXi>&);

}  // namespace ns
