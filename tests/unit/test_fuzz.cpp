// Deterministic fuzzing of every reader of outside input: task records and assignments (MPI
// messages and journal payloads), journal files, run files, study files and IDX files. Valid
// inputs are mutated (bytes changed, inserted, cut, chunks repeated) with a fixed seed and a
// bounded count; each mutant must give a result or an ns::Error (ConfigError, DataError,
// ArchiveError) that the CLI prints, never another exception or a crash. The seeds are fixed,
// so a mutant that once failed is tried again on every run until it is fixed.
#include <catch2/catch.hpp>

#include "scratch_dir.hpp"

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <typeinfo>

#include "archive/journal.hpp"
#include "config/run_file.hpp"
#include "core/error.hpp"
#include "data/idx.hpp"
#include "record/task_record.hpp"
#include "study/study.hpp"
#include "sweep/coordinator.hpp"
#include "sweep/worker.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kMutants = 3000;  // per reader: about two seconds in all

std::string mutate(std::string text, std::mt19937_64& rng) {
  const auto at = [&](std::size_t size) { return size == 0 ? 0 : rng() % size; };
  for (int edits = 1 + int(rng() % 3); edits > 0; --edits) {
    const char byte = char(rng() % 256);
    switch (rng() % 5) {
      case 0:
      case 1:
        if (!text.empty()) text[at(text.size())] = byte;
        break;
      case 2:
        text.insert(text.begin() + std::ptrdiff_t(at(text.size() + 1)), byte);
        break;
      case 3:
        text.resize(at(text.size() + 1));
        break;
      default: {  // a chunk repeated: lengths and counts that no longer match
        if (text.empty()) break;
        const std::size_t from = at(text.size()), length = 1 + at(16);
        text.insert(from, text.substr(from, length));
      }
    }
  }
  return text;
}

// Runs `read` on every mutant of `valid`; anything but success or ns::Error fails. `read`
// returns whether it noticed damage without throwing (the journal skips damaged records and
// reports them); a thrown ns::Error counts as noticed too.
template <class Read>
void fuzz(const std::string& valid, std::uint64_t seed, Read read) {
  std::mt19937_64 rng(seed);
  int noticed = 0;
  for (int i = 0; i < kMutants; ++i) {
    const std::string mutant = mutate(valid, rng);
    try {
      noticed += read(mutant) ? 1 : 0;
    } catch (const ns::Error&) {
      ++noticed;
    } catch (const std::exception& e) {
      FAIL("mutant " << i << " (seed " << seed << "): " << typeid(e).name() << ": " << e.what());
    }
  }
  // The mutations must reach the error paths, or the test checks nothing.
  CHECK(noticed > kMutants / 10);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const char* kStudy = R"(
name = "fuzz"
seed = 5
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 60, features = 3, classes = 2}
model.hidden = [3, 3]
train.epochs = 1
eval.levels = [0.1, 1.0]
eval.repetitions = 1
[[stage]]
name = "base"
[stage.grid]
seed = {replicates = 2}
[[stage]]
name = "tuned"
init_from = "base"
[stage.settings]
reg.rowsum = [1, 3]
[stage.grid]
seed = {replicates = 2}
)";

// A real record of a finished task, weights and statistics included.
ns::TaskRecord finished_record() {
  const ns::Study study = ns::parse_study_text(kStudy, "fuzz.toml");
  ns::Task task = study.tasks[0];
  task.store_weights = true;
  return ns::run_task(study, task, nullptr, {1, "host"}, [] { return false; });
}

}  // namespace

TEST_CASE("fuzz: task records and assignments decode or fail cleanly", "[fuzz]") {
  const ns::TaskRecord record = finished_record();
  REQUIRE(record.status == ns::TaskStatus::Done);
  REQUIRE(record.weights);
  fuzz(ns::encode(record), 1,
       [](const std::string& bytes) { return ns::decode(bytes).id.empty(); });
  fuzz(ns::encode_assignment(3, &*record.weights), 2,
       [](const std::string& bytes) { return ns::decode_assignment(bytes).first < 0; });
}

TEST_CASE("fuzz: journal files read or fail cleanly", "[fuzz]") {
  ScratchDir dir;
  const std::string path = dir.file("a.journal");
  const std::string hash(32, 'a');
  {
    ns::JournalWriter journal = ns::JournalWriter::open_or_create(path, hash);
    ns::TaskRecord r = finished_record();
    for (int i = 0; i < 3; ++i) {
      r.index = i;
      journal.append(r);
    }
  }
  const std::string valid = read_file(path);
  fuzz(valid, 3, [&](const std::string& bytes) {
    write_file(path, bytes);
    ns::JournalReadReport report;
    const std::vector<ns::TaskRecord> records = ns::read_journal(path, hash, &report);
    CHECK(records.size() <= 4);  // a repeated chunk can hold a whole record
    return !report.problems.empty();
  });
}

TEST_CASE("fuzz: run files and study files parse or fail cleanly", "[fuzz]") {
  const std::string run = R"(
seed = 3
[data]
name = "synthetic"
synthetic = {samples = 60, features = 3, classes = 2, separation = 2.0}
[model]
hidden = [4, 4]
activation = "tanh"
[train]
optimizer = "adam"
lr = 0.01
epochs = 2
noise = {AddUnc = 0.01}
[reg]
rowsum = [1, 30]
saturation = 0.5
[eval]
kinds = ["AddUnc", "MulCor"]
levels = {from = 0.01, to = 1.0, count = 4}
)";
  fuzz(run, 4, [](const std::string& text) {
    ns::parse_run_text(text, "run.toml");
    return false;
  });
  fuzz(kStudy, 5, [](const std::string& text) {
    ns::parse_study_text(text, "study.toml");
    return false;
  });
}

TEST_CASE("fuzz: IDX files read or fail cleanly", "[fuzz]") {
  ScratchDir dir;
  const std::string images = dir.file("images.idx"), labels = dir.file("labels.idx");
  ns::data::IdxImages valid_images;
  valid_images.count = 5;
  valid_images.rows = 3;
  valid_images.cols = 2;
  for (int i = 0; i < 30; ++i) valid_images.pixels.push_back(std::uint8_t(i * 7));
  ns::data::write_idx_images(images, valid_images);
  ns::data::write_idx_labels(labels, {0, 1, 2, 1, 0});
  const std::string image_bytes = read_file(images), label_bytes = read_file(labels);
  fuzz(image_bytes, 6, [&](const std::string& bytes) {
    write_file(images, bytes);
    ns::data::read_idx_images(images);
    return false;
  });
  fuzz(label_bytes, 7, [&](const std::string& bytes) {
    write_file(labels, bytes);
    ns::data::read_idx_labels(labels, 3);
    return false;
  });
}
