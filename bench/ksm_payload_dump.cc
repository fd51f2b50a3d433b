// Writes the synthetic kube-state-metrics payload of ksm_payload.h to a file,
// so that vigil and Prometheus can be made to scrape the very same bytes
// (bench/side_by_side.sh serves it over HTTP).
//
// usage: ksm_payload_dump [pods=10000] [out=ksm_payload.prom]

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "bench/ksm_payload.h"

int main(int argc, char** argv) {
  int pods = 10000;
  if (argc > 1 && (!absl::SimpleAtoi(argv[1], &pods) || pods <= 0)) {
    absl::FPrintF(stderr, "ksm_payload_dump: bad pod count %s\n", argv[1]);
    return 2;
  }
  const std::string path = argc > 2 ? argv[2] : "ksm_payload.prom";

  const vigil::bench::KsmPayload payload =
      vigil::bench::KsmPayloadBuilder(pods).Build();

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(payload.text.data(),
            static_cast<std::streamsize>(payload.text.size()));
  out.close();
  // A short write would silently shrink the comparison, so fail loudly.
  if (!out) {
    absl::FPrintF(stderr, "ksm_payload_dump: cannot write %s\n", path);
    return 1;
  }
  // Machine-readable on purpose: side_by_side.sh parses this line.
  absl::PrintF("pods=%d series=%d families=%d bytes=%d path=%s\n", pods,
               payload.series, payload.families, payload.text.size(), path);
  return 0;
}
