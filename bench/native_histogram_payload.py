#!/usr/bin/env python3
"""Serves a history of histograms in the protobuf exposition format, one
step per scrape, so that two servers scraping it fast fill their stores
with the same hours of data at explicit timestamps.

Every one of SERIES series of the job gets OBS random observations per
step (a log-normal of its own median), recorded twice: as a classic
histogram `request_duration_seconds` (12 buckets, the ones of
bench/query_data.py) and as a native histogram
`request_duration_native_seconds` of schema 3 (integer counts, the default
zero threshold of client_golang). The two describe the same observations,
so `histogram_quantile` over either estimates the same distribution.

Every step is made before the server listens: made on demand, a step of
1000 series takes longer than a 1 s scrape timeout, and a scrape that
times out would still have used up its step.

A client (told apart by its User-Agent) gets step 0 on its first scrape,
step 1 on its second, and so on; past the last step it gets the last one
again (same timestamps: duplicates a server ignores). /progress answers
how many scrapes each client made, as JSON.

usage: native_histogram_payload.py PORT SERIES STEPS STEP_SECONDS END_UNIX
  The last step is at END_UNIX, the first STEPS-1 steps of STEP_SECONDS
  before it.
"""
import http.server
import json
import math
import random
import struct
import sys
import threading

CLASSIC_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
SCHEMA = 3
ZERO_THRESHOLD = 2.938735877055719e-39  # client_golang's default
OBS = 20
ROUTES = 10
HISTOGRAM = 4  # MetricType


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def key(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, n):
    return key(field, 0) + varint(n)


def f_double(field, x):
    return key(field, 1) + struct.pack('<d', x)


def f_bytes(field, b):
    return key(field, 2) + varint(len(b)) + b


def label_pair(name, value):
    return f_bytes(1, name.encode()) + f_bytes(2, value.encode())


def native_index(v):
    # Bucket i of schema s holds (2^((i-1)/2^s), 2^(i/2^s)].
    return math.ceil(math.log2(v) * (1 << SCHEMA))


class Series:
    def __init__(self, j, rng):
        self.labels = [('instance', 'app-%04d:8080' % j), ('job', 'app'),
                       ('route', '/r%d' % (j % ROUTES))]
        self.mu = math.log(0.05 * (1 + j % 7))
        self.classic = [0] * (len(CLASSIC_BOUNDS) + 1)
        self.native = {}
        self.count = 0
        self.sum = 0.0
        self.rng = rng

    def observe(self):
        for _ in range(OBS):
            v = self.rng.lognormvariate(self.mu, 1.0)
            self.count += 1
            self.sum += v
            i = 0
            while i < len(CLASSIC_BOUNDS) and v > CLASSIC_BOUNDS[i]:
                i += 1
            self.classic[i] += 1
            n = native_index(v)
            self.native[n] = self.native.get(n, 0) + 1

    def classic_metric(self, ts_ms):
        h = f_varint(1, self.count) + f_double(2, self.sum)
        cumulative = 0
        for bound, c in zip(CLASSIC_BOUNDS, self.classic):
            cumulative += c
            h += f_bytes(3, f_varint(1, cumulative) + f_double(2, bound))
        return self.metric(h, ts_ms)

    def native_metric(self, ts_ms):
        h = f_varint(1, self.count) + f_double(2, self.sum)
        h += key(5, 0) + varint(zigzag(SCHEMA))
        h += f_double(6, ZERO_THRESHOLD)
        h += f_varint(7, 0)
        if self.native:
            lo, hi = min(self.native), max(self.native)
            # One span over every bucket between the lowest and the highest
            # populated one: empty ones inside it have count 0.
            span = key(1, 0) + varint(zigzag(lo)) + f_varint(2, hi - lo + 1)
            h += f_bytes(12, span)
            prev = 0
            for i in range(lo, hi + 1):
                c = self.native.get(i, 0)
                h += key(13, 0) + varint(zigzag(c - prev))
                prev = c
        return self.metric(h, ts_ms)

    def metric(self, histogram, ts_ms):
        m = b''.join(f_bytes(1, label_pair(n, v)) for n, v in self.labels)
        m += f_bytes(7, histogram) + f_varint(6, ts_ms)
        return m


def family(name, help_text, metrics):
    body = f_bytes(1, name.encode()) + f_bytes(2, help_text.encode())
    body += f_varint(3, HISTOGRAM)
    body += b''.join(f_bytes(4, m) for m in metrics)
    return varint(len(body)) + body


class History:
    """Every step's payload, made up front."""

    def __init__(self, series, steps, step_s, end_s):
        rng = random.Random(20261207)
        all_series = [Series(j, rng) for j in range(series)]
        self.steps = steps
        first_ms = (end_s - (steps - 1) * step_s) * 1000
        self.payloads = []
        for k in range(steps):
            ts = first_ms + k * step_s * 1000
            for s in all_series:
                s.observe()
            self.payloads.append(
                family('request_duration_seconds',
                       'Request latency (classic buckets).',
                       [s.classic_metric(ts) for s in all_series]) +
                family('request_duration_native_seconds',
                       'Request latency (native buckets).',
                       [s.native_metric(ts) for s in all_series]))
        self.next = {}
        self.lock = threading.Lock()

    def payload_for(self, client):
        with self.lock:
            scrapes = self.next.get(client, 0)
            self.next[client] = scrapes + 1
        return self.payloads[min(scrapes, self.steps - 1)]

    def progress(self):
        with self.lock:
            return dict(self.next)


def main():
    port, series, steps, step_s, end_s = (int(a) for a in sys.argv[1:6])
    history = History(series, steps, step_s, end_s)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):
            if self.path == '/progress':
                body = json.dumps(history.progress()).encode()
                ctype = 'application/json'
            else:
                body = history.payload_for(self.headers.get('User-Agent', ''))
                ctype = ('application/vnd.google.protobuf; '
                         'proto=io.prometheus.client.MetricFamily; '
                         'encoding=delimited')
            self.send_response(200)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler)
    server.serve_forever()


if __name__ == '__main__':
    main()
