#pragma once
// The shape of an MLP and the layout of its parameters in one flat buffer.
#include <vector>

#include "config/run_config.hpp"
#include "engine/types.hpp"

namespace ns {

// Layer l (0-based) maps sizes[l] inputs to sizes[l+1] outputs. Layers 0..L-2 are hidden (they
// carry an activation and hardware noise); layer L-1 produces the logits. Layers >= 1 are the
// "receiving" layers: their input is a noisy activation.
struct Architecture {
  std::vector<int> sizes;  // inputs, hidden widths..., classes
  Activation activation = Activation::Sigmoid;
  NoisePlacement noise_placement = NoisePlacement::After;

  int layers() const { return static_cast<int>(sizes.size()) - 1; }
  int hidden_layers() const { return layers() - 1; }
  int inputs() const { return sizes.front(); }
  int outputs() const { return sizes.back(); }
  int in(int l) const { return sizes[l]; }
  int out(int l) const { return sizes[l + 1]; }

  // Flat layout: for each layer, W (out x in, column-major), then b (out).
  Index weight_offset(int l) const;
  Index bias_offset(int l) const { return weight_offset(l) + Index(out(l)) * in(l); }
  Index parameter_count() const { return weight_offset(layers()); }
  // Multiply-adds of one clean forward pass for one sample.
  double forward_macs() const;
};

Architecture make_architecture(int inputs, const ModelConfig& model, int classes);

}  // namespace ns
