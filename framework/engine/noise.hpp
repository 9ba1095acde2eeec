#pragma once
// The nonidealities active in one pass: per weight layer, the perturbations drawn for it (see
// nonideality/nonideality.hpp). Draws are made up front and held, so the backward pass (and
// gradient checks) see exactly the draws of the forward pass.
#include <memory>
#include <vector>

#include "core/rng.hpp"
#include "engine/parameters.hpp"
#include "nonideality/nonideality.hpp"

namespace ns {

template <class S>
struct NetworkNoise {
  // layers[l]: the perturbations of weight layer l, in the order they apply.
  std::vector<std::vector<std::shared_ptr<const Perturbation<S>>>> layers;

  explicit NetworkNoise(int layer_count = 0) : layers(layer_count) {}
  bool any() const;
  bool changes_weights() const;
  void clear();
};

// The weight layers (0-based) that `kind` acts on in a network of `layers` layers: its scope,
// narrowed by noise.KIND.layers.
std::vector<bool> layers_acted_on(NoiseKind kind, const KindSettings& settings, int layers);

// Which draws to make: a per-chip kind's, a per-sample kind's, or both.
enum class DrawPart { PerChip, PerSample, Both };

// What to draw: one kind at one strength.
struct NoiseDraw {
  NoiseKind kind;
  double strength;
  const KindSettings* settings;
  bool naive = false;  // the kind's plain reference draw instead of its fast one
};

// Adds the draws of `what` to `noise` on every layer it acts on. Layer l draws from
// stream.child(l).child(KIND); per-sample draws are addressed by absolute sample index from
// `first_sample`, so any blocking gives the same numbers.
template <class S>
void draw_noise(NetworkNoise<S>& noise, const NoiseDraw& what, DrawPart part,
                const Parameters<S>& p, const rng::Stream& stream, Index first_sample, Index batch,
                const std::vector<LayerCalibration>* calibration);

}  // namespace ns
