// The scheduling policy alone, then the whole coordinator/worker protocol over in-process links
// with worker threads: every task once, failures isolated, results independent of the number of
// workers and of the order in which tasks finish.
#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "config/run_file.hpp"
#include "sweep/coordinator.hpp"
#include "sweep/inprocess_link.hpp"
#include "sweep/schedule.hpp"
#include "sweep/worker.hpp"

using namespace ns;

TEST_CASE("the schedule hands out ready tasks in order and respects parents", "[sweep]") {
  // 0 and 1 are baselines; 2 and 3 start from 0; 4 starts from 1; 5 starts from 4.
  Schedule s({std::nullopt, std::nullopt, 0, 0, 1, 4});
  CHECK(s.next() == 0);
  CHECK(s.next() == 1);
  CHECK(s.next() == std::nullopt);  // everything else waits on a running parent
  s.finished(1, true);
  CHECK(s.next() == 4);
  s.finished(0, false);  // 2 and 3 can never run
  CHECK(s.take_blocked() == std::vector<int>{2, 3});
  CHECK(s.next() == std::nullopt);
  s.requeue(4);  // abandoned (stop request): it is handed out again
  CHECK(s.next() == 4);
  s.finished(4, true);
  CHECK(s.next() == 5);
  s.finished(5, true);
  CHECK(s.complete());
  CHECK(s.count(TaskState::Done) == 3);
  CHECK(s.count(TaskState::Failed) == 3);
}

namespace {

Study tiny_study() {
  Study study;
  study.name = "tiny";
  const std::string base = R"(
data.name = "synthetic"
data.synthetic = {samples = 600, features = 8, classes = 3}
model.hidden = [12, 12]
train.epochs = 2
train.lr = 0.05
eval.levels = [0.1, 1.0]
eval.repetitions = 2
)";
  auto add = [&](const std::string& stage, const std::string& extra, std::optional<int> parent) {
    Task t;
    t.index = int(study.tasks.size());
    t.id = fmt::format("task{:02}", t.index);
    t.stage = stage;
    t.config = parse_run_text(base + extra, "tiny.toml").config;
    if (extra.find("broken") != std::string::npos) {  // data that cannot load: the task fails
      t.config.data.name = "idx";
      t.config.data.dir = "/no/such/dir";
    }
    t.parent = parent;
    study.tasks.push_back(t);
    if (parent) study.tasks[*parent].store_weights = true;
  };
  add("baseline", "seed = 1\n", std::nullopt);
  add("baseline", "seed = 2\n", std::nullopt);
  add("baseline", "seed = 3 # broken\n", std::nullopt);
  add("rowsum", "seed = 1\nreg.rowsum = [1, 30]\nreg.lambda = 0.01\n", 0);
  add("rowsum", "seed = 2\nreg.rowsum = [1, 30]\nreg.lambda = 0.01\n", 1);
  add("rowsum", "seed = 3\nreg.rowsum = [1, 30]\nreg.lambda = 0.01\n", 2);  // parent fails
  add("other", "seed = 4\nmodel.activation = \"tanh\"\n", std::nullopt);
  return study;
}

struct CollectingSink : ResultSink {
  std::mutex mutex;
  std::map<int, TaskRecord> records;
  int adds = 0;
  void add(const TaskRecord& r) override {
    std::lock_guard lock(mutex);
    records[r.index] = r;
    ++adds;
  }
};

std::map<int, TaskRecord> run_sweep(const Study& study, int workers) {
  InProcessHub hub(workers);
  CollectingSink sink;
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      run_worker(study, hub.worker(w), {w + 1, "test"}, [] { return false; });
    });
  const SweepOutcome outcome = coordinate(study, {}, hub.coordinator(), sink, {});
  for (auto& t : threads) t.join();
  CHECK_FALSE(outcome.stopped_early);
  CHECK(outcome.final.done == 5);
  CHECK(outcome.final.failed == 2);
  CHECK(outcome.new_failures.size() == 2);
  CHECK(sink.adds == 7);  // every task exactly once
  return sink.records;
}

}  // namespace

TEST_CASE(
    "a sweep runs every task once, isolates failures, and does not depend on the worker "
    "count",
    "[sweep]") {
  const Study study = tiny_study();
  const std::map<int, TaskRecord> one = run_sweep(study, 1), three = run_sweep(study, 3);
  REQUIRE(one.size() == 7);
  REQUIRE(three.size() == 7);
  CHECK(one.at(2).status == TaskStatus::Failed);
  CHECK_THAT(one.at(2).message, Catch::Matchers::Contains("/no/such/dir"));
  CHECK(one.at(5).status == TaskStatus::Failed);
  CHECK_THAT(one.at(5).message, Catch::Matchers::Contains("not run"));
  for (int i = 0; i < 7; ++i) {
    INFO("task " << i);
    const TaskRecord &a = one.at(i), &b = three.at(i);
    CHECK(a.status == b.status);
    CHECK(a.clean_accuracy == b.clean_accuracy);
    CHECK(a.noise.accuracy == b.noise.accuracy);
    CHECK(a.curve.size() == b.curve.size());
    for (std::size_t e = 0; e < a.curve.size(); ++e) CHECK(a.curve[e].loss == b.curve[e].loss);
  }
  // Fine-tuning really started from the parent: a fresh start would not reach this loss so soon.
  CHECK(one.at(3).curve.front().cross_entropy < one.at(0).curve.front().cross_entropy);
}

TEST_CASE("a stop request abandons running tasks, which run again on resume", "[sweep]") {
  const Study study = tiny_study();
  InProcessHub hub(2);
  CollectingSink sink;
  std::atomic<int> polls{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w)
    threads.emplace_back([&, w] {
      run_worker(study, hub.worker(w), {w + 1, "test"}, [] { return false; });
    });
  CoordinatorOptions options;
  options.stop_requested = [&] { return ++polls > 3; };
  const SweepOutcome first = coordinate(study, {}, hub.coordinator(), sink, options);
  for (auto& t : threads) t.join();
  CHECK(first.stopped_early);
  CHECK(sink.adds < 7);

  // Resume with what was stored: the rest runs, nothing twice.
  FinishedTasks finished;
  for (const auto& [i, r] : sink.records) finished.status[i] = r.status;
  finished.weights = [&](int i) { return *sink.records.at(i).weights; };
  InProcessHub again(2);
  CollectingSink rest;
  threads.clear();
  for (int w = 0; w < 2; ++w)
    threads.emplace_back([&, w] {
      run_worker(study, again.worker(w), {w + 1, "test"}, [] { return false; });
    });
  const SweepOutcome second = coordinate(study, finished, again.coordinator(), rest, {});
  for (auto& t : threads) t.join();
  CHECK_FALSE(second.stopped_early);
  CHECK(int(finished.status.size()) + rest.adds == 7);
  for (const auto& [i, r] : rest.records) CHECK(finished.status.count(i) == 0);
}

TEST_CASE("shards split a study into disjoint parts that keep each task with its parent",
          "[sweep]") {
  const Study study = tiny_study();
  for (int k : {1, 2, 3, 5}) {
    std::vector<int> owners(study.tasks.size(), 0);
    for (int i = 0; i < k; ++i)
      for (const Task& t : study.tasks)
        if (Shard{i, k}.contains(study, t.index)) {
          ++owners[t.index];
          if (t.parent) CHECK(Shard{i, k}.contains(study, *t.parent));
        }
    for (int n : owners) CHECK(n == 1);  // every task in exactly one shard
  }
  CHECK(parse_shard("2/3").index == 2);
  CHECK_THROWS_WITH(parse_shard("3/3"), Catch::Matchers::Contains("0 <= I < K"));
  CHECK_THROWS_WITH(parse_shard("x"), Catch::Matchers::Contains("'x'"));
}

TEST_CASE("a shard's sweep runs exactly its own tasks", "[sweep]") {
  const Study study = tiny_study();
  std::map<int, TaskRecord> all;
  for (int i = 0; i < 2; ++i) {
    InProcessHub hub(2);
    CollectingSink sink;
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w)
      threads.emplace_back([&, w] {
        run_worker(study, hub.worker(w), {w + 1, "test"}, [] { return false; });
      });
    CoordinatorOptions options;
    options.shard = {i, 2};
    const SweepOutcome outcome = coordinate(study, {}, hub.coordinator(), sink, options);
    for (auto& t : threads) t.join();
    CHECK(outcome.final.total == int(sink.records.size()));
    for (const auto& [index, r] : sink.records) {
      CHECK(options.shard.contains(study, index));
      CHECK(all.count(index) == 0);
      all[index] = r;
    }
  }
  CHECK(all.size() == study.tasks.size());
}
