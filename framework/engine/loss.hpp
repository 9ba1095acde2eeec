#pragma once
// Softmax cross-entropy, averaged over the batch.
#include <Eigen/Core>

#include "engine/types.hpp"

namespace ns {

// Returns the mean loss over the columns of `logits` (classes x batch). When `dlogits` is
// given, it receives dLoss/dlogits = (softmax - onehot) / batch.
template <class S>
double softmax_cross_entropy(const Mat<S>& logits, const Eigen::Ref<const Eigen::VectorXi>& labels,
                             Mat<S>* dlogits);

// Number of columns whose largest logit is at the label (ties go to the lower class index).
template <class S>
Index count_correct(const Mat<S>& logits, const Eigen::Ref<const Eigen::VectorXi>& labels);

}  // namespace ns
