// The compact per-series parts of the Head: interned labels, the four-byte
// series lock and shared chunks.
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/tsdb/chunk.h"
#include "lib/tsdb/interned_labels.h"
#include "lib/tsdb/series_mutex.h"
#include "lib/tsdb/symbol_table.h"
#include "lib/tsdb/xor_chunk.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

TEST(SymbolTableTest, InternsOnceAndForgetsAtTheLastUnref) {
  SymbolTable t;
  const uint32_t a = t.Ref("kube_pod_info");
  const uint32_t b = t.Ref("kube_pod_info");
  EXPECT_EQ(a, b);
  const uint32_t c = t.Ref("namespace");
  EXPECT_NE(a, c);
  EXPECT_EQ(t.size(), 2u);
  {
    SymbolTable::Reader r(t);
    EXPECT_EQ(r.Lookup(a), "kube_pod_info");
    EXPECT_EQ(r.Find("namespace"), c);
    EXPECT_EQ(r.Find("pod"), std::nullopt);
  }
  t.Unref(a);
  EXPECT_EQ(t.size(), 2u);  // one reference left
  t.Unref(a);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(SymbolTable::Reader(t).Find("kube_pod_info"), std::nullopt);
  // The freed id is reused, for a different string.
  const uint32_t d = t.Ref("a-value-longer-than-the-short-string-buffer");
  EXPECT_EQ(d, a);
  EXPECT_EQ(SymbolTable::Reader(t).Lookup(d),
            "a-value-longer-than-the-short-string-buffer");
}

TEST(SymbolTableTest, ConcurrentRefsUnrefsAndLookups) {
  SymbolTable t;
  const uint32_t pinned = t.Ref("pinned");
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&t, w] {
      for (int i = 0; i < 2000; ++i) {
        const std::string s = "v" + std::to_string((i * 7 + w) % 50);
        const uint32_t id = t.Ref(s);
        EXPECT_EQ(SymbolTable::Reader(t).Lookup(id), s);
        t.Unref(id);
      }
    });
  }
  threads.emplace_back([&t, pinned] {
    for (int i = 0; i < 2000; ++i) {
      EXPECT_EQ(SymbolTable::Reader(t).Lookup(pinned), "pinned");
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(t.size(), 1u);
}

TEST(InternedLabelsTest, RoundTripsAndComparesAndReleases) {
  SymbolTable t;
  // Enough distinct strings that ids need two-byte varints.
  std::vector<uint32_t> filler;
  for (int i = 0; i < 300; ++i) filler.push_back(t.Ref(std::to_string(i)));
  const Labels ls = Labels::FromStrings(
      {"__name__", "kube_pod_container_status_running", "container", "app",
       "namespace", "payments", "pod", "ledger-0", "uid",
       "5f1c2a7e-9b1d-4c3e-8f00-000000000042"});
  InternedLabels in(ls, t);
  EXPECT_EQ(t.size(), 300u + 10u);
  EXPECT_LE(in.encoded_size(), 1u + 10u * 2u);
  {
    SymbolTable::Reader r(t);
    EXPECT_EQ(in.ToLabels(r), ls);
    EXPECT_TRUE(in.Equals(ls, r));
    EXPECT_FALSE(
        in.Equals(LabelsBuilder(ls).Set("pod", "ledger-1").Build(), r));
    EXPECT_FALSE(in.Equals(LabelsBuilder(ls).Del("uid").Build(), r));
    EXPECT_FALSE(in.Equals(Labels(), r));
  }
  InternedLabels twin(ls, t);  // shares every symbol
  EXPECT_EQ(t.size(), 310u);
  in.Release(t);
  EXPECT_EQ(t.size(), 310u);
  twin.Release(t);
  EXPECT_EQ(t.size(), 300u);
  for (uint32_t id : filler) t.Unref(id);
  EXPECT_EQ(t.size(), 0u);
}

TEST(InternedLabelsTest, EmptySet) {
  SymbolTable t;
  InternedLabels in(Labels(), t);
  EXPECT_EQ(in.encoded_size(), 0u);
  SymbolTable::Reader r(t);
  EXPECT_TRUE(in.ToLabels(r).empty());
  EXPECT_TRUE(in.Equals(Labels(), r));
}

TEST(SeriesMutexTest, IsFourBytesAndExcludes) {
  static_assert(sizeof(SeriesMutex) == 4);
  SeriesMutex mu;
  int64_t counter = 0;  // unsynchronised but for the lock
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100'000; ++i) {
        std::lock_guard<SeriesMutex> lock(mu);
        ++counter;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(counter, 400'000);
}

TEST(ChunkTest, HoldsItsBytesAndIsSharedByCount) {
  XorEncoder enc;
  for (int i = 0; i < 10; ++i) enc.Append(1000 + i * 30'000, i * 0.5);
  ChunkPtr a = Chunk::Make(1000, 1000 + 9 * 30'000, 10, enc.bytes());
  ASSERT_FALSE(a == nullptr);
  EXPECT_EQ(a->size(), enc.bytes().size());
  EXPECT_EQ(a->num_samples(), 10);
  EXPECT_EQ(a->max_t(), 271'000);
  ChunkPtr b = a;  // copy
  ChunkPtr c = std::move(a);
  EXPECT_TRUE(a ==
              nullptr);  // NOLINT(bugprone-use-after-move): null by contract
  c.reset();
  XorDecoder d(b->data(), b->size(), b->num_samples());
  int n = 0;
  while (d.Next()) {
    EXPECT_EQ(d.t(), 1000 + n * 30'000);
    ++n;
  }
  EXPECT_EQ(n, 10);
  const ChunkPtr& alias = b;
  b = alias;  // self-assignment keeps it
  EXPECT_EQ(b->num_samples(), 10);
}

TEST(ChunkTest, CopiesAcrossThreads) {
  const std::vector<uint8_t> bytes(100, 7);
  ChunkPtr shared = Chunk::Make(0, 1, 2, bytes);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([shared] {
      for (int i = 0; i < 10'000; ++i) {
        ChunkPtr copy = shared;
        EXPECT_EQ(copy->data()[99], 7);
      }
    });
  }
  shared.reset();  // the threads' copies keep it alive
  for (auto& th : threads) th.join();
}

// Series hold symbol references until GC removes them; then the table is
// empty again.
TEST(HeadSymbolsTest, SharedAcrossSeriesAndFreedByGc) {
  HeadOptions opts;
  opts.retention_ms = 1000;
  Head head(opts);
  auto app = head.NewAppender();
  for (int pod = 0; pod < 10; ++pod) {
    for (const char* name : {"kube_pod_info", "kube_pod_status_ready"}) {
      ASSERT_TRUE(app->Append(Labels::FromStrings(
                                  {"__name__", name, "namespace", "payments",
                                   "pod", "p" + std::to_string(pod)}),
                              0, 1)
                      .ok());
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  // __name__, two metric names, namespace, payments, pod, ten pod names.
  EXPECT_EQ(head.Stats().series, 20u);
  EXPECT_EQ(head.Stats().symbols, 1u + 2u + 2u + 1u + 10u);
  head.RunGc(100'000);
  EXPECT_EQ(head.Stats().series, 0u);
  EXPECT_EQ(head.Stats().symbols, 0u);
}

TEST(HeadSymbolsTest, SelectedSeriesOutliveTheHead) {
  std::vector<std::shared_ptr<Series>> set;
  {
    Head head;
    auto app = head.NewAppender();
    ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "up", "instance",
                                                 "a-long-instance-name:9100"}),
                            1, 1)
                    .ok());
    ASSERT_TRUE(app->Commit().ok());
    auto q = head.OpenQuerier(0, 10);
    ASSERT_TRUE(q.ok());
    auto m = Matcher::Create(MatchType::kEqual, "__name__", "up");
    ASSERT_TRUE(m.ok());
    auto s = (*q)->Select({}, {*m});
    ASSERT_TRUE(s.ok());
    set = *s;
  }
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0]->labels().Get("instance"), "a-long-instance-name:9100");
  auto it = set[0]->Iterator();
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->At().v, 1);
}

}  // namespace
}  // namespace vigil::tsdb
