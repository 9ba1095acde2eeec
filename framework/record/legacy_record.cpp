#include "record/legacy_record.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "nonideality/registry.hpp"

// Encoding of version 4 (all numbers little-endian; str = u64 length + bytes; f64s = u64 count +
// values; enums are u8 holding the enumerator's position in its C++ declaration, so new
// enumerators may only be added at the end):
//   u32 magic "NSTR", u32 version
//   str id, str stage, i32 index, u8 status, str message, str settings_text, u64 seed
//   i32 rank, str host, str build (version 3 on), f64 started, f64 finished, f64 train_seconds, f64
//   eval_seconds u64 epochs, then per epoch: i32 epoch, f64 loss, cross_entropy, train_accuracy,
//                               validation_accuracy, seconds
//   f64 clean_accuracy
//   u64 kinds, then per kind: str name, f64s levels; i32 repetitions; f64s accuracy
//     (versions 2 and 3: u64 kinds, u8 per kind (0 AddUnc, 1 AddCor, 2 MulUnc, 3 MulCor),
//     f64s levels shared by all kinds; i32 repetitions; f64s accuracy)
//   stats: u64 layers, then per layer: f64s row_mean, f64s row_std, hist weights, hist biases;
//          u64 hidden layers, then per hidden layer: hist preactivation, hist input
//     where hist = f64s edges, u64 bins, i64 x bins (counts)
//   u8 has_weights; when 1: u8 activation, u8 noise_placement, str settings_text, u64 layers,
//     then per layer: u64 rows, u64 cols, f32 x rows*cols (column-major), u64 n, f32 x n (bias)
// Nothing may follow.

namespace ns {
namespace {

constexpr int kStatusCount = static_cast<int>(TaskStatus::Diverged) + 1;
// The noise kinds of versions 2 and 3, by their u8 code.
constexpr std::string_view kLegacyKinds[] = {"AddUnc", "AddCor", "MulUnc", "MulCor"};
constexpr int kActivationCount = static_cast<int>(Activation::PhotonicSigmoid) + 1;
constexpr int kPlacementCount = static_cast<int>(NoisePlacement::Before) + 1;

template <class Enum>
Enum get_enum(bytes::Reader& in, int count, const char* what) {
  const std::uint8_t value = in.u8();
  if (value >= count) in.fail(fmt::format("{} {} is out of range (0..{})", what, value, count - 1));
  return static_cast<Enum>(value);
}

std::vector<EpochStats> get_curve(bytes::Reader& in) {
  constexpr std::size_t kEpochBytes = 4 + 5 * 8;
  std::vector<EpochStats> curve(in.count(kEpochBytes, "the training curve"));
  for (EpochStats& e : curve) {
    e.epoch = in.i32();
    e.loss = in.f64();
    e.cross_entropy = in.f64();
    e.train_accuracy = in.f64();
    e.validation_accuracy = in.f64();
    e.seconds = in.f64();
  }
  return curve;
}

NoiseKind get_kind(bytes::Reader& in, std::string_view name) {
  if (NoiseKind k = find_nonideality(name)) return k;
  in.fail(
      fmt::format("unknown noise kind '{}' (this release knows {})", name, nonideality_names()));
}

NoiseCurves get_noise(bytes::Reader& in, std::uint32_t version) {
  NoiseCurves noise;
  if (version >= 4) {
    noise.kinds.resize(in.count(1 + 8 + 8, "the noise kinds"));
    for (NoiseKind& k : noise.kinds) {
      k = get_kind(in, in.str());
      noise.levels.push_back(in.f64s());
    }
  } else {
    noise.kinds.resize(in.count(1, "the noise kinds"));
    for (NoiseKind& k : noise.kinds) {
      const std::uint8_t code = in.u8();
      if (code >= std::size(kLegacyKinds))
        in.fail(fmt::format("noise kind {} is out of range (0..{})", code,
                            std::size(kLegacyKinds) - 1));
      k = get_kind(in, kLegacyKinds[code]);
    }
    noise.levels.assign(noise.kinds.size(), in.f64s());
  }
  noise.repetitions = in.i32();
  if (noise.repetitions < 0) in.fail(fmt::format("negative repetitions {}", noise.repetitions));
  noise.accuracy = in.f64s();
  if (const std::string problem = noise.problem(); !problem.empty()) in.fail(problem);
  return noise;
}

Histogram get_histogram(bytes::Reader& in, const char* what) {
  Histogram h;
  h.edges = in.f64s();
  h.counts.resize(in.count(sizeof(std::int64_t), what));
  for (std::int64_t& c : h.counts) c = in.i64();
  if (const std::string problem = histogram_problem(h); !problem.empty())
    in.fail(fmt::format("{}: {}", what, problem));
  return h;
}

NetworkStats get_stats(bytes::Reader& in) {
  // The smallest valid encodings bound the counts: a one-bin histogram (edge count, 2 edges,
  // bin count, 1 count), a layer (two empty lists, two histograms), a hidden layer (two).
  constexpr std::size_t kSmallestHistogram = 8 + 2 * 8 + 8 + 8;
  constexpr std::size_t kSmallestLayer = 2 * 8 + 2 * kSmallestHistogram;
  constexpr std::size_t kSmallestHidden = 2 * kSmallestHistogram;
  NetworkStats s;
  s.layers.resize(in.count(kSmallestLayer, "the layer statistics"));
  for (LayerStats& layer : s.layers) {
    layer.row_mean = in.f64s();
    layer.row_std = in.f64s();
    layer.weights = get_histogram(in, "a weight histogram");
    layer.biases = get_histogram(in, "a bias histogram");
  }
  s.hidden.resize(in.count(kSmallestHidden, "the hidden-layer statistics"));
  for (HiddenStats& hidden : s.hidden) {
    hidden.preactivation = get_histogram(in, "a pre-activation histogram");
    hidden.input = get_histogram(in, "an input histogram");
  }
  if (const std::string problem = network_stats_problem(s); !problem.empty())
    in.fail(fmt::format("network statistics: {}", problem));
  return s;
}

ModelWeights get_weights(bytes::Reader& in) {
  ModelWeights m;
  m.activation = get_enum<Activation>(in, kActivationCount, "activation");
  m.noise_placement = get_enum<NoisePlacement>(in, kPlacementCount, "noise placement");
  m.settings_text = in.str();
  constexpr std::size_t kSmallestLayerBytes = 3 * 8;  // rows, cols, bias count; no values
  m.layers.resize(in.count(kSmallestLayerBytes, "the weight layers"));
  for (LayerWeights& layer : m.layers) {
    const std::uint64_t rows = in.u64(), cols = in.u64();
    // Bounded one by one too: a 0 x huge matrix holds no values but cannot be sized.
    constexpr std::uint64_t kMaxNeurons = std::uint64_t{1} << 31;
    if (rows > kMaxNeurons || cols > kMaxNeurons)
      in.fail(fmt::format("a {} x {} weight matrix is implausibly large", rows, cols));
    if (rows != 0 && cols > in.remaining() / sizeof(float) / rows)
      in.fail(fmt::format("truncated: a {} x {} weight matrix does not fit", rows, cols));
    layer.w.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    in.f32_array(layer.w.data(), static_cast<std::size_t>(layer.w.size()));
    layer.b.resize(static_cast<Eigen::Index>(in.count(sizeof(float), "a bias vector")));
    in.f32_array(layer.b.data(), static_cast<std::size_t>(layer.b.size()));
  }
  return m;
}

}  // namespace

TaskRecord decode_legacy_record(bytes::Reader& in, std::uint32_t version) {
  TaskRecord r;
  r.id = in.str();
  r.stage = in.str();
  r.index = in.i32();
  r.status = get_enum<TaskStatus>(in, kStatusCount, "status");
  r.message = in.str();
  r.settings_text = in.str();
  r.seed = in.u64();
  r.rank = in.i32();
  r.host = in.str();
  if (version >= 3) r.build = in.str();
  r.started = in.f64();
  r.finished = in.f64();
  r.train_seconds = in.f64();
  r.eval_seconds = in.f64();
  r.curve = get_curve(in);
  r.clean_accuracy = in.f64();
  r.noise = get_noise(in, version);
  r.stats = get_stats(in);
  switch (in.u8()) {
    case 0:
      break;
    case 1:
      r.weights = get_weights(in);
      break;
    default:
      in.fail("the weights flag is neither 0 nor 1");
  }
  return r;
}

}  // namespace ns
