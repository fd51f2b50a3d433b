// Query answers written as they are sent: the streamed JSON is byte for
// byte the document the API built whole before (encoded here by a
// reference that uses the per-value encoders one call at a time, as the
// writer did), on many shapes and values; over HTTP a large answer goes out
// chunked, a small one with a Content-Length, and either gzip-compressed
// when the client asks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lib/api/handlers.h"
#include "lib/api/json_encoding.h"
#include "lib/api/response_writer.h"
#include "tests/api_test_support.h"

namespace vigil::api::testing {
namespace {

// The encoding as the API wrote it before streaming: one std::string per
// value through FormatSampleValue and AppendTimestamp.
std::string ReferencePoint(int64_t t, double v) {
  std::string out = "[";
  AppendTimestamp(t, &out);
  out += ",\"" + FormatSampleValue(v) + "\"]";
  return out;
}

std::string ReferenceLabels(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const Label& l : labels) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(l.name, &out);
    out += ':';
    AppendJsonString(l.value, &out);
  }
  return out + "}";
}

std::string ReferenceData(const promql::QueryResult& r) {
  std::string out;
  if (const auto* vec = std::get_if<promql::Vector>(&r.value)) {
    out = R"({"resultType":"vector","result":[)";
    for (size_t i = 0; i < vec->size(); ++i) {
      const promql::VectorSample& s = (*vec)[i];
      if (i > 0) out += ',';
      out += "{\"metric\":" + ReferenceLabels(s.metric) +
             ",\"value\":" + ReferencePoint(s.t, s.v) + "}";
    }
    return out + "]}";
  }
  const auto& mat = std::get<promql::Matrix>(r.value);
  out = R"({"resultType":"matrix","result":[)";
  for (size_t i = 0; i < mat.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"metric\":" + ReferenceLabels(mat[i].metric);
    if (!mat[i].samples.empty()) {
      out += ",\"values\":[";
      for (size_t j = 0; j < mat[i].samples.size(); ++j) {
        if (j > 0) out += ',';
        out += ReferencePoint(mat[i].samples[j].t, mat[i].samples[j].v);
      }
      out += "]";
    }
    out += "}";
  }
  return out + "]}";
}

// Every kind of double the encoder distinguishes, and random bit patterns.
std::vector<double> Values() {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> v = {0.0,
                           -0.0,
                           1,
                           -1,
                           0.1,
                           1.0 / 3,
                           1e-6,
                           -1e-6,
                           9.999999999999999e-7,
                           1e-7,
                           5e-324,
                           2.2250738585072014e-308,
                           9007199254740991.0,
                           9007199254740992.0,
                           9007199254740994.0,
                           4611686018427387904.0,
                           1e20,
                           9.999999999999999e20,
                           1e21,
                           1.7976931348623157e308,
                           inf,
                           -inf,
                           std::nan(""),
                           123456.789,
                           0.000123,
                           1700000000.5};
  std::mt19937_64 rng(18);
  for (int i = 0; i < 20000; ++i) {
    double d = std::bit_cast<double>(rng());
    v.push_back(d);
  }
  // Values of the shapes answers hold: rates, byte counts, ratios.
  std::uniform_real_distribution<double> unit(0, 1);
  for (int e = -9; e <= 22; ++e) {
    for (int i = 0; i < 200; ++i) v.push_back(unit(rng) * std::pow(10.0, e));
  }
  return v;
}

std::vector<int64_t> Times() {
  return {0,
          1,
          -1,
          999,
          1000,
          1001,
          -1500,
          12345,
          1700000000000,
          1700000000001,
          1700000000010,
          1700000000100,
          1700000000999,
          std::numeric_limits<int64_t>::max(),
          std::numeric_limits<int64_t>::min()};
}

std::vector<promql::QueryResult> Shapes() {
  std::vector<promql::QueryResult> out;
  const Labels odd =
      Labels::FromStrings({"__name__", "odd", "a", "<&>\"\\\n\t", "b",
                           "caf\xc3\xa9 \xe2\x80\xa8", "c", "\xff bad utf-8"});
  promql::QueryResult empty_matrix;
  empty_matrix.value = promql::Matrix{};
  out.push_back(empty_matrix);
  promql::QueryResult empty_vector;
  empty_vector.value = promql::Vector{};
  out.push_back(empty_vector);

  promql::Matrix m;
  m.push_back({odd, {}});  // a series without points has no "values"
  const std::vector<double> values = Values();
  const std::vector<int64_t> times = Times();
  for (size_t s = 0; s * 500 < values.size(); ++s) {
    promql::MatrixSeries series;
    series.metric = Labels::FromStrings(
        {"__name__", "m", "pod", "pod-" + std::to_string(s)});
    for (size_t i = s * 500; i < std::min(values.size(), (s + 1) * 500); ++i) {
      series.samples.push_back({times[i % times.size()], values[i]});
    }
    m.push_back(std::move(series));
  }
  promql::QueryResult matrix;
  matrix.value = m;
  out.push_back(matrix);

  // Large enough to be encoded on two threads, in blocks.
  promql::Matrix big;
  for (size_t s = 0; big.size() < 400; ++s) {
    promql::MatrixSeries series;
    series.metric = Labels::FromStrings({"s", std::to_string(s)});
    // Every 7th without points, some with one: blocks of uneven sizes.
    const size_t n = s % 7 == 0 ? 0 : s % 5 == 0 ? 1 : 400 + s;
    for (size_t i = 0; i < n; ++i) {
      series.samples.push_back({1700000000000 + int64_t(i) * 15000,
                                values[(s * 31 + i) % values.size()]});
    }
    big.push_back(std::move(series));
  }
  size_t big_points = 0;
  for (const auto& s : big) big_points += s.samples.size();
  EXPECT_GT(big_points, kParallelEncodePoints);
  promql::QueryResult big_matrix;
  big_matrix.value = std::move(big);
  out.push_back(big_matrix);

  promql::Vector v;
  for (size_t i = 0; i < 3000; ++i) {
    v.push_back(
        {i % 7 == 0 ? odd : Labels::FromStrings({"i", std::to_string(i)}),
         times[i % times.size()], values[i]});
  }
  promql::QueryResult vector;
  vector.value = v;
  out.push_back(vector);
  return out;
}

TEST(ApiStreamingTest, StreamedDataIsTheWholeDocumentByteForByte) {
  for (const promql::QueryResult& r : Shapes()) {
    const std::string want = ReferenceData(r);
    EXPECT_EQ(EncodeQueryData(r), want);
    // In pieces of every size: flushing must never split or reorder.
    for (size_t flush : {size_t{1}, size_t{7}, size_t{4096}}) {
      std::string got;
      size_t pieces = 0;
      JsonWriter w(
          [&](std::string_view p) {
            got.append(p);
            ++pieces;
          },
          flush);
      WriteQueryData(r, w);
      w.Flush();
      EXPECT_EQ(got, want) << "flush_bytes " << flush;
    }
  }
}

TEST(ApiStreamingTest, EnvelopeAroundStreamedData) {
  for (const promql::QueryResult& r : Shapes()) {
    ApiResult result;
    result.query_data = std::make_shared<const promql::QueryResult>(r);
    result.warnings = {"w1", "w<2>"};
    result.infos = {"i"};
    const HttpResponse resp = RenderApiResult(result);
    ASSERT_TRUE(resp.write_body);
    EXPECT_TRUE(resp.compressible);
    std::string got;
    resp.write_body([&](std::string_view p) {
      // Pieces stay near the buffer size, never the whole answer at once.
      EXPECT_LE(p.size(), 2 * kResponseBufferBytes);
      got.append(p);
    });
    EXPECT_EQ(got, R"({"status":"success","data":)" + ReferenceData(r) +
                       R"(,"warnings":["w1","w\u003c2\u003e"],"infos":["i"]})");
  }
}

TEST(ApiStreamingTest, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.5, br"));
  EXPECT_TRUE(AcceptsGzip(" GZIP "));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("x-gzip"));
}

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out;
  char buf[65536];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END) << "not one whole gzip stream";
  inflateEnd(&zs);
  return out;
}

// The body of a chunked HTTP/1.1 message (RawRequest keeps it raw).
std::string Dechunk(const std::string& raw) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) {
      ADD_FAILURE() << "truncated chunk size";
      return out;
    }
    const size_t n = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    if (n == 0) return out;
    out.append(raw, eol + 2, n);
    pos = eol + 2 + n + 2;
  }
}

class ApiStreamingHttpTest : public ApiServerTest {
 protected:
  RawResponse Fetch(const std::string& target, bool gzip) {
    std::vector<std::string> headers;
    if (gzip) headers.push_back("Accept-Encoding: gzip");
    RawResponse r = RawRequest(server_->port(), "GET", target, "", headers);
    if (r.Header("Transfer-Encoding") == "chunked") r.body = Dechunk(r.body);
    return r;
  }

  // The same request served in-process, collected whole.
  std::string Whole(const std::string& path, const std::string& query) {
    HttpRequest req;
    req.method = "GET";
    req.path = path;
    req.query_string = query;
    return server_->Handle(req).body;
  }
};

TEST_F(ApiStreamingHttpTest, LargeAnswerIsChunkedAndSmallOneHasALength) {
  StartServer();
  // 2 series × 10,001 steps: some 600 KB of JSON.
  const std::string big = "query=up&start=1700000000&end=1700000600&step=0.06";
  RawResponse r = Fetch("/api/v1/query_range?" + big, false);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GT(r.body.size(), 4 * kResponseBufferBytes);
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.Header("Content-Length"), "");
  EXPECT_EQ(r.Header("Content-Encoding"), "");
  EXPECT_EQ(r.body, Whole("/api/v1/query_range", big));

  const std::string small = "query=up&time=1700000300";
  r = Fetch("/api/v1/query?" + small, false);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Length"), std::to_string(r.body.size()));
  EXPECT_EQ(r.Header("Transfer-Encoding"), "");
  EXPECT_EQ(r.body, Whole("/api/v1/query", small));
}

TEST_F(ApiStreamingHttpTest, GzipWhenAsked) {
  StartServer();
  for (const std::string& query :
       {std::string("query=up&start=1700000000&end=1700000600&step=0.06"),
        std::string("query=up&start=1700000000&end=1700000600&step=15")}) {
    RawResponse r = Fetch("/api/v1/query_range?" + query, true);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
    EXPECT_EQ(r.Header("Vary"), "Accept-Encoding");
    const std::string whole = Whole("/api/v1/query_range", query);
    EXPECT_LT(r.body.size(), whole.size());
    EXPECT_EQ(Gunzip(r.body), whole);
  }
  // Errors are API answers too.
  RawResponse e = Fetch("/api/v1/query?query=sum(", true);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.Header("Content-Encoding"), "gzip");
  EXPECT_THAT(Gunzip(e.body), ::testing::HasSubstr("\"bad_data\""));
  // Without Accept-Encoding, or refusing gzip: plain.
  RawResponse plain = Fetch("/api/v1/query?query=up", false);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");
  EXPECT_THAT(plain.body, ::testing::StartsWith("{\"status\":\"success\""));
  RawResponse refused =
      RawRequest(server_->port(), "GET", "/api/v1/query?query=up", "",
                 {"Accept-Encoding: gzip;q=0, identity"});
  EXPECT_EQ(refused.Header("Content-Encoding"), "");
}

}  // namespace
}  // namespace vigil::api::testing
