#!/usr/bin/env python3
"""A loopback stand-in for the peers of vigil's shell tests, driven by files
in one directory so a test changes what it serves by rewriting them:

  GET  /api/v1/pods   -> pods.json (a PodList); status from pods.status,
                         after pods.delay seconds when that file exists
  GET  /metrics       -> ksm.prom (kube-state-metrics' text exposition)
  POST /report        -> stores the body in report.json and the kh-run-uuid
                         header in report.uuid (a Kuberhealthy receiver);
                         answers the status in report.status (default 200)

Usage: fake_kube_peer.py DIR; writes the port it listens on to DIR/port.
Query strings (limit, continue) are ignored: one page holds every pod.
"""
import http.server
import os
import sys
import time

DIR = sys.argv[1]


def read(name, default=None):
    try:
        with open(os.path.join(DIR, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/api/v1/pods":
            time.sleep(float(read("pods.delay", b"0")))
            status = int(read("pods.status", b"200"))
            self.answer(status, read("pods.json", b"{}"), "application/json")
        elif path == "/metrics":
            self.answer(200, read("ksm.prom", b""), "text/plain; version=0.0.4")
        else:
            self.answer(404, b"not found\n", "text/plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/report":
            self.answer(404, b"not found\n", "text/plain")
            return
        with open(os.path.join(DIR, "report.json.tmp"), "wb") as f:
            f.write(body)
        with open(os.path.join(DIR, "report.uuid"), "w") as f:
            f.write(self.headers.get("kh-run-uuid", ""))
        os.replace(os.path.join(DIR, "report.json.tmp"),
                   os.path.join(DIR, "report.json"))
        self.answer(int(read("report.status", b"200")), b"{}", "application/json")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.replace(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
