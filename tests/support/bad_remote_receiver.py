#!/usr/bin/env python3
"""A remote write receiver that misbehaves, for remote_write_bad_receiver_test.

Usage: bad_remote_receiver.py MODE PORT_FILE
  garbage  answers each request with the next of ANSWERS (in a cycle): bad
           statuses, bodies that are not HTTP, huge or cut-off bodies,
           connections closed early.
  hang     reads each request and never answers (the connection stays
           open until the client gives up).
Binds 127.0.0.1 on a free port and writes it to PORT_FILE. Counts the
requests it read in PORT_FILE.requests (rewritten after each).
"""
import socket
import sys
import threading

BIG = b"\x00\xff" * (1 << 20)  # 2 MiB of binary
ANSWERS = [
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nboom!",
    b"this is not HTTP at all\r\n\r\n",
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n" % len(BIG) + BIG,
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ncut short",
    b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: banana\r\n"
    b"Content-Length: 0\r\n\r\n",
    b"",  # closed without a word
    b"HTTP/1.1 999 Whatever\r\nContent-Length: 3\r\n\r\n\x00\x01\x02",
    b"HTTP/1.1 204 No Content\r\n\r\n",
]

mode = sys.argv[1]
port_file = sys.argv[2]
lock = threading.Lock()
state = {"requests": 0}


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True


def serve(conn):
    with conn:
        try:
            if not read_request(conn):
                return
            with lock:
                n = state["requests"]
                state["requests"] += 1
                with open(port_file + ".requests", "w") as f:
                    f.write(str(n + 1))
            if mode == "hang":
                # Until the client closes its end.
                while conn.recv(65536):
                    pass
                return
            conn.sendall(ANSWERS[n % len(ANSWERS)])
        except OSError:
            pass


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
