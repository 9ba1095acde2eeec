#include "record/task_record.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "nonideality/registry.hpp"
#include "record/bytes.hpp"

// Encoding, version 4 (all numbers little-endian; str = u64 length + bytes; f64s = u64 count +
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
// Nothing may follow. Any change to this layout bumps kVersion.

namespace ns {
namespace {

constexpr std::uint32_t kMagic = 0x5254534E;  // "NSTR" as little-endian bytes
// 2: network statistics after the noise curves. 3: the build after the host. 4: noise kinds by
// name, each with its own levels. Version 2 records (journals of 0.1.0) are still read, with an
// empty build.
constexpr std::uint32_t kVersion = 4;
constexpr std::uint32_t kOldestVersion = 2;

constexpr int kStatusCount = static_cast<int>(TaskStatus::Diverged) + 1;
// The noise kinds of versions 2 and 3, by their u8 code.
constexpr std::string_view kLegacyKinds[] = {"AddUnc", "AddCor", "MulUnc", "MulCor"};
constexpr int kActivationCount = static_cast<int>(Activation::PhotonicSigmoid) + 1;
constexpr int kPlacementCount = static_cast<int>(NoisePlacement::Before) + 1;

template <class Enum>
void put_enum(bytes::Writer& out, Enum value) {
  out.u8(static_cast<std::uint8_t>(value));
}

template <class Enum>
Enum get_enum(bytes::Reader& in, int count, const char* what) {
  const std::uint8_t value = in.u8();
  if (value >= count) in.fail(fmt::format("{} {} is out of range (0..{})", what, value, count - 1));
  return static_cast<Enum>(value);
}

void put_curve(bytes::Writer& out, const std::vector<EpochStats>& curve) {
  out.u64(curve.size());
  for (const EpochStats& e : curve) {
    out.i32(e.epoch);
    out.f64(e.loss);
    out.f64(e.cross_entropy);
    out.f64(e.train_accuracy);
    out.f64(e.validation_accuracy);
    out.f64(e.seconds);
  }
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

void put_noise(bytes::Writer& out, const NoiseCurves& noise) {
  out.u64(noise.kinds.size());
  for (std::size_t k = 0; k < noise.kinds.size(); ++k) {
    out.str(to_string(noise.kinds[k]));
    out.f64s(noise.levels.at(k));
  }
  out.i32(noise.repetitions);
  out.f64s(noise.accuracy);
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

void put_histogram(bytes::Writer& out, const Histogram& h) {
  out.f64s(h.edges);
  out.u64(h.counts.size());
  for (std::int64_t c : h.counts) out.i64(c);
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

void put_stats(bytes::Writer& out, const NetworkStats& s) {
  out.u64(s.layers.size());
  for (const LayerStats& layer : s.layers) {
    out.f64s(layer.row_mean);
    out.f64s(layer.row_std);
    put_histogram(out, layer.weights);
    put_histogram(out, layer.biases);
  }
  out.u64(s.hidden.size());
  for (const HiddenStats& hidden : s.hidden) {
    put_histogram(out, hidden.preactivation);
    put_histogram(out, hidden.input);
  }
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

void put_weights(bytes::Writer& out, const ModelWeights& m) {
  put_enum(out, m.activation);
  put_enum(out, m.noise_placement);
  out.str(m.settings_text);
  out.u64(m.layers.size());
  for (const LayerWeights& layer : m.layers) {
    out.u64(static_cast<std::uint64_t>(layer.w.rows()));
    out.u64(static_cast<std::uint64_t>(layer.w.cols()));
    out.f32_array(layer.w.data(), static_cast<std::size_t>(layer.w.size()));
    out.u64(static_cast<std::uint64_t>(layer.b.size()));
    out.f32_array(layer.b.data(), static_cast<std::size_t>(layer.b.size()));
  }
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

std::size_t histogram_size(const Histogram& h) {
  return 16 + 8 * (h.edges.size() + h.counts.size());
}

// An upper bound of the encoded size, so the writer allocates once.
std::size_t size_hint(const TaskRecord& r) {
  std::size_t n = 256 + r.build.size() + r.id.size() + r.stage.size() + r.message.size() +
                  r.settings_text.size() + r.host.size() + r.curve.size() * 44 +
                  r.noise.kinds.size() + 8 * (r.noise.levels.size() + r.noise.accuracy.size());
  for (const LayerStats& layer : r.stats.layers) {
    n += 16 + 8 * (layer.row_mean.size() + layer.row_std.size()) + histogram_size(layer.weights) +
         histogram_size(layer.biases);
  }
  for (const HiddenStats& hidden : r.stats.hidden)
    n += histogram_size(hidden.preactivation) + histogram_size(hidden.input);
  if (r.weights) {
    n += r.weights->settings_text.size();
    for (const LayerWeights& layer : r.weights->layers)
      n += 24 + 4 * static_cast<std::size_t>(layer.w.size() + layer.b.size());
  }
  return n;
}

}  // namespace

const char* to_string(TaskStatus s) {
  switch (s) {
    case TaskStatus::Done:
      return "done";
    case TaskStatus::Failed:
      return "failed";
    case TaskStatus::Diverged:
      return "diverged";
  }
  return "unknown";
}

TaskStatus parse_task_status(std::string_view text) {
  for (TaskStatus s : {TaskStatus::Done, TaskStatus::Failed, TaskStatus::Diverged})
    if (text == to_string(s)) return s;
  throw Error(fmt::format("unknown task status '{}' (expected done, failed or diverged)", text));
}

std::string encode(const TaskRecord& r) {
  bytes::Writer out;
  encode_to(out, r);
  return out.take();
}

void encode_to(bytes::Writer& out, const TaskRecord& r) {
  if (const std::string problem = r.noise.problem(); !problem.empty())
    throw Error(fmt::format("cannot encode task record {}: {}", r.id, problem));
  if (const std::string problem = network_stats_problem(r.stats); !problem.empty())
    throw Error(fmt::format("cannot encode task record {}: network statistics: {}", r.id, problem));
  out.reserve(out.size() + size_hint(r));  // one allocation, or none for a reused writer
  out.u32(kMagic);
  out.u32(kVersion);
  out.str(r.id);
  out.str(r.stage);
  out.i32(r.index);
  put_enum(out, r.status);
  out.str(r.message);
  out.str(r.settings_text);
  out.u64(r.seed);
  out.i32(r.rank);
  out.str(r.host);
  out.str(r.build);
  out.f64(r.started);
  out.f64(r.finished);
  out.f64(r.train_seconds);
  out.f64(r.eval_seconds);
  put_curve(out, r.curve);
  out.f64(r.clean_accuracy);
  put_noise(out, r.noise);
  put_stats(out, r.stats);
  out.u8(r.weights ? 1 : 0);
  if (r.weights) put_weights(out, *r.weights);
}

TaskRecord decode(std::string_view bytes) {
  bytes::Reader in(bytes, "task record");
  if (const std::uint32_t magic = in.u32(); magic != kMagic)
    in.fail(fmt::format("bad magic number {:#010x}: not a task record", magic));
  const std::uint32_t version = in.u32();
  if (version < kOldestVersion || version > kVersion)
    in.fail(fmt::format("format version {} (this build reads versions {} to {})", version,
                        kOldestVersion, kVersion));
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
  in.expect_end();
  return r;
}

std::string encode(const ModelWeights& weights) {
  bytes::Writer out;
  put_weights(out, weights);
  return out.take();
}

ModelWeights decode_weights(std::string_view bytes) {
  bytes::Reader in(bytes, "weights");
  ModelWeights weights = get_weights(in);
  in.expect_end();
  return weights;
}

std::size_t approximate_bytes(const TaskRecord& r) {
  std::size_t bytes = sizeof r + r.settings_text.size() + r.message.size();
  bytes += r.curve.size() * sizeof(EpochStats) + r.noise.accuracy.size() * sizeof(double);
  for (const LayerStats& l : r.stats.layers)
    bytes += (l.row_mean.size() + l.row_std.size() + 2 * l.weights.edges.size() +
              2 * l.biases.edges.size()) *
             sizeof(double);
  bytes += r.stats.hidden.size() * 4 * 61 * sizeof(double);
  if (r.weights)
    for (const LayerWeights& l : r.weights->layers)
      bytes += std::size_t(l.w.size() + l.b.size()) * sizeof(float);
  return bytes;
}

}  // namespace ns
