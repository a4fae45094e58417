#!/usr/bin/env bash
# Helpers shared by the benchmark scripts; sourced, never run. Installs what is missing, finds a
# free port on 127.0.0.1, and runs private nginx instances (a config in a temporary directory,
# `daemon off;`, in the background) that are stopped when the sourcing script exits.

# Run as root: directly when root, else through sudo.
bench_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# bench_need COMMAND PACKAGE...: install PACKAGE... with apt-get when COMMAND is not found.
bench_need() {
    local command=$1
    shift
    command -v "$command" >/dev/null 2>&1 && return 0
    [ -x "/usr/sbin/$command" ] && return 0
    echo "bench: installing $* (for $command)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "${BENCH_APT_UPDATED:-}" ]; then
        bench_as_root apt-get update -qq
        BENCH_APT_UPDATED=1
    fi
    bench_as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# nginx lives in /usr/sbin, which a non-root PATH may lack.
bench_nginx_bin() {
    command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}

bench_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

BENCH_PIDS=()
BENCH_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/tryagain-bench.XXXXXX")
chmod 755 "$BENCH_ROOT"

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    BENCH_PIDS=()
    rm -rf "$BENCH_ROOT"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_tempdir() { # prints a new directory under BENCH_ROOT, removed at exit
    local dir
    dir=$(mktemp -d "$BENCH_ROOT/XXXXXX")
    chmod 755 "$dir"
    echo "$dir"
}

# bench_nginx_start DIR PORT HTTP_EXTRA LOCATION_BODY
# Writes DIR/nginx.conf (one worker, access log DIR/access.log with "$msec $status"), serves
# DIR/html/ on 127.0.0.1:PORT, waits until it answers on /ready (not logged, not limited).
# Sets NGINX_PID.
bench_nginx_start() {
    local dir=$1 port=$2 http_extra=$3 location=$4 user_line=""
    [ "$(id -u)" -eq 0 ] && user_line="user root;"
    mkdir -p "$dir/html" "$dir/tmp"
    [ -f "$dir/html/index.html" ] || printf 'hello from nginx\n' >"$dir/html/index.html"
    : >"$dir/access.log"
    cat >"$dir/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    log_format herd '\$msec \$status';
    access_log $dir/access.log herd;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type text/plain;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    $http_extra
    server {
        listen 127.0.0.1:$port;
        root $dir/html;
        location / {
            $location
        }
        location = /ready {
            access_log off;
            return 204;
        }
    }
}
EOF
    "$(bench_nginx_bin)" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
    NGINX_PID=$!
    BENCH_PIDS+=("$NGINX_PID")
    local _
    for _ in $(seq 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null; then
            return 0
        fi
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "bench: nginx did not start; its error log:" >&2
    cat "$dir/error.log" >&2 || true
    return 1
}

bench_nginx_stop() {
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    local kept=() pid
    for pid in "${BENCH_PIDS[@]}"; do
        [ "$pid" = "$NGINX_PID" ] || kept+=("$pid")
    done
    BENCH_PIDS=("${kept[@]}")
}

# bench_median NUMBER...: prints the median
bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
