// The work queue end to end on loopback: the coordinator's ServeWork and
// replicas running RunWorkReplica, on threads and, for the fault test, in
// a child process killed with SIGKILL while it holds an item.
#include "coordinator/work_server.h"

#include <gtest/gtest.h>
#include <cstdint>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "common/error.h"
#include "worker/work_replica.h"

namespace getps {
namespace {

using std::chrono::milliseconds;

// One float per task: 10 x its index.
std::vector<TensorFrame> Result(const ShardGrant& g) {
  auto values = std::make_shared<std::vector<float>>();
  for (std::size_t i = 0; i < g.count; ++i) values->push_back(10.0f * float(g.first + i));
  TensorFrame f{"values",       TensorDtype::kFloat32,          {std::int64_t(g.count)},
                values->data(), values->size() * sizeof(float), values};
  return {f};
}

struct Job {
  RunKeys keys = GenerateRunKeys();
  Heartbeat heartbeat{milliseconds(100), milliseconds(600)};
  ControlServer server{{"tcp://127.0.0.1:0", keys, {}, heartbeat}};
  nlohmann::json job{{"what", "test"}};
  std::size_t tasks = 10, item = 3;
  std::map<std::size_t, std::vector<float>> results;  // first -> values
  std::map<std::size_t, int> sink_calls;

  WorkServerOptions Options(std::size_t replicas) {
    WorkServerOptions o;
    o.replicas = replicas;
    o.job = job;
    o.tasks = tasks;
    o.timeout = milliseconds(20000);
    o.probe_interval = milliseconds(100);
    return o;
  }
  std::vector<WorkItem> Items() const {
    std::vector<WorkItem> out;
    for (std::size_t f = 0; f < tasks; f += item) out.push_back({f, std::min(item, tasks - f)});
    return out;
  }
  WorkAudit Serve(const WorkServerOptions& o) {
    return ServeWork(o, server, Items(), [&](const WorkItem& i, const WorkResult& r, auto&) {
      ++sink_calls[i.first];
      const auto* v = static_cast<const float*>(r.tensors.at(0).data);
      results[i.first].assign(v, v + i.count);
    });
  }
  WorkReplicaOptions Replica(const std::string& name) const {
    WorkReplicaOptions o;
    o.control = {server.endpoint(), keys, name, milliseconds(20000), {}, heartbeat};
    o.job = job;
    o.tasks = tasks;
    o.item_size = item;
    return o;
  }
  void ExpectEveryTaskOnce() {
    ASSERT_EQ(results.size(), 4u);
    for (const auto& [first, calls] : sink_calls) EXPECT_EQ(calls, 1) << "item at " << first;
    for (const auto& [first, values] : results)
      for (std::size_t i = 0; i < values.size(); ++i)
        EXPECT_EQ(values[i], 10.0f * float(first + i));
  }
};

TEST(WorkServer, ThreeReplicasDoEveryItemOnce) {
  Job j;
  std::atomic<std::size_t> done{0};
  std::vector<std::thread> replicas;
  for (int r = 0; r < 3; ++r)
    replicas.emplace_back(
        [&, r] { done += RunWorkReplica(j.Replica("r" + std::to_string(r)), Result); });
  const WorkAudit audit = j.Serve(j.Options(3));
  for (auto& t : replicas) t.join();
  j.ExpectEveryTaskOnce();
  EXPECT_EQ(audit.results, 4u);
  EXPECT_EQ(done.load(), 4u);
  EXPECT_EQ(audit.replicas, 3u);
  EXPECT_EQ(audit.taken_back, 0u);
  EXPECT_TRUE(audit.lost.empty());
}

TEST(WorkServer, AKilledReplicasItemGoesToASurvivor) {
  Job j;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {  // takes an item, says so, and never returns it
    close(ready[0]);
    RunWorkReplica(j.Replica("doomed"), [&](const ShardGrant&) -> std::vector<TensorFrame> {
      const char c = 'x';
      (void)!write(ready[1], &c, 1);
      pause();
      return {};
    });
    _exit(0);
  }
  close(ready[1]);
  std::thread killer([&] {
    char c;
    if (read(ready[0], &c, 1) == 1) kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  });
  std::thread survivor([&] {
    std::this_thread::sleep_for(milliseconds(300));  // the doomed one takes the first item
    RunWorkReplica(j.Replica("survivor"), Result);
  });
  const WorkAudit audit = j.Serve(j.Options(2));
  killer.join();
  survivor.join();
  close(ready[0]);
  j.ExpectEveryTaskOnce();
  EXPECT_EQ(audit.taken_back, 1u);
  ASSERT_EQ(audit.lost.size(), 1u);
  EXPECT_EQ(audit.lost[0], "doomed");
  EXPECT_EQ(audit.results, 4u);
}

TEST(WorkServer, AReplicaOfAnotherJobIsRefusedAndLeaves) {
  Job j;
  std::string why;
  std::thread other([&] {
    auto o = j.Replica("other");
    o.job = {{"what", "something else"}};
    try {
      RunWorkReplica(o, Result);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kRefused) why = e.what();
    }
    RunWorkReplica(j.Replica("right"), Result);
  });
  const WorkAudit audit = j.Serve(j.Options(2));
  other.join();
  EXPECT_NE(why.find("another job"), std::string::npos) << why;
  EXPECT_NE(why.find("what"), std::string::npos) << "names the differing key: " << why;
  EXPECT_TRUE(audit.lost.empty()) << "the refused replica said it leaves";
  j.ExpectEveryTaskOnce();
}

TEST(WorkServer, AResultForAnItemNotHeldIsDropped) {
  Job j;
  std::thread rogue([&] {
    ControlClient c(j.Replica("rogue").control);
    c.Join();
    c.Send(Encode(WorkResult{0, 3, Result({0, 3, 0})}));  // holds nothing
    c.Send(Encode(Shutdown{}));
    std::this_thread::sleep_for(milliseconds(300));
    RunWorkReplica(j.Replica("honest"), Result);
  });
  const WorkAudit audit = j.Serve(j.Options(2));
  rogue.join();
  EXPECT_EQ(audit.dropped, 1u);
  j.ExpectEveryTaskOnce();
}

TEST(WorkServer, WithNothingToDoTheExpectedReplicasStillJoinAndLeave) {
  Job j;
  j.tasks = 0;  // a rerun of a finished job
  std::atomic<std::size_t> done{0};
  std::thread late([&] {
    std::this_thread::sleep_for(milliseconds(500));  // the coordinator waits for it
    done += RunWorkReplica(j.Replica("late"), Result);
  });
  std::thread early([&] { done += RunWorkReplica(j.Replica("early"), Result); });
  const WorkAudit audit = j.Serve(j.Options(2));
  late.join();
  early.join();
  EXPECT_EQ(audit.replicas, 2u);
  EXPECT_EQ(audit.results, 0u);
  EXPECT_EQ(done.load(), 0u);
}

TEST(WorkServer, WhenEveryExpectedReplicaIsGoneTheJobEndsAtOnce) {
  Job j;
  const pid_t child = fork();
  if (child == 0) {
    RunWorkReplica(j.Replica("only"), [](const ShardGrant&) -> std::vector<TensorFrame> {
      _exit(3);  // dies holding its first item
    });
    _exit(0);
  }
  try {
    j.Serve(j.Options(1));
    ADD_FAILURE() << "ServeWork returned with work left";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
    EXPECT_NE(std::string(e.what()).find("every replica is gone with 10 tasks left"),
              std::string::npos)
        << e.what();
  }
  waitpid(child, nullptr, 0);
  EXPECT_TRUE(j.results.empty());
}

}  // namespace
}  // namespace getps
