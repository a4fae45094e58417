#!/usr/bin/env python3
"""A rate-limiting HTTP/1.1 server on 127.0.0.1 for the coordination tests.

Usage: limiter_server.py RATE BURST LOG_FILE [MODE...]
Prints its port as its first line of stdout, then serves until killed. Every request is judged
by a leaky bucket like nginx's limit_req with nodelay: RATE requests a second with BURST
more at once; an excess request gets 429. Each request is logged as one line
"TIME STATUS PATH" (TIME: time.monotonic(), shared with the processes of the test).
Modes:
  retry-after=N   the 429s carry Retry-After: N
  headers         every response carries RateLimit-Limit/-Remaining/-Reset for a window of
                  one second holding RATE requests (the bucket still decides)
Paths: /fail/on makes every later request to other paths a 503 without Retry-After (not
limited); /fail/off ends that. Neither is logged or limited.
"""
import socket
import sys
import threading
import time

rate = float(sys.argv[1])
burst = int(sys.argv[2])
log_path = sys.argv[3]
modes = sys.argv[4:]
retry_after = None
headers = False
for mode in modes:
    if mode.startswith("retry-after="):
        retry_after = mode.split("=", 1)[1]
    elif mode == "headers":
        headers = True

lock = threading.Lock()
state = {"excess": 0.0, "last": None, "fail": False, "window": None, "used": 0}
log = open(log_path, "a", buffering=1)


def judge(now):
    """limit_req: excess drains at rate; a request passes when excess <= burst after it."""
    if state["last"] is not None:
        state["excess"] = max(0.0, state["excess"] - (now - state["last"]) * rate)
    state["last"] = now
    if state["excess"] + 1 > burst + 1:
        return 429
    state["excess"] += 1
    return 200


def window_headers(now):
    if state["window"] is None or now - state["window"] >= 1.0:
        state["window"] = now
        state["used"] = 0
    state["used"] += 1
    remaining = max(0, int(rate) - state["used"])
    reset = max(1, int(round(1.0 - (now - state["window"]) + 0.499)))
    return ("RateLimit-Limit: %d\r\nRateLimit-Remaining: %d\r\nRateLimit-Reset: %d\r\n"
            % (int(rate), remaining, reset))


def respond(conn, path):
    extra = ""
    with lock:
        now = time.monotonic()
        if path == "/fail/on" or path == "/fail/off":
            state["fail"] = path == "/fail/on"
            status = 200
        elif state["fail"]:
            status = 503
            log.write("%.6f %d %s\n" % (now, status, path))
        else:
            status = judge(now)
            if headers:
                extra += window_headers(now)
            if status == 429 and retry_after is not None:
                extra += "Retry-After: %s\r\n" % retry_after
            log.write("%.6f %d %s\n" % (now, status, path))
    body = b"ok\n" if status == 200 else b"no\n"
    conn.sendall(("HTTP/1.1 %d X\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n"
                  % (status, len(body), extra)).encode() + body)


def serve(conn):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        path = data.split(b" ", 2)[1].decode()
        respond(conn, path)
    except OSError:
        pass
    finally:
        conn.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(512)
print(listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
