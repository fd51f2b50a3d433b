#!/usr/bin/env python3
"""A one-connection-at-a-time HTTP proxy for the query API that stops the
server behind it "mid-way": it forwards POSTs to UPSTREAM until one asks
for a `time` later than CUTOFF (unix seconds); then it sends SIGTERM to
PID (the server), drops that request without an answer and stops
listening, so every later request is refused. Writes its port to
PORT_FILE once it listens.

usage: stopping_proxy.py UPSTREAM CUTOFF PID PORT_FILE
"""
import http.server
import os
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request

upstream, cutoff, pid, port_file = (sys.argv[1], float(sys.argv[2]),
                                    int(sys.argv[3]), sys.argv[4])
stopped = False


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global stopped
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        form = urllib.parse.parse_qs(body.decode())
        if float(form.get("time", ["0"])[0]) > cutoff:
            os.kill(pid, signal.SIGTERM)
            stopped = True
            self.close_connection = True
            return
        req = urllib.request.Request(
            upstream + self.path, data=body,
            headers={"Content-Type": self.headers.get("Content-Type", "")})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, answer = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, answer = e.code, e.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
while not stopped:
    server.handle_request()
server.server_close()
