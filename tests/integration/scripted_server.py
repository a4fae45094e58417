#!/usr/bin/env python3
"""A scripted HTTP/1.1 server on 127.0.0.1 for the integration tests.

Usage: scripted_server.py SCRIPT_FILE LOG_FILE
Prints the port it listens on as its first line of stdout, then serves until killed.

SCRIPT_FILE has one line per path:   /path: STEP | STEP | STEP
The n-th request to a path gets the n-th step; the last step repeats. A step is a status
code (or `close`: close the connection without a response; `reset`: reset it; `garbage`: send
the line "this is not HTTP at all" and a blank line, then close) followed by modifiers:
  ra=VALUE      Retry-After: VALUE (ra=date+N / ra=date-N: an HTTP-date N seconds away;
                %20 for a space, so any text can be sent)
  body=TEXT     the body (no spaces; %20 for a space)
  size=N        a body of N bytes, byte i being (i*31+7) % 251
  loc=URL       Location header
  hdr=Name:Val  any header (repeatable)
  rawhdr=TEXT   one header line sent verbatim, colon or not (%20 for a space; repeatable)
  delay=MS      wait before answering
  fill=N        N extra filler headers
  rawstatus=TEXT  send TEXT (%20 for a space) as the status line instead of
                "HTTP/1.1 CODE Scripted"; the step's code still picks the default body
  chunked       send the body with chunked transfer-encoding
  trailer=N:V   with chunked: end the body with the trailer line "N: V"
  gzip          gzip the body (deterministically: no name, no time) and send
                Content-Encoding: gzip; Content-Length is the compressed length
  cutbody       promise the whole body, send half, close
  stallbody     promise the whole body, send half, then hold the connection open and send
                nothing more (until the server is stopped)
  cuthead       send the status line and the first half of the bytes of the header block
                (usually ending inside a line), close
  badchunk      chunked, but after the first half of the body (one chunk) the next chunk
                size is "zz" (not hex); then close
Headers go out in this order: Content-Type, Content-Encoding, Retry-After, Location, hdr=,
rawhdr=, fillers, Transfer-Encoding or Content-Length. No Date header is ever sent, so two
runs of one script give byte-identical responses.
Every request is appended to LOG_FILE as one JSON line: path, method, n (1-based),
body_len, body_sha256, and the request's Host and Idempotency-Key headers (host, key; ""
when absent).
A CONNECT request is answered "200 Connection established" and the connection then serves
the requests that follow, as a proxy's tunnel to this server would (curl --proxytunnel).
With SCRIPTED_SERVER_TLS=CERT_FILE:KEY_FILE in the environment it speaks HTTPS instead.
"""
import gzip
import hashlib
import json
import os
import socket
import ssl
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
            elif key == "rawhdr":
                step.setdefault("rawhdrs", []).append(value.replace("%20", " "))
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
    if "gzip" in step["flags"]:
        body = gzip.compress(body, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    if "ra" in step:
        headers.append(("Retry-After", retry_after_value(step["ra"])))
    if "loc" in step:
        headers.append(("Location", step["loc"]))
    headers += step["headers"]
    lines = ["%s: %s" % h for h in headers] + step.get("rawhdrs", [])
    for i in range(int(step.get("fill", 0))):
        lines.append("X-Filler-%d: %s" % (i, "x" * 20))
    badchunk = "badchunk" in step["flags"]
    chunked = "chunked" in step["flags"] or badchunk
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append("Content-Length: %d" % len(body))
    status_line = step.get("rawstatus", "HTTP/1.1 %d Scripted" % status).replace("%20", " ")
    head = status_line + "\r\n" + "".join(line + "\r\n" for line in lines) + "\r\n"
    if request["method"] == "HEAD":
        body = b""
    if "cuthead" in step["flags"]:
        header_block = head[len(status_line) + 2:]
        conn.sendall((status_line + "\r\n" + header_block[: len(header_block) // 2])
                     .encode("latin-1"))
        return False
    if "cutbody" in step["flags"] or "stallbody" in step["flags"]:
        conn.sendall(head.encode("latin-1") + body[: len(body) // 2])
        if "stallbody" in step["flags"]:
            time.sleep(3600)
        return False
    if badchunk:
        half = body[: len(body) // 2]
        payload = (b"%x\r\n" % len(half) + half + b"\r\n") if half else b""
        conn.sendall(head.encode("latin-1") + payload + b"zz\r\n" + body[len(half):])
        return False
    if chunked:
        payload = b""
        for i in range(0, len(body), 1000):
            part = body[i:i + 1000]
            payload += b"%x\r\n" % len(part) + part + b"\r\n"
        trailer = step.get("trailer", "")
        if trailer:
            name, _, value = trailer.partition(":")
            payload += b"0\r\n%s: %s\r\n\r\n" % (name.encode(), value.encode())
        else:
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
            if request["method"] == "CONNECT":
                # A proxy's tunnel, played by the server itself: the requests that follow on
                # this connection are served as if they had come through it.
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                continue
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
                        "host": request["headers"].get("host", ""),
                        "key": request["headers"].get("idempotency-key", ""),
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
    tls = None
    if os.environ.get("SCRIPTED_SERVER_TLS"):
        cert, key = os.environ["SCRIPTED_SERVER_TLS"].split(":", 1)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_tls if tls else serve_connection,
                         args=(conn, script, log_path) + ((tls,) if tls else ()),
                         daemon=True).start()


def serve_tls(conn, script, log_path, tls):
    try:
        conn = tls.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()
        return
    serve_connection(conn, script, log_path)


if __name__ == "__main__":
    main()
