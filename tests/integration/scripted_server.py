#!/usr/bin/env python3
"""A scripted HTTP/1.1 server on 127.0.0.1 for the integration tests.

Usage: scripted_server.py SCRIPT_FILE LOG_FILE
Prints the port it listens on as its first line of stdout, then serves until killed.

SCRIPT_FILE has one line per path:   /path: STEP | STEP | STEP
The n-th request to a path gets the n-th step; the last step repeats. A step is a status
code (or `close`: close the connection without a response; `reset`: reset it) followed by
modifiers:
  ra=VALUE      Retry-After: VALUE (ra=date+N / ra=date-N: an HTTP-date N seconds away)
  body=TEXT     the body (no spaces; %20 for a space)
  size=N        a body of N bytes, byte i being (i*31+7) % 251
  loc=URL       Location header
  hdr=Name:Val  any header (repeatable)
  delay=MS      wait before answering
  fill=N        N extra filler headers
  chunked       send the body with chunked transfer-encoding
  cutbody       promise the whole body, send half, close
Every request is appended to LOG_FILE as one JSON line: path, method, n (1-based),
body_len, body_sha256.
"""
import hashlib
import json
import socket
import sys
import threading
import time
from email.utils import formatdate

lock = threading.Lock()
counts = {}


def load_script(path):
    script = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            target, steps = line.split(":", 1)
            script[target.strip()] = [parse_step(s) for s in steps.split("|")]
    return script


def parse_step(text):
    tokens = text.split()
    step = {"kind": tokens[0], "headers": [], "flags": set()}
    for token in tokens[1:]:
        if "=" in token:
            key, value = token.split("=", 1)
            if key == "hdr":
                name, val = value.split(":", 1)
                step["headers"].append((name, val))
            else:
                step[key] = value
        else:
            step["flags"].add(token)
    return step


def pattern_body(size):
    block = bytes((i * 31 + 7) % 251 for i in range(251 * 64))
    out = bytearray()
    while len(out) < size:
        out += block
    # byte i depends on i only through i % 251, and len(block) is a multiple of 251
    return bytes(out[:size])


def retry_after_value(value):
    if value.startswith("date"):
        offset = int(value[4:])
        return formatdate(time.time() + offset, usegmt=True)
    return value.replace("%20", " ")


def read_request(conn, buffered):
    while b"\r\n\r\n" not in buffered:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buffered += chunk
    head, rest = buffered.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = b""
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        body, rest = rest[:length], rest[length:]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            while b"\r\n" not in rest:
                rest += conn.recv(65536)
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += conn.recv(65536)
            body += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                break
    return {"method": method, "target": target, "headers": headers, "body": body}, rest


def respond(conn, step, request):
    if "delay" in step:
        time.sleep(int(step["delay"]) / 1000.0)
    kind = step["kind"]
    if kind == "close":
        return False
    if kind == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        return False
    if kind == "garbage":
        conn.sendall(b"this is not HTTP at all\r\n\r\n")
        return False
    status = int(kind)
    if "size" in step:
        body = pattern_body(int(step["size"]))
    else:
        body = step.get("body", "status %d\n" % status).replace("%20", " ").encode()
    headers = [("Content-Type", "text/plain")]
    if "ra" in step:
        headers.append(("Retry-After", retry_after_value(step["ra"])))
    if "loc" in step:
        headers.append(("Location", step["loc"]))
    headers += step["headers"]
    for i in range(int(step.get("fill", 0))):
        headers.append(("X-Filler-%d" % i, "x" * 20))
    chunked = "chunked" in step["flags"]
    if chunked:
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body))))
    head = "HTTP/1.1 %d Scripted\r\n" % status
    head += "".join("%s: %s\r\n" % h for h in headers) + "\r\n"
    if request["method"] == "HEAD":
        body = b""
    if "cutbody" in step["flags"]:
        conn.sendall(head.encode("latin-1") + body[: len(body) // 2])
        return False
    if chunked:
        payload = b""
        for i in range(0, len(body), 1000):
            part = body[i:i + 1000]
            payload += b"%x\r\n" % len(part) + part + b"\r\n"
        payload += b"0\r\n\r\n"
    else:
        payload = body
    conn.sendall(head.encode("latin-1") + payload)
    return True


def serve_connection(conn, script, log_path):
    buffered = b""
    try:
        while True:
            request, buffered = read_request(conn, buffered)
            if request is None:
                return
            path = request["target"].split("?", 1)[0]
            if path.startswith("http://"):  # a proxy-style absolute target
                path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
            with lock:
                counts[path] = counts.get(path, 0) + 1
                n = counts[path]
                with open(log_path, "a") as log:
                    log.write(json.dumps({
                        "path": path, "method": request["method"], "n": n,
                        "body_len": len(request["body"]),
                        "body_sha256": hashlib.sha256(request["body"]).hexdigest(),
                    }) + "\n")
            steps = script.get(path, [parse_step("404")])
            step = steps[min(n, len(steps)) - 1]
            if not respond(conn, step, request):
                return
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


def main():
    script = load_script(sys.argv[1])
    log_path = sys.argv[2]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_connection, args=(conn, script, log_path),
                         daemon=True).start()


if __name__ == "__main__":
    main()
