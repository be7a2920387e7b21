#!/usr/bin/env bash
# bench-dynamodb.sh — side-by-side DynamoDB benchmark: the embedded DynamoDB
# of `sfapi dev` (durable, on disk) against dynalite (npm, in memory), driven
# by the same aws-sdk-go-v2 client (scripts/ddbbench) in the same run.
#
# Usage: scripts/bench-dynamodb.sh [ddbbench flags...]
#   e.g. scripts/bench-dynamodb.sh -duration 5s -clients 1,8,32
#
# Environment:
#   DYNALITE_VERSION   npm version spec of dynalite (default: latest)
#   SFAPI_BIN          use this sfapi binary instead of building ./cmd/sfapi
#   BASELINE_SFAPI     path of another sfapi binary to run as a third target
#                      named "baseline" (e.g. a build of an older commit)
#   SFAPI_STREAM=1     give the sfapi tables a stream, as an sfapi project's
#                      tables usually have (dynalite has no streams)
#   SERVER_CPUS, CLIENT_CPUS
#                      taskset CPU lists: run every server on SERVER_CPUS
#                      and ddbbench on CLIENT_CPUS (e.g. 1 and 0 on two
#                      cores), so client and server stop competing for the
#                      same cores; unset, all of them share every core
#
# Every row reports the server's CPU per call (from /proc/PID/stat) and the
# client's own (ddbbench's rusage): on shared cores the throughput is about
# cores / (client µs + server µs), so the client's cost bounds how far a
# cheaper server can pull ahead of another.
#
# Needs Go and Node.js (npm) on PATH. It is a script, not a test: CI does not
# run it. Prints the machine, the command and a comparison table.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-dynamodb.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building sfapi and ddbbench..." >&2
sfapi_bin=${SFAPI_BIN:-$work/sfapi}
if [ -z "${SFAPI_BIN:-}" ]; then
	(cd "$root" && go build -o "$work/sfapi" ./cmd/sfapi)
fi
(cd "$root" && go build -o "$work/ddbbench" ./scripts/ddbbench)

echo "installing dynalite${DYNALITE_VERSION:+@$DYNALITE_VERSION} from npm..." >&2
mkdir -p "$work/dynalite"
(cd "$work/dynalite" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "dynalite@${DYNALITE_VERSION:-latest}" >/dev/null)
dynalite_version=$(node -p "require('$work/dynalite/node_modules/dynalite/package.json').version")

server_pin=() client_pin=()
[ -n "${SERVER_CPUS:-}" ] && server_pin=(taskset -c "$SERVER_CPUS")
[ -n "${CLIENT_CPUS:-}" ] && client_pin=(taskset -c "$CLIENT_CPUS")

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# A project with no tables, routes or pipes: the benchmark creates its own.
start_sfapi() { # NAME BINARY -> sets REPLY to NAME=URL@PID
	local name=$1 bin=$2 dir="$work/$1"
	mkdir -p "$dir"
	printf 'name: bench\napi:\n  openapi: openapi.yaml\n' >"$dir/sfapi.yaml"
	printf 'openapi: 3.0.1\ninfo: {title: bench, version: "1"}\npaths: {}\n' >"$dir/openapi.yaml"
	"${server_pin[@]}" "$bin" dev --project "$dir" --api-addr 127.0.0.1:0 --aws-addr 127.0.0.1:0 --ws-addr 127.0.0.1:0 \
		>"$dir/stdout" 2>"$dir/stderr" &
	local pid=$!
	pids+=("$pid")
	local url=""
	for _ in $(seq 100); do
		url=$(awk '$1 == "ready" && $2 == "aws" {print $3}' "$dir/stdout" 2>/dev/null || true)
		[ -n "$url" ] && break
		sleep 0.05
	done
	[ -n "$url" ] || { cat "$dir/stderr" >&2; echo "sfapi dev ($name) did not start" >&2; exit 1; }
	REPLY="$name=$url@$pid"
}

start_sfapi sfapi "$sfapi_bin"
targets=(-target "$REPLY")
if [ -n "${BASELINE_SFAPI:-}" ]; then
	start_sfapi baseline "$BASELINE_SFAPI"
	targets+=(-target "$REPLY")
fi

port=$(free_port)
"${server_pin[@]}" node "$work/dynalite/node_modules/dynalite/cli.js" --port "$port" >"$work/dynalite.log" 2>&1 &
dpid=$!
pids+=("$dpid")
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
	sleep 0.05
done
targets+=(-target "dynalite=http://127.0.0.1:$port@$dpid")

stream=()
[ "${SFAPI_STREAM:-}" = 1 ] && stream=(-stream)

echo "## Machine"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- memory: $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); disk: $(df -T "$work" | awk 'NR==2 {print $2}')"
echo "- $(go version | cut -d' ' -f3-4), $(node --version | sed 's/^/node /'), dynalite $dynalite_version"
echo "- command: scripts/bench-dynamodb.sh $*"
echo "- CPUs: servers ${SERVER_CPUS:-all}, client ${CLIENT_CPUS:-all}"
echo
"${client_pin[@]}" "$work/ddbbench" "${targets[@]}" "${stream[@]}" "$@"
echo
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
