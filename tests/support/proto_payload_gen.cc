// proto_payload_gen: writes DemoPayload (tests/support/proto_payload.h) to
// stdout, for the differential test's server and the fuzz seeds.
//   proto_payload_gen [--step N] [--pods N] [--timestamp-ms T]
//                     [--no-classic-buckets]
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "tests/support/proto_payload.h"

int main(int argc, char** argv) {
  vigil::testing::PayloadOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--step" && has_value) {
      o.step = std::atoi(argv[++i]);
    } else if (arg == "--pods" && has_value) {
      o.pods = std::atoi(argv[++i]);
    } else if (arg == "--timestamp-ms" && has_value) {
      o.timestamp_ms = std::atoll(argv[++i]);
    } else if (arg == "--no-classic-buckets") {
      o.with_classic_buckets = false;
    } else {
      std::cerr << "usage: proto_payload_gen [--step N] [--pods N] "
                   "[--timestamp-ms T] [--no-classic-buckets]\n";
      return 2;
    }
  }
  std::cout << vigil::testing::DemoPayload(o);
  return std::cout.good() ? 0 : 1;
}
