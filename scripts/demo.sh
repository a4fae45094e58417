#!/usr/bin/env bash
# Shows the main job: unmodified curl against a local rate-limited API, first failing on the
# 429, then recovering under tryagain with the retry log on.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
make -s all

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
# An API that rate-limits twice (once with Retry-After: 1), then answers.
cat >"$work/script" <<'SCRIPT'
/v1/reply: 429 ra=1 body={"error":"rate_limited"} | 503 body={"error":"overloaded"} | 200 body={"reply":"hello"}
/v2/reply: 429 ra=1 body={"error":"rate_limited"} | 503 body={"error":"overloaded"} | 200 body={"reply":"hello"}
SCRIPT
python3 tests/integration/scripted_server.py "$work/script" "$work/requests.log" >"$work/port" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -n1 "$work/port")

echo "== without tryagain: curl fails on the first 429"
curl -s -w '  (HTTP %{http_code})\n' "http://127.0.0.1:$port/v1/reply?api_key=secret" || true

echo
echo "== with tryagain: the same unmodified curl, with the retry log on"
LD_PRELOAD="$PWD/build/libtryagain.so" TRYAGAIN_LOG=1 TRYAGAIN_BASE_DELAY_MS=200 \
    curl -s -w "  (HTTP %{http_code})\n" "http://127.0.0.1:$port/v2/reply?api_key=secret" 2>&1
echo
echo "The server saw $(grep -c '"/v2/reply"' "$work/requests.log") requests for that one curl call; curl saw one response."
