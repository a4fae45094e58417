#!/usr/bin/env python3
"""A smart-HTTP git server on 127.0.0.1 for the integration tests: git http-backend behind a
front that turns some requests away first.

Usage: git_server.py PROJECT_ROOT LOG_FILE MODE
MODE: 429 (the first request of each method and path gets 429 with Retry-After: 1),
503 (the same with 503 and no Retry-After), pass (nothing turned away), or the path of a
file holding one of those words, read at every request: when its word changes, every method
and path counts as new again.
Prints the port it listens on as its first line of stdout, then serves until killed. Every
request is appended to LOG_FILE as one JSON line: method, path, status.
"""
import http.server
import json
import os
import subprocess
import sys
import threading

root, log_path, mode_argument = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
seen = set()
last_mode = None


def current_mode():
    """The mode now; a change of the mode file's word forgets what was seen."""
    global last_mode
    if not mode_argument.startswith("/"):
        return mode_argument
    with open(mode_argument) as f:
        mode = f.read().strip()
    with lock:
        if mode != last_mode:
            seen.clear()
            last_mode = mode
    return mode


def log(method, path, status):
    with lock:
        with open(log_path, "a") as f:
            f.write(json.dumps({"method": method, "path": path, "status": status}) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def turned_away(self):
        mode = current_mode()
        path = self.path.split("?", 1)[0]
        key = (self.command, path)
        with lock:
            first = key not in seen
            seen.add(key)
        if mode == "pass" or not first:
            return False
        status = int(mode)
        body = b"slow down\n"
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        log(self.command, path, status)
        return True

    def backend(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(length) if length else b""
        if self.turned_away():
            return
        path, _, query = self.path.partition("?")
        env = dict(os.environ)
        env.update({
            "GIT_PROJECT_ROOT": root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_USER": "tester",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        })
        env.pop("LD_PRELOAD", None)
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = out.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        log(self.command, path, status)

    do_GET = backend
    do_POST = backend


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
