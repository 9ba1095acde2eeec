#include "engine/noise.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace ns {

template <class S>
bool NetworkNoise<S>::any() const {
  return std::any_of(layers.begin(), layers.end(), [](const auto& l) { return !l.empty(); });
}

template <class S>
bool NetworkNoise<S>::changes_weights() const {
  for (const auto& layer : layers)
    for (const auto& p : layer)
      if (p->changes_weights()) return true;
  return false;
}

template <class S>
void NetworkNoise<S>::clear() {
  for (auto& layer : layers) layer.clear();
}

std::vector<bool> layers_acted_on(NoiseKind kind, const KindSettings& settings, int layers) {
  std::vector<bool> on(layers);
  for (int l = 0; l < layers; ++l) on[l] = kind->in_scope(l, layers);
  if (settings.layers.empty()) return on;
  std::vector<bool> chosen(layers, false);
  for (int one_based : settings.layers) {
    const int l = one_based - 1;
    if (l < 0 || l >= layers || !on[l])
      throw Error(fmt::format(
          "noise.{}.layers: {} cannot carry {} in a network of {} weight layers (it acts on {})",
          kind->name, one_based, kind->name, layers, kind->scope_text(layers)));
    chosen[l] = true;
  }
  return chosen;
}

template <class S>
void draw_noise(NetworkNoise<S>& noise, const NoiseDraw& what, DrawPart part,
                const Parameters<S>& p, const rng::Stream& stream, Index first_sample, Index batch,
                const std::vector<LayerCalibration>* calibration) {
  const NoiseKind kind = what.kind;
  if (part == DrawPart::PerChip && !kind->per_chip) return;
  if (part == DrawPart::PerSample && kind->per_chip) return;
  if (kind->needs_calibration && !calibration)
    throw Error(fmt::format("{} needs a calibration pass, and none was made", kind->name));
  Drawer<S> draw = kind->drawer<S>();
  if constexpr (std::is_same_v<S, float>)
    if (what.naive && kind->draw_naive) draw = kind->draw_naive;
  const int layers = p.arch().layers();
  const std::vector<bool> on = layers_acted_on(kind, *what.settings, layers);
  noise.layers.resize(layers);
  for (int l = 0; l < layers; ++l) {
    if (!on[l]) continue;
    DrawInput<S> in{.strength = what.strength,
                    .settings = what.settings,
                    .layer = l,
                    .output = l == layers - 1,
                    .w = {p.w(l).data(), p.w(l).rows(), p.w(l).cols()},
                    .calibration = kind->needs_calibration ? &calibration->at(l) : nullptr,
                    .stream = stream.child(std::uint64_t(l)).child(kind->name),
                    .first_sample = first_sample,
                    .batch = batch};
    noise.layers[l].push_back(draw(in));
  }
}

template struct NetworkNoise<float>;
template struct NetworkNoise<double>;
template void draw_noise<float>(NetworkNoise<float>&, const NoiseDraw&, DrawPart,
                                const Parameters<float>&, const rng::Stream&, Index, Index,
                                const std::vector<LayerCalibration>*);
template void draw_noise<double>(NetworkNoise<double>&, const NoiseDraw&, DrawPart,
                                 const Parameters<double>&, const rng::Stream&, Index, Index,
                                 const std::vector<LayerCalibration>*);

}  // namespace ns
