#!/usr/bin/env python3
"""Serves a sequence of protobuf exposition payloads on 127.0.0.1 for the
native histogram differential test.

  proto_payload_server.py DIR

DIR holds step-0.bin, step-1.bin, ... Each client (told apart by its
User-Agent's product, e.g. "vigil" or "Prometheus") gets the next step at
each scrape and the last one once it has had them all, so two scrapers that
start at different times still store the same samples (the payloads carry
explicit timestamps). GET /status answers {"<product>": <scrapes>, ...}.
The chosen port is written to DIR/port. Stops on SIGTERM."""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTENT_TYPE = ("application/vnd.google.protobuf; "
                "proto=io.prometheus.client.MetricFamily; encoding=delimited")


def main():
    root = sys.argv[1]
    steps = []
    while os.path.exists(os.path.join(root, "step-%d.bin" % len(steps))):
        with open(os.path.join(root, "step-%d.bin" % len(steps)), "rb") as f:
            steps.append(f.read())
    if not steps:
        sys.exit("no step-0.bin in " + root)
    counts = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/status":
                with lock:
                    body = json.dumps(counts).encode()
                ctype = "application/json"
            else:
                product = self.headers.get("User-Agent", "").split("/")[0]
                with lock:
                    n = counts.get(product, 0)
                    counts[product] = n + 1
                body = steps[min(n, len(steps) - 1)]
                ctype = CONTENT_TYPE
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = os.path.join(root, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, os.path.join(root, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
