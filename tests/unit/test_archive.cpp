// Task records, the journal and the HDF5 archive: bit-exact round trips, torn and damaged
// journals, atomic replacement, merging, and the summary table as h5py, pandas and h5dump
// see it.
#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <errno.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "nonideality/registry.hpp"
#include "scratch_dir.hpp"

#include "archive/archive.hpp"
#include "archive/archive_lock.hpp"
#include "archive/checksum.hpp"
#include "archive/journal.hpp"
#include "archive/table_file.hpp"
#include "core/error.hpp"
#include "io/h5.hpp"
#include "record/bytes.hpp"
#include "record/task_record.hpp"

namespace fs = std::filesystem;
using Catch::Contains;

namespace {

const std::string kStudyHash = "0123456789abcdef0123456789abcdef";
const std::string kOtherStudyHash = "fedcba9876543210fedcba9876543210";

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](double x, double y) { return same_bits(x, y); });
}

bool same_bits(const ns::Histogram& a, const ns::Histogram& b) {
  return same_bits(a.edges, b.edges) && a.counts == b.counts;
}

template <class Matrix>
bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data(), [](float x, float y) {
           return std::bit_cast<std::uint32_t>(x) == std::bit_cast<std::uint32_t>(y);
         });
}

// Every field, compared bit for bit (so NaN payloads and -0.0 count).
void require_identical(const ns::TaskRecord& a, const ns::TaskRecord& b) {
  INFO("task " << a.id);
  CHECK(a.id == b.id);
  CHECK(a.stage == b.stage);
  CHECK(a.index == b.index);
  CHECK(a.status == b.status);
  CHECK(a.message == b.message);
  CHECK(a.settings_text == b.settings_text);
  CHECK(a.seed == b.seed);
  CHECK(a.rank == b.rank);
  CHECK(a.host == b.host);
  CHECK(same_bits(a.started, b.started));
  CHECK(same_bits(a.finished, b.finished));
  CHECK(same_bits(a.train_seconds, b.train_seconds));
  CHECK(same_bits(a.eval_seconds, b.eval_seconds));
  CHECK(same_bits(a.clean_accuracy, b.clean_accuracy));
  REQUIRE(a.curve.size() == b.curve.size());
  for (std::size_t e = 0; e < a.curve.size(); ++e) {
    CHECK(a.curve[e].epoch == b.curve[e].epoch);
    CHECK(same_bits(a.curve[e].loss, b.curve[e].loss));
    CHECK(same_bits(a.curve[e].cross_entropy, b.curve[e].cross_entropy));
    CHECK(same_bits(a.curve[e].train_accuracy, b.curve[e].train_accuracy));
    CHECK(same_bits(a.curve[e].validation_accuracy, b.curve[e].validation_accuracy));
    CHECK(same_bits(a.curve[e].seconds, b.curve[e].seconds));
  }
  CHECK(a.noise.kinds == b.noise.kinds);
  REQUIRE(a.noise.levels.size() == b.noise.levels.size());
  for (std::size_t k = 0; k < a.noise.levels.size(); ++k)
    CHECK(same_bits(a.noise.levels[k], b.noise.levels[k]));
  CHECK(a.noise.repetitions == b.noise.repetitions);
  CHECK(same_bits(a.noise.accuracy, b.noise.accuracy));
  REQUIRE(a.stats.layers.size() == b.stats.layers.size());
  for (std::size_t l = 0; l < a.stats.layers.size(); ++l) {
    INFO("layer " << l);
    CHECK(same_bits(a.stats.layers[l].row_mean, b.stats.layers[l].row_mean));
    CHECK(same_bits(a.stats.layers[l].row_std, b.stats.layers[l].row_std));
    CHECK(same_bits(a.stats.layers[l].weights, b.stats.layers[l].weights));
    CHECK(same_bits(a.stats.layers[l].biases, b.stats.layers[l].biases));
  }
  REQUIRE(a.stats.hidden.size() == b.stats.hidden.size());
  for (std::size_t h = 0; h < a.stats.hidden.size(); ++h) {
    INFO("hidden layer " << h);
    CHECK(same_bits(a.stats.hidden[h].preactivation, b.stats.hidden[h].preactivation));
    CHECK(same_bits(a.stats.hidden[h].input, b.stats.hidden[h].input));
  }
  REQUIRE(a.weights.has_value() == b.weights.has_value());
  if (!a.weights) return;
  CHECK(a.weights->activation == b.weights->activation);
  CHECK(a.weights->noise_placement == b.weights->noise_placement);
  CHECK(a.weights->settings_text == b.weights->settings_text);
  REQUIRE(a.weights->layers.size() == b.weights->layers.size());
  for (std::size_t l = 0; l < a.weights->layers.size(); ++l) {
    CHECK(same_bits(a.weights->layers[l].w, b.weights->layers[l].w));
    CHECK(same_bits(a.weights->layers[l].b, b.weights->layers[l].b));
  }
}

void require_identical(const std::vector<ns::TaskRecord>& a, const std::vector<ns::TaskRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) require_identical(a[i], b[i]);
}

std::string task_id(int index) {
  char id[33];
  std::snprintf(id, sizeof id, "%08x%024x", 0xa5a5a5a5u ^ static_cast<unsigned>(index), index);
  return id;
}

ns::ModelWeights random_weights(const std::vector<int>& sizes, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  ns::ModelWeights m;
  m.activation = ns::Activation::Tanh;
  m.noise_placement = ns::NoisePlacement::Before;
  m.settings_text = "model.hidden = [4]\n";
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    ns::LayerWeights layer;
    layer.w.resize(sizes[l + 1], sizes[l]);
    layer.b.resize(sizes[l + 1]);
    for (Eigen::Index i = 0; i < layer.w.size(); ++i) layer.w.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b.data()[i] = normal(rng);
    m.layers.push_back(layer);
  }
  return m;
}

// Not a real histogram: distinctive values that must survive bit for bit.
ns::Histogram random_histogram(std::mt19937& rng) {
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<std::int64_t> count(0, 1 << 20);
  ns::Histogram h;
  double edge = normal(rng);
  for (int i = 0; i <= ns::kHistogramBins; ++i, edge += std::exp(normal(rng)))
    h.edges.push_back(edge);
  for (int i = 0; i < ns::kHistogramBins; ++i) h.counts.push_back(count(rng));
  h.counts[1] = std::numeric_limits<std::int64_t>::max();  // all 64 bits travel
  return h;
}

// Statistics shaped like those of a network with these layer sizes.
ns::NetworkStats random_stats(const std::vector<int>& sizes, std::mt19937& rng) {
  std::normal_distribution<double> normal;
  ns::NetworkStats s;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    ns::LayerStats& layer = s.layers.emplace_back();
    for (int i = 0; i < sizes[l + 1]; ++i) {
      layer.row_mean.push_back(normal(rng));
      layer.row_std.push_back(std::abs(normal(rng)));
    }
    layer.row_mean[0] = -0.0;
    layer.row_std[0] = std::numeric_limits<double>::denorm_min();
    layer.weights = random_histogram(rng);
    layer.biases = random_histogram(rng);
    if (l + 2 < sizes.size()) s.hidden.push_back({random_histogram(rng), random_histogram(rng)});
  }
  return s;
}

// A record with every field set to something distinctive, including awkward doubles.
ns::TaskRecord make_record(int index, ns::TaskStatus status, bool with_weights, std::mt19937& rng,
                           int epochs = 3, int levels = 3) {
  std::uniform_real_distribution<double> unit(0, 1);
  ns::TaskRecord r;
  r.id = task_id(index);
  r.stage = index % 2 ? "finetune" : "base";
  r.index = index;
  r.status = status;
  r.message = status == ns::TaskStatus::Done ? "" : "diverged at epoch 3 — ‘loss = nan’";
  r.settings_text = "seed = " + std::to_string(index) + "\n[train]\nlr = 0.01\n";
  r.seed = 0xFFFFFFFFFFFFFFF0ULL - static_cast<std::uint64_t>(index);  // above 2^63
  r.rank = 1 + index % 3;
  r.host = "node-" + std::to_string(index % 2) + ".cluster";
  r.started = 1.7e9 + index + unit(rng);
  r.finished = r.started + 12.5;
  r.train_seconds = -0.0;
  r.eval_seconds = std::numeric_limits<double>::denorm_min();
  r.clean_accuracy = status == ns::TaskStatus::Done ? 0.9 + 0.1 * unit(rng) : std::nan("7");
  for (int e = 1; e <= epochs; ++e) {
    r.curve.push_back(
        {e, unit(rng), unit(rng), unit(rng), e == 1 ? std::nan("") : unit(rng), 0.25 * e});
  }
  if (status == ns::TaskStatus::Done) {
    r.noise.kinds = {ns::find_nonideality("AddUnc"), ns::find_nonideality("AddCor")};
    if (index >= 4) r.noise.kinds.push_back(ns::find_nonideality("MulCor"));  // kinds may differ
    r.noise.levels.assign(r.noise.kinds.size(), ns::log_spaced(1e-3, 1, levels));
    if (index >= 6) {  // a kind with levels of its own: the padded layout
      r.noise.kinds.push_back(ns::find_nonideality("ADC"));
      r.noise.levels.push_back({2, 4});
    }
    r.noise.repetitions = 2;
    for (const auto& l : r.noise.levels)
      for (std::size_t i = 0; i < l.size() * 2; ++i) r.noise.accuracy.push_back(unit(rng));
    r.stats = random_stats({5, 4, 3}, rng);
  }
  if (with_weights) r.weights = random_weights({5, 4, 3}, rng);
  return r;
}

ns::ArchiveInfo make_info(const std::string& hash = kStudyHash) {
  ns::ArchiveInfo info;
  info.study_name = "rowsum-sweep";
  info.study_file = "studies/rowsum.toml";
  info.study_text = "name = \"rowsum-sweep\"\n[grid]\n\"reg.rowsum\" = [[1, 30], [0, 0]]\n";
  info.study_hash = hash;
  info.program_version = "0.1.0";
  info.git_commit = "427e09cffd9d5f23cce6ce14d12e5e0e51ae8633";
  info.git_dirty = true;
  info.compiler = "GCC 12.2.0";
  info.eigen_version = "3.4.0";
  info.hdf5_version = "1.10.8";
  info.mpi_version = "Open MPI v4.1.4";
  info.hosts = {"node-0.cluster", "node-1.cluster"};
  info.started = 1.7e9 + 0.125;
  info.finished = 1.7e9 + 3600.5;
  info.ranks = 4;
  info.reused_from = {"runs/old.h5: study rowsum-sweep (hash 0123), git 427e09c"};
  info.shard = "2/5";
  return info;
}

// Axis values for records made by make_record: the "seed" axis clashes with a summary column.
ns::StudyAxes make_axes(const std::vector<ns::TaskRecord>& records) {
  ns::StudyAxes axes;
  axes.keys = {"reg.rowsum", "seed"};
  for (const ns::TaskRecord& r : records) {
    auto& values = axes.by_task[r.id];
    if (r.stage == "base") values.emplace_back("reg.rowsum", r.index % 4 ? "[1, 30]" : "0.0");
    values.emplace_back("seed", std::to_string(r.index));
  }
  return axes;
}

std::vector<ns::TaskRecord> make_records(std::mt19937& rng) {
  return {make_record(0, ns::TaskStatus::Done, true, rng),
          make_record(1, ns::TaskStatus::Failed, false, rng),
          make_record(2, ns::TaskStatus::Done, false, rng),
          make_record(3, ns::TaskStatus::Diverged, false, rng),
          make_record(4, ns::TaskStatus::Done, true, rng)};
}

// Runs `work` in a child process and SIGKILLs it after `delay_us`; returns the ints the child
// wrote to its pipe before it died (each one only after the step it names had returned).
template <class Work>
std::vector<int> run_and_kill(useconds_t delay_us, Work&& work) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    int status = 0;
    try {
      work([&](int step) {
        if (::write(fds[1], &step, sizeof step) != sizeof step) ::_exit(3);
      });
    } catch (...) {
      status = 2;
    }
    ::_exit(status);
  }
  ::close(fds[1]);
  ::usleep(delay_us);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::vector<int> steps;
  int step;
  while (::read(fds[0], &step, sizeof step) == sizeof step) steps.push_back(step);
  ::close(fds[0]);
  CHECK((WIFSIGNALED(status) || WEXITSTATUS(status) == 0));
  return steps;
}

// Reads one step a child wrote to its pipe; false once the pipe is closed and empty.
bool read_step(int fd, int& step) {
  for (;;) {
    const ssize_t got = ::read(fd, &step, sizeof step);
    if (got == sizeof step) return true;
    if (got < 0 && errno == EINTR) continue;
    return false;
  }
}

// Runs `work` in a child process and SIGKILLs it at a chosen point of its run rather than at a
// chosen time, so the kill lands mid-run on a fast machine and on a slow one alike: once the
// child has reported `kill_after` steps, the parent waits `delay_in_steps` times the mean time
// the child took per step so far, then kills. `work` must not return before it is killed (after
// its last step it waits in pause()); a child that exits instead fails the test. Returns the
// ints the child wrote to its pipe before it died (each one only after the step it names had
// returned).
template <class Work>
std::vector<int> run_and_kill_at_step(int kill_after, double delay_in_steps, Work&& work) {
  REQUIRE(kill_after >= 2);  // the mean time per step needs two reports
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    int status = 4;  // work returned: it should have waited for the kill
    try {
      work([&](int step) {
        if (::write(fds[1], &step, sizeof step) != sizeof step) ::_exit(3);
      });
    } catch (...) {
      status = 2;
    }
    ::_exit(status);
  }
  ::close(fds[1]);
  using Clock = std::chrono::steady_clock;
  std::vector<int> steps;
  Clock::time_point first;
  Clock::time_point last;
  int step;
  while (static_cast<int>(steps.size()) < kill_after && read_step(fds[0], step)) {
    last = Clock::now();
    if (steps.empty()) first = last;
    steps.push_back(step);
  }
  if (steps.size() >= 2) {
    const std::chrono::duration<double> per_step =
        (last - first) / static_cast<double>(steps.size() - 1);
    std::this_thread::sleep_for(per_step * delay_in_steps);
  }
  ::kill(child, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  while (read_step(fds[0], step)) steps.push_back(step);
  ::close(fds[0]);
  INFO("child status " << status << " after " << steps.size() << " steps");
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  return steps;
}

bool python_h5py_available() {
  return std::system("/usr/bin/python3 -c 'import h5py, numpy' > /dev/null 2>&1") == 0;
}

}  // namespace

// ----- task records -----

TEST_CASE("task records round trip through encode and decode bit for bit", "[archive]") {
  std::mt19937 rng(1);
  SECTION("every field, with weights") {
    ns::TaskRecord r = make_record(7, ns::TaskStatus::Done, true, rng);
    r.message = std::string("embedded\0NUL", 12);
    require_identical(ns::decode(ns::encode(r)), r);
  }
  SECTION("failed, without noise curves or weights") {
    const ns::TaskRecord r = make_record(8, ns::TaskStatus::Failed, false, rng, 0);
    require_identical(ns::decode(ns::encode(r)), r);
  }
  SECTION("a default record") {
    require_identical(ns::decode(ns::encode(ns::TaskRecord{})), ns::TaskRecord{});
  }
  SECTION("status names") {
    for (ns::TaskStatus s :
         {ns::TaskStatus::Done, ns::TaskStatus::Failed, ns::TaskStatus::Diverged})
      CHECK(ns::parse_task_status(ns::to_string(s)) == s);
    CHECK(std::string(ns::to_string(ns::TaskStatus::Diverged)) == "diverged");
    CHECK_THROWS_WITH(ns::parse_task_status("ok"), Contains("unknown task status 'ok'"));
  }
  SECTION("encode refuses noise accuracies that do not fill the grid") {
    ns::TaskRecord r = make_record(9, ns::TaskStatus::Done, false, rng);
    r.noise.accuracy.pop_back();
    CHECK_THROWS_WITH(ns::encode(r), Contains(r.id) && Contains("noise accuracies"));
  }
  SECTION("encode refuses malformed network statistics") {
    ns::TaskRecord r = make_record(9, ns::TaskStatus::Done, false, rng);
    r.stats.hidden[0].input.edges.pop_back();
    CHECK_THROWS_WITH(ns::encode(r), Contains(r.id) && Contains("hidden layer 0's input") &&
                                         Contains("60 edges for 60 bins"));
    r = make_record(9, ns::TaskStatus::Done, false, rng);
    r.stats.hidden.clear();
    CHECK_THROWS_WITH(ns::encode(r), Contains("0 hidden layers for 2 layers"));
  }
  SECTION("statistics of a network without hidden layers") {
    ns::TaskRecord r = make_record(10, ns::TaskStatus::Done, false, rng);
    r.stats = random_stats({5, 3}, rng);
    REQUIRE(r.stats.hidden.empty());
    require_identical(ns::decode(ns::encode(r)), r);
  }
}

TEST_CASE("decode refuses truncated and malformed bytes", "[archive]") {
  std::mt19937 rng(2);
  const std::string good = ns::encode(make_record(3, ns::TaskStatus::Done, true, rng, 2, 2));

  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      INFO("first " << n << " of " << good.size() << " bytes");
      CHECK_THROWS_WITH(ns::decode(std::string_view(good).substr(0, n)),
                        Contains("corrupt task record"));
    }
  }
  SECTION("a trailing byte") {
    CHECK_THROWS_WITH(ns::decode(good + '\0'),
                      Contains("corrupt task record") && Contains("unexpected bytes"));
  }
  SECTION("another magic number or version") {
    std::string bad = good;
    bad[0] = 'X';
    CHECK_THROWS_WITH(ns::decode(bad), Contains("bad magic"));
    bad = good;
    bad[4] = 9;
    CHECK_THROWS_WITH(ns::decode(bad), Contains("format version 9"));
  }
  SECTION("a huge length fails before allocating") {
    std::string bad = good;
    for (int i = 0; i < 8; ++i) bad[8 + i] = '\x7f';  // the id's length
    CHECK_THROWS_WITH(ns::decode(bad), Contains("corrupt task record") && Contains("truncated"));
  }
  SECTION("an unknown status") {
    // magic and version, id, stage ("finetune"), index, then the status as text ("done")
    const std::size_t status_at = 8 + (8 + 32) + (8 + 8) + 8;
    std::string bad = good;
    REQUIRE(bad.substr(status_at + 8, 4) == "done");
    bad[status_at + 8] = 'X';
    CHECK_THROWS_WITH(ns::decode(bad), Contains("unknown status 'Xone'") &&
                                           Contains("expected done, failed or diverged"));
  }
  SECTION("an integer out of its field's range") {
    const std::size_t index_at = 8 + (8 + 32) + (8 + 8);
    std::string bad = good;
    bad[index_at + 5] = 1;  // 2^40 and more: no int
    CHECK_THROWS_WITH(ns::decode(bad), Contains("index = ") && Contains("is out of range"));
  }
  SECTION("malformed network statistics") {
    ns::TaskRecord r = make_record(3, ns::TaskStatus::Done, false, rng, 2, 2);
    // The last count of the last histogram (the input histogram of hidden layer 0) is the
    // final 8 bytes before the weights flag.
    std::string bad = ns::encode(r);
    const std::size_t last_count = bad.size() - 1 - 8;
    for (int i = 0; i < 8; ++i) bad[last_count + i] = '\xff';
    CHECK_THROWS_WITH(ns::decode(bad), Contains("corrupt task record") &&
                                           Contains("hidden layer 0's input histogram") &&
                                           Contains("bin 59 has a negative count -1"));
    // One bin fewer in that histogram, its last count dropped: edges no longer match.
    bad = ns::encode(r);
    const std::size_t bins_at = last_count - 8 * ns::kHistogramBins;
    bad[bins_at] = ns::kHistogramBins - 1;
    bad.erase(last_count, 8);
    CHECK_THROWS_WITH(ns::decode(bad), Contains("61 edges for 59 bins"));
  }
  SECTION("any single garbled byte throws Error or decodes, never worse") {
    for (std::size_t at = 0; at < good.size(); at += 3) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ 0xA7);
      try {
        (void)ns::decode(bad);
      } catch (const ns::Error& e) {
        CHECK_THAT(e.what(), Contains("corrupt task record"));
      }
    }
  }
}

TEST_CASE("byte reader names the format and the offset", "[archive]") {
  ns::bytes::Writer out;
  out.u32(7);
  ns::bytes::Reader in(out.bytes(), "test message");
  CHECK(in.u32() == 7);
  CHECK_THROWS_WITH(in.u64(), Contains("corrupt test message") && Contains("at byte 4 of 4"));
}

TEST_CASE("XXH64 matches the reference test vectors", "[archive]") {
  CHECK(ns::xxh64("") == 0xEF46DB3751D8E999ULL);
  CHECK(ns::xxh64("a") == 0xD24EC4F1A98C6E5BULL);
  CHECK(ns::xxh64("abc") == 0x44BC2CF5AD770999ULL);
}

// ----- journal -----

TEST_CASE("journal: records read back as appended", "[archive]") {
  ScratchDir dir;
  const std::string path = dir.file("study.h5.journal");
  std::mt19937 rng(3);
  const std::vector<ns::TaskRecord> records = make_records(rng);
  {
    ns::JournalWriter journal = ns::JournalWriter::open_or_create(path, kStudyHash);
    for (const ns::TaskRecord& r : records) journal.append(r);
    journal.sync();
  }
  ns::JournalReadReport report;
  require_identical(ns::read_journal(path, kStudyHash, &report), records);
  CHECK(report.records == records.size());
  CHECK(report.torn_bytes == 0);
  CHECK(report.damaged_bytes == 0);
  CHECK(report.problems.empty());
  CHECK(report.end_of_records == fs::file_size(path));
  CHECK(dir.names() == std::vector<std::string>{"study.h5.journal"});  // no .tmp left

  SECTION("reopening appends after the existing records") {
    {
      ns::JournalWriter journal = ns::JournalWriter::open_or_create(path, kStudyHash);
      journal.append(records[0]);
    }
    CHECK(ns::read_journal(path, kStudyHash).size() == records.size() + 1);
  }
  SECTION("a second writer is refused while the first holds the journal") {
    ns::JournalWriter first = ns::JournalWriter::open_or_create(path, kStudyHash);
    CHECK_THROWS_WITH(ns::JournalWriter::open_or_create(path, kStudyHash),
                      Contains(path) && Contains("locked by another process"));
  }
  SECTION("another study's journal is refused") {
    CHECK_THROWS_AS(ns::read_journal(path, kOtherStudyHash), ns::ArchiveError);
    CHECK_THROWS_WITH(
        ns::read_journal(path, kOtherStudyHash),
        Contains(path) && Contains("belongs to study " + kStudyHash) && Contains(kOtherStudyHash));
    CHECK_THROWS_WITH(ns::JournalWriter::open_or_create(path, kOtherStudyHash),
                      Contains("belongs to study " + kStudyHash));
  }
}

TEST_CASE("journal: a torn last record is dropped, reported, and cut off on reopen", "[archive]") {
  ScratchDir dir;
  const std::string path = dir.file("study.h5.journal");
  std::mt19937 rng(4);
  const std::vector<ns::TaskRecord> records = make_records(rng);
  {
    ns::JournalWriter journal = ns::JournalWriter::open_or_create(path, kStudyHash);
    for (const ns::TaskRecord& r : records) journal.append(r);
  }
  const std::uintmax_t whole_size = fs::file_size(path);
  const std::vector<ns::TaskRecord> kept(records.begin(), records.end() - 1);

  for (const std::uintmax_t cut : {1, 7, 25, 200}) {
    DYNAMIC_SECTION("cut by " << cut << " bytes") {
      fs::resize_file(path, whole_size - cut);
      ns::JournalReadReport report;
      require_identical(ns::read_journal(path, kStudyHash, &report), kept);
      CHECK(report.records == kept.size());
      CHECK(report.torn_bytes > 0);
      CHECK(report.end_of_records + report.torn_bytes == whole_size - cut);
      REQUIRE(report.problems.size() == 1);
      CHECK_THAT(report.problems[0], Contains(path) && Contains("dropped"));

      ns::JournalReadReport reopen_report;
      {
        ns::JournalWriter journal =
            ns::JournalWriter::open_or_create(path, kStudyHash, &reopen_report);
        CHECK(reopen_report.torn_bytes == report.torn_bytes);
        CHECK(fs::file_size(path) == report.end_of_records);
        journal.append(records.back());
      }
      ns::JournalReadReport after;
      require_identical(ns::read_journal(path, kStudyHash, &after), records);
      CHECK(after.problems.empty());
    }
  }
}

TEST_CASE("journal: a damaged record between whole ones is skipped, the rest kept", "[archive]") {
  ScratchDir dir;
  const std::string path = dir.file("study.h5.journal");
  std::mt19937 rng(5);
  const std::vector<ns::TaskRecord> records = make_records(rng);
  std::vector<std::uintmax_t> ends;
  {
    ns::JournalWriter journal = ns::JournalWriter::open_or_create(path, kStudyHash);
    for (const ns::TaskRecord& r : records) {
      journal.append(r);
      ends.push_back(journal.size());
    }
  }
  std::string bytes = read_bytes(path);
  bytes[(ends[1] + ends[2]) / 2] ^= 0x10;  // inside record 2
  write_bytes(path, bytes);

  ns::JournalReadReport report;
  const std::vector<ns::TaskRecord> read = ns::read_journal(path, kStudyHash, &report);
  REQUIRE(read.size() == records.size() - 1);
  require_identical(read[1], records[1]);
  require_identical(read[2], records[3]);
  CHECK(report.damaged_bytes == ends[2] - ends[1]);
  CHECK(report.torn_bytes == 0);
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0], Contains("fails its checksum") && Contains("skipped"));
  // Reopening keeps everything after the damage.
  ns::JournalWriter::open_or_create(path, kStudyHash);
  CHECK(fs::file_size(path) == bytes.size());
}

TEST_CASE("journal: SIGKILL at any moment loses no record whose append returned", "[archive]") {
  ScratchDir dir;
  std::mt19937 rng(12);
  // Weights make each record 100 KB, so kills also land inside write(2).
  std::vector<ns::TaskRecord> records;
  for (int i = 0; i < 400; ++i) {
    records.push_back(make_record(i, ns::TaskStatus::Done, false, rng));
    records.back().weights = random_weights({100, 200, 10}, rng);
  }
  // Each trial kills after a seeded number of appends returned, plus a seeded fraction of up to
  // two appends' measured time: the kill lands inside one of the next appends or between two.
  // The child stops appending `kSlack` records later and waits for the kill, so a slow parent
  // still kills mid-run, and records are left over for the append after recovery.
  constexpr int kSlack = 48;
  std::mt19937 kill_rng(1212);
  std::uniform_int_distribution<int> kill_after_dist(2, 320);
  std::uniform_real_distribution<double> delay_dist(0.0, 2.0);
  for (int trial = 0; trial < 8; ++trial) {
    const int kill_after = kill_after_dist(kill_rng);
    const double delay_in_appends = delay_dist(kill_rng);
    const int last_append = kill_after + kSlack;
    REQUIRE(last_append + 1 < static_cast<int>(records.size()));
    DYNAMIC_SECTION("kill " << trial << ": after " << kill_after << " appends + "
                            << delay_in_appends << " of one") {
      const std::string path = dir.file("kill.journal");
      const std::vector<int> appended =
          run_and_kill_at_step(kill_after, delay_in_appends, [&](const auto& report) {
            ns::JournalWriter journal = ns::JournalWriter::open_or_create(path, kStudyHash);
            for (int i = 0; i <= last_append; ++i) {
              journal.append(records[i]);
              report(i);
            }
            for (;;) ::pause();
          });
      REQUIRE(static_cast<int>(appended.size()) >= kill_after);
      REQUIRE(static_cast<int>(appended.size()) <= last_append + 1);
      for (std::size_t i = 0; i < appended.size(); ++i) REQUIRE(appended[i] == static_cast<int>(i));
      REQUIRE(fs::exists(path));

      ns::JournalReadReport report;
      const std::vector<ns::TaskRecord> read = ns::read_journal(path, kStudyHash, &report);
      INFO(appended.size() << " appends returned; " << read.size() << " records read; "
                           << report.torn_bytes << " torn bytes");
      // Every append that returned reads back. At most one more can: its write finished but the
      // kill came before the child reported it.
      REQUIRE(read.size() >= appended.size());
      REQUIRE(read.size() <= appended.size() + 1);
      for (std::size_t i = 0; i < read.size(); ++i) require_identical(read[i], records[i]);
      CHECK(report.records == read.size());
      CHECK(report.damaged_bytes == 0);
      CHECK(report.end_of_records + report.torn_bytes == fs::file_size(path));

      // The journal resumes: the torn tail goes, the next append reads back.
      REQUIRE(read.size() < records.size());
      ns::JournalReadReport reopen_report;
      {
        ns::JournalWriter journal =
            ns::JournalWriter::open_or_create(path, kStudyHash, &reopen_report);
        CHECK(reopen_report.torn_bytes == report.torn_bytes);
        CHECK(fs::file_size(path) == report.end_of_records);
        journal.append(records[read.size()]);
      }
      ns::JournalReadReport after;
      const std::vector<ns::TaskRecord> resumed = ns::read_journal(path, kStudyHash, &after);
      REQUIRE(resumed.size() == read.size() + 1);
      for (std::size_t i = 0; i < resumed.size(); ++i) require_identical(resumed[i], records[i]);
      CHECK(after.problems.empty());
    }
  }
}

TEST_CASE("archive: SIGKILL during a write leaves the previous archive whole", "[archive]") {
  ScratchDir dir;
  std::mt19937 rng(13);
  std::vector<ns::TaskRecord> records;
  for (int i = 0; i < 40; ++i) records.push_back(make_record(i, ns::TaskStatus::Done, i < 4, rng));
  const std::vector<ns::TaskRecord> few(records.begin(), records.begin() + 20);
  const std::string path = dir.file("study.h5");
  ns::write_archive(path, make_info(), few, make_axes(few));
  for (int trial = 0; trial < 6; ++trial) {
    DYNAMIC_SECTION("kill " << trial) {
      const std::vector<int> written = run_and_kill(5000 + 40000 * trial, [&](const auto& report) {
        for (int round = 0;; ++round) {
          const std::vector<ns::TaskRecord>& set = round % 2 ? few : records;
          ns::write_archive(path, make_info(), set, make_axes(set));
          report(round);
        }
      });
      const std::vector<ns::TaskRecord> read = ns::read_archive_records(path);
      INFO(written.size() << " writes returned");
      REQUIRE((read.size() == few.size() || read.size() == records.size()));
      for (std::size_t i = 0; i < read.size(); ++i) require_identical(read[i], records[i]);
      ns::write_archive(path, make_info(), few, make_axes(few));  // and the next write works
      // At most the killed write's temporary file is left, and the lock's holder removes it.
      CHECK(dir.names().size() <= 2);
      CHECK(ns::ArchiveLock(path).remove_leftovers() == int(dir.names().size()) - 1);
      CHECK(dir.names() == std::vector<std::string>{"study.h5"});
    }
  }
}

TEST_CASE("archive: SIGKILL during an append keeps every commit and the file readable",
          "[archive]") {
  ScratchDir dir;
  std::mt19937 rng(16);
  // Batches of 4 records, every fourth with weights (30 KB), so kills land inside HDF5's writes
  // as well as between them.
  constexpr int kBatch = 4, kBatches = 60;
  std::vector<ns::TaskRecord> records;
  for (int i = 0; i < kBatch * kBatches; ++i)
    records.push_back(make_record(i, ns::TaskStatus::Done, i % 4 == 0, rng));
  const ns::StudyAxes axes = make_axes(records);
  const auto batch = [&](int b) {
    std::vector<const ns::TaskRecord*> out;
    for (int i = b * kBatch; i < (b + 1) * kBatch; ++i) out.push_back(&records[i]);
    return out;
  };
  std::mt19937 kill_rng(1616);
  std::uniform_int_distribution<int> kill_after_dist(2, 30);
  std::uniform_real_distribution<double> delay_dist(0.0, 2.0);
  for (int trial = 0; trial < 8; ++trial) {
    const int kill_after = kill_after_dist(kill_rng);
    const double delay = delay_dist(kill_rng);
    DYNAMIC_SECTION("kill " << trial << ": after " << kill_after << " commits + " << delay
                            << " of one") {
      const std::string path = dir.file("append.h5");
      ns::write_archive(path, make_info(), {}, axes);
      const std::vector<int> committed = run_and_kill_at_step(kill_after, delay, [&](auto report) {
        for (int b = 0; b < kBatches - 1; ++b) {
          ns::ArchiveAppender appender(path);
          appender.update_run(make_info());
          appender.append(batch(b), axes);
          appender.commit();
          report(b);
        }
        for (;;) ::pause();
      });
      // Every commit that returned is there, in full; the one the kill cut may be there too.
      const std::vector<ns::TaskRecord> read = ns::read_archive_records(path);
      INFO(committed.size() << " commits returned, " << read.size() << " records read");
      REQUIRE(read.size() >= committed.size() * kBatch);
      REQUIRE(read.size() <= (committed.size() + 1) * kBatch);
      REQUIRE(read.size() % kBatch == 0);
      for (std::size_t i = 0; i < read.size(); ++i) require_identical(read[i], records[i]);
      // A kill inside an appender's life leaves the file marked: appending to it is refused,
      // and the archive is written anew from what it committed. Then appends go on.
      if (ns::archive_needs_rewrite(path)) {
        CHECK_THROWS_WITH(ns::ArchiveAppender(path), Contains("written anew"));
        ns::write_archive(path, make_info(), read, axes);
      }
      {
        ns::ArchiveAppender appender(path);
        appender.append(batch(kBatches - 1), axes);
        appender.commit();
      }
      const std::vector<ns::TaskRecord> after = ns::read_archive_records(path);
      REQUIRE(after.size() == read.size() + kBatch);
      require_identical(after.back(), records.back());
      if (trial == 0) {
        if (!python_h5py_available()) FAIL("python3 with h5py is missing");
        CHECK(std::system(("/usr/bin/python3 -c \"import h5py, sys; "
                           "f = h5py.File(sys.argv[1], 'r'); assert len(f['tasks/id']) >= 4\" " +
                           path)
                              .c_str()) == 0);
      }
      std::filesystem::remove(path);
    }
  }
}

TEST_CASE("journal: files that are not journals, and bad study hashes", "[archive]") {
  ScratchDir dir;
  const std::string path = dir.file("x.journal");
  CHECK_THROWS_WITH(ns::read_journal(path, kStudyHash), Contains("does not exist"));
  write_bytes(path, "id,accuracy\n");
  CHECK_THROWS_WITH(ns::read_journal(path, kStudyHash),
                    Contains(path) && Contains("not a noisesweep journal"));
  CHECK_THROWS_WITH(ns::JournalWriter::open_or_create(dir.file("y"), "abc"),
                    Contains("not 32 hex digits"));
}

// ----- archive -----

TEST_CASE("archive: records, provenance and axes round trip bit for bit", "[archive]") {
  ScratchDir dir;
  std::mt19937 rng(6);
  const std::vector<ns::TaskRecord> records = make_records(rng);
  const ns::ArchiveInfo info = make_info();
  const ns::StudyAxes axes = make_axes(records);
  const std::string path = dir.file("study.h5");
  ns::write_archive(path, info, records, axes);

  const ns::ArchiveContents read = ns::read_archive(path);
  require_identical(read.records, records);
  require_identical(ns::read_archive_records(path), records);
  CHECK(read.axes.keys == axes.keys);
  CHECK(read.axes.by_task == axes.by_task);

  const ns::ArchiveInfo& got = read.info;
  CHECK(got.study_name == info.study_name);
  CHECK(got.study_file == info.study_file);
  CHECK(got.study_text == info.study_text);
  CHECK(got.study_hash == info.study_hash);
  CHECK(got.program_version == info.program_version);
  CHECK(got.git_commit == info.git_commit);
  CHECK(got.git_dirty == info.git_dirty);
  CHECK(got.compiler == info.compiler);
  CHECK(got.eigen_version == info.eigen_version);
  CHECK(got.hdf5_version == info.hdf5_version);
  CHECK(got.mpi_version == info.mpi_version);
  CHECK(got.hosts == info.hosts);
  CHECK(same_bits(got.started, info.started));
  CHECK(same_bits(got.finished, info.finished));
  CHECK(got.ranks == info.ranks);
  CHECK(got.reused_from == info.reused_from);
  CHECK(got.shard == "2/5");
  CHECK(ns::read_archive_info(path).study_hash == kStudyHash);

  SECTION("the file does not depend on the order records are given in") {
    std::vector<ns::TaskRecord> shuffled = records;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const std::string other = dir.file("shuffled.h5");
    ns::write_archive(other, info, shuffled, axes);
    require_identical(ns::read_archive_records(other), records);
    CHECK(read_bytes(other) == read_bytes(path));  // byte for byte
  }
  SECTION("the layout other tools see") {
    const ns::h5::Group root = ns::h5::File::open_read(path).root();
    CHECK(root.get_attr_string("format") == "noisesweep-archive");
    CHECK(root.get_attr_int64("format_version") == 3);
    CHECK(root.get_attr_strings("axis_keys") == axes.keys);
    // The last commit counts every row: one task row per record, its children after it.
    std::vector<std::uint64_t> sequence, committed_tasks;
    root.read("commits/sequence", sequence);
    CHECK(sequence == std::vector<std::uint64_t>{1});
    root.read("commits/tasks", committed_tasks);
    CHECK(committed_tasks == std::vector<std::uint64_t>{records.size()});
    std::vector<std::string> status, seed_axis;
    root.read("tasks/status", status);
    root.read("tasks/axis:seed", seed_axis);
    CHECK(status == std::vector<std::string>{"done", "failed", "done", "diverged", "done"});
    CHECK(seed_axis.at(0) == "0");
    // Record 0: two noise kinds of 3 levels x 2 repetitions, 3 epochs, weights of a 5-4-3 MLP.
    std::vector<std::int64_t> noise_task, curve_task, weight_rows, weight_cols;
    root.read("noise/task_row", noise_task);
    root.read("curves/task_row", curve_task);
    CHECK(std::count(noise_task.begin(), noise_task.end(), 0) == 2);
    CHECK(std::count(curve_task.begin(), curve_task.end(), 0) == 3);
    std::vector<std::uint64_t> accuracy_end, counts_end;
    root.read("noise/accuracy_end", accuracy_end);
    CHECK(accuracy_end.at(0) == 6);
    root.read("weights/rows", weight_rows);
    root.read("weights/cols", weight_cols);
    REQUIRE(weight_rows.size() >= 2);
    CHECK(std::vector<std::int64_t>(weight_rows.begin(), weight_rows.begin() + 2) ==
          std::vector<std::int64_t>{4, 3});
    CHECK(std::vector<std::int64_t>(weight_cols.begin(), weight_cols.begin() + 2) ==
          std::vector<std::int64_t>{5, 4});
    std::vector<float> w;
    root.read("weights/W", w);
    CHECK(w.size() == weight_rows.size() / 2 * (4 * 5 + 3 * 4));
    // Row-major: W[0][1] is the weight from input 1 into neuron 0.
    CHECK(w.at(1) == records[0].weights->layers[0].w(0, 1));
    // Statistics of finished tasks only: 2 layers and 1 hidden layer each, 60 bins.
    std::vector<std::int64_t> layer_task;
    root.read("layers/task_row", layer_task);
    CHECK(std::count(layer_task.begin(), layer_task.end(), 1) == 0);  // failed: none
    CHECK(std::count(layer_task.begin(), layer_task.end(), 0) == 2);
    root.read("hidden/preactivation_hist_counts_end", counts_end);
    CHECK(counts_end.at(0) == 60);
  }
}

TEST_CASE("archive: writing replaces the previous archive atomically", "[archive]") {
  ScratchDir dir;
  std::mt19937 rng(7);
  const std::vector<ns::TaskRecord> records = make_records(rng);
  const std::string path = dir.file("study.h5");
  const std::vector<ns::TaskRecord> first(records.begin(), records.begin() + 2);
  ns::write_archive(path, make_info(), first, make_axes(first));
  // Another writer's temporary file (or a killed one's) is not touched: names never collide.
  write_bytes(path + ".tmp.1.0badf00d", "left over by a killed write");

  ns::write_archive(path, make_info(), records, make_axes(records));
  require_identical(ns::read_archive_records(path), records);
  CHECK(dir.names() == std::vector<std::string>{"study.h5", "study.h5.tmp.1.0badf00d"});
  {
    // Only the holder of the archive's lock may know that no writer uses it any more.
    const ns::ArchiveLock lock(path);
    CHECK(lock.remove_leftovers() == 1);
  }
  CHECK(dir.names() == std::vector<std::string>{"study.h5"});

  SECTION("a refused write leaves the previous archive as it was") {
    const std::string before = read_bytes(path);
    std::vector<ns::TaskRecord> twice = records;
    twice.push_back(records[0]);
    CHECK_THROWS_WITH(ns::write_archive(path, make_info(), twice, make_axes(records)),
                      Contains("two records of task " + records[0].id));
    ns::StudyAxes unknown_key = make_axes(records);
    unknown_key.by_task[records[0].id].emplace_back("train.lr", "0.1");
    CHECK_THROWS_WITH(ns::write_archive(path, make_info(), records, unknown_key),
                      Contains("'train.lr'"));
    ns::TaskRecord bad = records[2];
    bad.noise.accuracy.pop_back();
    CHECK_THROWS_WITH(ns::write_archive(path, make_info(), {bad}, make_axes(records)),
                      Contains("noise accuracies"));
    CHECK(read_bytes(path) == before);
    CHECK(dir.names() == std::vector<std::string>{"study.h5"});
  }
}

TEST_CASE("archive: reading refuses other files by name", "[archive]") {
  ScratchDir dir;
  const std::string weights = dir.file("weights.h5");
  std::mt19937 rng(8);
  ns::save_weights(weights, random_weights({3, 2}, rng));
  CHECK_THROWS_WITH(ns::read_archive(weights), Contains(weights) &&
                                                   Contains("not a noisesweep archive") &&
                                                   Contains("noisesweep-weights"));
  CHECK_THROWS_WITH(ns::read_archive(dir.file("none.h5")), Contains("does not exist"));
}

TEST_CASE("archive: version-1 archives are refused, saying why", "[archive][stats]") {
  ScratchDir dir;
  std::mt19937 rng(14);
  const std::vector<ns::TaskRecord> records = make_records(rng);
  const std::string path = dir.file("old.h5");
  ns::write_archive(path, make_info(), records, make_axes(records));
  ns::h5::File::open_rw(path).root().set_attr("format_version", 1);
  CHECK_THROWS_AS(ns::read_archive(path), ns::ArchiveError);
  CHECK_THROWS_WITH(ns::read_archive(path), Contains(path) && Contains("format_version 1") &&
                                                Contains("network statistics") &&
                                                Contains("reads versions 2 and 3"));
  ns::h5::File::open_rw(path).root().set_attr("format_version", 4);
  CHECK_THROWS_WITH(ns::read_archive(path), Contains("unsupported format_version 4"));
}

TEST_CASE("archive: records with malformed network statistics are refused", "[archive][stats]") {
  ScratchDir dir;
  std::mt19937 rng(15);
  std::vector<ns::TaskRecord> records = make_records(rng);
  records[2].stats.layers[1].row_std.pop_back();
  CHECK_THROWS_WITH(ns::write_archive(dir.file("bad.h5"), make_info(), records, make_axes(records)),
                    Contains(records[2].id) && Contains("layer 1: 3 row means but 2 row stds"));
  CHECK(dir.names().empty());
}

TEST_CASE("archive: merge keeps each task once and refuses other studies", "[archive]") {
  ScratchDir dir;
  std::mt19937 rng(9);
  // Shard a ran tasks 0-2 (1 failed); shard b ran 1 again (done) and 3-4.
  const ns::TaskRecord t0 = make_record(0, ns::TaskStatus::Done, true, rng);
  const ns::TaskRecord t1_failed = make_record(1, ns::TaskStatus::Failed, false, rng);
  ns::TaskRecord t1_done = make_record(1, ns::TaskStatus::Done, false, rng);
  const ns::TaskRecord t2 = make_record(2, ns::TaskStatus::Done, false, rng);
  ns::TaskRecord t2_again = t2;
  t2_again.host = "node-9.cluster";
  const ns::TaskRecord t3 = make_record(3, ns::TaskStatus::Diverged, false, rng);
  const ns::TaskRecord t4 = make_record(4, ns::TaskStatus::Done, false, rng);

  ns::ArchiveInfo info_a = make_info(), info_b = make_info();
  info_a.hosts = {"node-0.cluster"};
  info_b.hosts = {"node-1.cluster", "node-0.cluster"};
  info_a.started = 100, info_a.finished = 200, info_a.ranks = 2, info_a.git_dirty = false;
  info_b.started = 50, info_b.finished = 150, info_b.ranks = 8, info_b.git_dirty = false;
  info_a.reused_from = {};
  info_a.shard = "0/2", info_b.shard = "1/2";
  info_b.reused_from = {"x.h5: study s (hash 1), git 2", "y.h5: study s (hash 3), git 4"};
  const std::vector<ns::TaskRecord> a{t0, t1_failed, t2}, b{t1_done, t2_again, t3, t4};
  const std::string path_a = dir.file("a.h5"), path_b = dir.file("b.h5");
  ns::write_archive(path_a, info_a, a, make_axes(a));
  ns::write_archive(path_b, info_b, b, make_axes(b));

  const std::string merged_path = dir.file("merged.h5");
  ns::merge_archives({path_a, path_b}, merged_path);
  const ns::ArchiveContents merged = ns::read_archive(merged_path);
  require_identical(merged.records, {t0, t1_done, t2, t3, t4});  // t2 from a: the first done
  CHECK(merged.info.hosts == std::vector<std::string>{"node-0.cluster", "node-1.cluster"});
  CHECK(merged.info.started == 50);
  CHECK(merged.info.finished == 200);
  CHECK(merged.info.ranks == 8);
  CHECK(merged.info.reused_from == info_b.reused_from);  // the union, in first-seen order
  CHECK(merged.info.shard == "0/1");                     // two shards joined: no longer one shard
  CHECK(merged.axes.by_task.size() == 5);
  CHECK(merged.axes.keys == make_axes(a).keys);

  SECTION("merging into one of the inputs") {
    ns::merge_archives({path_b, path_a}, path_b);
    require_identical(ns::read_archive_records(path_b), {t0, t1_done, t2_again, t3, t4});
  }
  SECTION("archives of another study are refused, naming both files") {
    const std::string path_c = dir.file("c.h5");
    ns::write_archive(path_c, make_info(kOtherStudyHash), {t0}, make_axes({t0}));
    CHECK_THROWS_AS(ns::merge_archives({path_a, path_c}, dir.file("bad.h5")), ns::ArchiveError);
    CHECK_THROWS_WITH(ns::merge_archives({path_a, path_c}, dir.file("bad.h5")),
                      Contains(path_a) && Contains(path_c) && Contains("different studies"));
    CHECK_FALSE(fs::exists(dir.file("bad.h5")));
  }
  SECTION("keep_one_per_task prefers done, then the first") {
    const std::vector<ns::TaskRecord> kept =
        ns::keep_one_per_task({t1_failed, t2, t1_done, t2_again, t1_failed});
    REQUIRE(kept.size() == 2);
    require_identical(kept[0], t1_done);
    require_identical(kept[1], t2);
  }
}

// ----- the summary table, as other tools read it -----

TEST_CASE("archive: the tables read back in h5py, pandas and h5dump", "[archive]") {
  ScratchDir dir;
  std::mt19937 rng(10);
  const std::vector<ns::TaskRecord> records = make_records(rng);
  const std::string path = dir.file("study.h5");
  ns::write_archive(path, make_info(), records, make_axes(records));

  SECTION("python3: h5py, numpy and pandas") {
    // A missing tool fails the test: a check that is skipped must not pass.
    if (!python_h5py_available())
      FAIL(
          "python3 with h5py and numpy is missing (framework/tools/install-deps.sh installs them)");
    const std::string script = dir.file("check.py");
    std::ofstream(script) << R"PY(
import sys
import h5py, numpy as np, pandas as pd
path, first_id, addunc_at_max, addunc_mean = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
with h5py.File(path, "r") as f:
    c = f["commits"]
    last = len(c["sequence"]) - 1
    assert c["sequence"][last] == last + 1
    n = {name: int(c[name][last]) for name in c.attrs["columns"] if name != "sequence"}
    t = f["tasks"]
    assert n["tasks"] == 5 and t["id"].asstr()[0] == first_id
    assert list(t["index"][:5]) == [0, 1, 2, 3, 4]
    assert list(t["status"].asstr()[:5]) == ["done", "failed", "done", "diverged", "done"]
    assert t["seed"].dtype == np.uint64 and t["seed"][0] > 2**63
    # Ragged columns: row i is values[end[i-1]:end[i]].
    def ragged(table, name, rows):
        ends = table[name + "_end"][:rows]
        return np.split(table[name][: ends[-1] if rows else 0], ends[:-1])
    noise = f["noise"]
    rows = n["noise"]
    owner = noise["task_row"][:rows]
    kinds = noise["kind"].asstr()[:rows]
    levels, accuracy = ragged(noise, "levels", rows), ragged(noise, "accuracy", rows)
    reps = t["noise_repetitions"][:5]
    for i in range(rows):
        assert len(accuracy[i]) == len(levels[i]) * reps[owner[i]]
    k = [i for i in range(rows) if owner[i] == 2 and kinds[i] == "AddUnc"][0]
    acc = accuracy[k].reshape(len(levels[k]), reps[2])
    assert np.isclose(acc[np.argmax(levels[k])].mean(), addunc_at_max)
    assert np.isclose(acc.mean(), addunc_mean)
    layers = f["layers"]
    assert layers["row_mean"].dtype == np.float64 and layers["weight_hist_counts"].dtype == np.int64
    assert all(len(e) == 61 for e in ragged(layers, "weight_hist_edges", n["layers"]))
    assert 1 not in set(layers["task_row"][: n["layers"]])  # a failed task has no statistics
    w = f["weights"]
    W = ragged(w, "W", n["weights"])[0].reshape(w["rows"][0], w["cols"][0])
    assert W.shape == (4, 5) and W.dtype == np.float32
    runs = f["runs"]
    assert runs["hosts"].asstr()[n["runs"] - 1].split("\n") == ["node-0.cluster", "node-1.cluster"]
    assert runs["study_text"].asstr()[0].startswith("name = ")
    columns = [name for name in t.attrs["columns"] if name + "_end" not in t]
    df = pd.DataFrame({name: t[name][:5] for name in columns})
    assert len(df) == 5 and "axis:reg.rowsum" in df.columns
    assert df["axis:reg.rowsum"].str.decode("utf-8").tolist() == ["0.0", "", "[1, 30]", "", "0.0"]
)PY";
    // Task 2's AddUnc (kind 0): the mean over repetitions at the largest level, and overall.
    const ns::NoiseCurves& n = records[2].noise;
    const double at_max = (n.at(0, 2, 0) + n.at(0, 2, 1)) / 2;
    double mean = 0;
    for (int l = 0; l < 3; ++l) mean += n.at(0, l, 0) + n.at(0, l, 1);
    const std::string command = fmt::format("/usr/bin/python3 {} {} {} {:.17g} {:.17g} 1>&2",
                                            script, path, records[0].id, at_max, mean / 6);
    CHECK(std::system(command.c_str()) == 0);
  }
  SECTION("h5dump") {
    if (std::system("h5dump --version > /dev/null 2>&1") != 0)
      FAIL("h5dump is missing (hdf5-tools; framework/tools/install-deps.sh installs it)");
    const std::string out = dir.file("dump.txt");
    REQUIRE(std::system(
                ("h5dump -d /tasks/id -d /commits/sequence " + path + " > " + out).c_str()) == 0);
    const std::string dump = read_bytes(out);
    CHECK_THAT(dump, Contains("H5T_STRING") &&
                         Contains("DATASPACE  SIMPLE { ( 5 ) / ( H5S_UNLIMITED ) }") &&
                         Contains(records[4].id));
  }
}

// ----- the HDF5 wrapper's additions used by the archive -----

TEST_CASE("h5 tables, string-list and unsigned attributes round trip", "[archive][h5]") {
  ScratchDir dir;
  const std::string path = dir.file("t.h5");
  {
    ns::h5::Group root = ns::h5::File::create(path).root();
    root.write_table("t", {{"name", std::vector<std::string>{"a", "", "ünï"}},
                           {"n", std::vector<std::int64_t>{-1, 0, 1}},
                           {"u", std::vector<std::uint64_t>{0, 1, ~0ULL}},
                           {"x", std::vector<double>{0.5, -0.0, 1e300}}});
    root.write_table("empty", {{"x", std::vector<double>{}}});
    root.set_attr("list", std::vector<std::string>{"x", "yz"});
    root.set_attr("none", std::vector<std::string>{});
    root.set_attr("big", std::uint64_t{~0ULL});
    root.write_text("text", "line 1\nline 2\n");
    CHECK_THROWS_WITH(
        root.write_table("bad", {{"a", std::vector<double>{1}}, {"b", std::vector<double>{1, 2}}}),
        Contains("column 'b' has 2 rows"));
  }
  const ns::h5::Group root = ns::h5::File::open_read(path).root();
  const std::vector<ns::h5::Column> t = root.read_table("t");
  REQUIRE(t.size() == 4);
  CHECK(std::get<std::vector<std::string>>(t[0].values) ==
        std::vector<std::string>{"a", "", "ünï"});
  CHECK(std::get<std::vector<std::int64_t>>(t[1].values) == std::vector<std::int64_t>{-1, 0, 1});
  CHECK(std::get<std::vector<std::uint64_t>>(t[2].values)[2] == ~0ULL);
  CHECK(std::signbit(std::get<std::vector<double>>(t[3].values)[1]));
  CHECK(std::get<std::vector<double>>(root.read_table("empty")[0].values).empty());
  CHECK(root.get_attr_strings("list") == std::vector<std::string>{"x", "yz"});
  CHECK(root.get_attr_strings("none").empty());
  CHECK(root.get_attr_uint64("big") == ~0ULL);
  CHECK_THROWS_WITH(root.get_attr_int64("big"), Contains("unsigned") && Contains("'big'"));
  CHECK(root.read_text("text") == "line 1\nline 2\n");
  CHECK(root.attr_names() == std::vector<std::string>{"big", "list", "none"});
}

// ----- costs (hidden: run with "[.archive-cost]") -----

TEST_CASE("archive costs: journal append and archive size per task", "[.archive-cost]") {
  ScratchDir dir;
  std::mt19937 rng(11);
  using Clock = std::chrono::steady_clock;

  const auto time_appends = [&](const ns::TaskRecord& r, int count) {
    const std::string path = dir.file("cost_" + std::to_string(count) + ".journal");
    ns::JournalWriter journal = ns::JournalWriter::open_or_create(path, kStudyHash);
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < count; ++i) journal.append(r);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    journal.sync();
    return std::pair{seconds / count * 1e6, ns::encode(r).size()};
  };
  const ns::TaskRecord small = make_record(1, ns::TaskStatus::Done, false, rng, 20, 10);
  const ns::TaskRecord paper = [&] {  // with the statistics of a 784-300-300-10 network
    ns::TaskRecord r = make_record(2, ns::TaskStatus::Done, false, rng, 70, 40);
    r.stats = random_stats({784, 300, 300, 10}, rng);
    return r;
  }();
  const ns::TaskRecord with_weights = [&] {
    ns::TaskRecord r = paper;
    r.weights = random_weights({784, 300, 300, 10}, rng);
    return r;
  }();
  for (const auto& [name, record, count] :
       {std::tuple{"small (20 epochs, 2 kinds x 10 levels x 2)", &small, 20000},
        std::tuple{"paper-sized (70 epochs, 2 kinds x 40 levels x 2)", &paper, 20000},
        std::tuple{"paper-sized with 784-300-300-10 weights", &with_weights, 200}}) {
    const auto [us, bytes] = time_appends(*record, count);
    WARN("journal append, " << name << ": " << bytes << " bytes, " << us << " us per record");
  }

  const auto archive_size = [&](const ns::TaskRecord& prototype, int tasks) {
    std::vector<ns::TaskRecord> records;
    for (int i = 0; i < tasks; ++i) {
      records.push_back(prototype);
      records.back().id = task_id(i);
      records.back().index = i;
    }
    const std::string path = dir.file("cost.h5");
    const Clock::time_point start = Clock::now();
    ns::write_archive(path, make_info(), records, make_axes(records));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return std::pair{static_cast<double>(fs::file_size(path)) / tasks, seconds / tasks * 1e3};
  };
  for (const auto& [name, record, tasks] :
       {std::tuple{"paper-sized", &paper, 1000},
        std::tuple{"paper-sized with 784-300-300-10 weights", &with_weights, 50}}) {
    const auto [bytes, ms] = archive_size(*record, tasks);
    WARN("archive, " << name << ": " << bytes << " bytes and " << ms << " ms per task");
  }
}

TEST_CASE("archive lock: one writer at a time, released by its holder", "[archive]") {
  ScratchDir dir;
  const std::string path = dir.file("sub/study.h5");  // the folder is made on the way
  CHECK_FALSE(ns::ArchiveLock::held_by_another(path));
  {
    const ns::ArchiveLock first(path);
    CHECK(first.path() == path + ".lock");
    // Open-file-description locks exclude a second holder in the same process too.
    CHECK(ns::ArchiveLock::held_by_another(path));
    CHECK_THROWS_WITH(ns::ArchiveLock(path),
                      Contains(path) && Contains("another process is writing") && Contains("-o"));
  }
  CHECK_FALSE(ns::ArchiveLock::held_by_another(path));
  CHECK_FALSE(std::filesystem::exists(path + ".lock"));  // the holder removes it
  const ns::ArchiveLock again(path);
  CHECK(ns::ArchiveLock::held_by_another(path));
}
