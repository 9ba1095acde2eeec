#include "engine/architecture.hpp"

#include "core/error.hpp"

namespace ns {

Index Architecture::weight_offset(int l) const {
  Index offset = 0;
  for (int k = 0; k < l; ++k) offset += Index(out(k)) * in(k) + out(k);
  return offset;
}

double Architecture::forward_macs() const {
  double macs = 0;
  for (int l = 0; l < layers(); ++l) macs += double(in(l)) * out(l);
  return macs;
}

Architecture make_architecture(int inputs, const ModelConfig& model, int classes) {
  if (model.hidden.empty()) throw Error("model.hidden: at least one hidden layer is needed");
  Architecture arch;
  arch.sizes.push_back(inputs);
  for (int width : model.hidden) arch.sizes.push_back(width);
  arch.sizes.push_back(classes);
  arch.activation = model.activation;
  arch.noise_placement = model.noise_placement;
  return arch;
}

}  // namespace ns
