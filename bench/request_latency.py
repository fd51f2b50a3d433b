#!/usr/bin/env python3
"""The fixed cost of an API request: times COUNT requests of one query on
one kept-alive connection per server (urlencoded POST, no compression, as
query_compare.py sends them), alternating servers in blocks, and prints the
median, 10th and 90th percentile per server in microseconds. For tiny
answers (`vector(1)`, one series) this is what a request costs beyond the
evaluation: connection handling, parsing, the engine's setup, the envelope.

usage: request_latency.py COUNT QUERY TIME NAME=PORT [NAME=PORT ...]
  QUERY: PromQL; TIME: unix seconds of the instant query, or START,END,STEP
  (unix seconds, seconds) for a range query.

Environment: BEFORE, a PromQL instant query sent (untimed, at TIME or at
END) before each timed request: a large one leaves the caches as
query_side_by_side.sh's set does for the small queries after it.
"""
import http.client
import os
import statistics
import sys
import time
import urllib.parse

BLOCK = 50


def main():
    count, query, at = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    servers = [arg.split("=", 1) for arg in sys.argv[4:]]
    if "," in at:
        start, end, step = at.split(",")
        path = "/api/v1/query_range"
        params = {"query": query, "start": start, "end": end, "step": step}
    else:
        path = "/api/v1/query"
        params = {"query": query, "time": at}
    body = urllib.parse.urlencode(params).encode()
    before = os.environ.get("BEFORE")
    before_body = None
    if before:
        before_body = urllib.parse.urlencode(
            {"query": before, "time": at.split(",")[1] if "," in at else at}
        ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    conns = {name: http.client.HTTPConnection("127.0.0.1", int(port))
             for name, port in servers}
    times = {name: [] for name, _ in servers}
    first = {}
    for name, _ in servers:  # warm up, and keep one answer to compare
        for _ in range(20):
            conns[name].request("POST", path, body, headers)
            resp = conns[name].getresponse()
            first[name] = (resp.status, resp.read())
    done = 0
    while done < count:
        n = min(BLOCK, count - done)
        for name, _ in servers:
            conn = conns[name]
            for _ in range(n):
                if before_body is not None:
                    conn.request("POST", "/api/v1/query", before_body,
                                 headers)
                    conn.getresponse().read()
                t0 = time.perf_counter()
                conn.request("POST", path, body, headers)
                resp = conn.getresponse()
                resp.read()
                times[name].append(time.perf_counter() - t0)
        done += n
    for name, _ in servers:
        t = sorted(times[name])
        q = statistics.quantiles(t, n=10)
        print(f"{name:12s} median {statistics.median(t) * 1e6:8.1f} us  "
              f"p10 {q[0] * 1e6:8.1f}  p90 {q[-1] * 1e6:8.1f}  "
              f"status {first[name][0]} {len(first[name][1])} bytes")


if __name__ == "__main__":
    main()
