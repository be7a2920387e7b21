#!/usr/bin/env bash
# bench-stepfunctions.sh — side-by-side Step Functions benchmark: the
# embedded engine of `sfapi dev` (internal/emulator/asl, in process) against
# aws-local-stepfunctions (npm, in one node process), on the same EXPRESS
# Pass → Choice → Succeed machine, one execution at a time and 32 at a time.
# Then the STANDARD durable benchmark (every transition persisted, fsync'd
# group commits; goal ≥ 10,000 executions/s).
#
# Usage: scripts/bench-stepfunctions.sh [seconds per phase, default 5]
#
# Environment:
#   ALS_VERSION   npm version of aws-local-stepfunctions (default 3.0.0)
#   GO_CPUS       GOMAXPROCS values for the Go runs (default "1,2"; node runs
#                 JavaScript on one core, so -cpu 1 is the like-for-like figure)
#   SKIP_STANDARD=1  skip the STANDARD durable benchmark
#
# Needs Go and Node.js (npm) on PATH; the npm registry must be reachable. It
# is a script, not a test: CI does not run it. Report the load average with
# the figures (it is printed): the machine is often shared.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
als_version=${ALS_VERSION:-3.0.0}
go_cpus=${GO_CPUS:-1,2}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-stepfunctions.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "# $(date -u +%FT%TZ) $(uname -m) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# go $(go env GOVERSION), node $(node --version), aws-local-stepfunctions $als_version"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error \
	"aws-local-stepfunctions@$als_version" >/dev/null 2>&1) || {
	echo "npm install aws-local-stepfunctions@$als_version failed" >&2
	exit 1
}
cp "$root/scripts/sfnbench/bench.mjs" "$work/"

node_out=$(cd "$work" && node bench.mjs "$secs")
go_out=$(cd "$root" && go test -run '^$' -bench '^BenchmarkExpressSideBySide$' -benchtime "${secs}s" \
	-cpu "$go_cpus" ./internal/emulator/asl/)
echo "# load average after EXPRESS runs: $(cut -d' ' -f1-3 /proc/loadavg)"

# node lines: {"impl":..,"phase":"sequential","execsPerSec":N,"execsPerCpuSec":N,...}
node_rate() { # phase field
	echo "$node_out" | grep "\"phase\":\"$1\"" | sed -E "s/.*\"$2\":([0-9]+).*/\1/"
}
# go lines: BenchmarkExpressSideBySide/sequential-2  N  ns/op  X execs/cpu-s  Y execs/s ...
go_rate() { # sub-benchmark suffix unit
	echo "$go_out" | awk -v name="BenchmarkExpressSideBySide/$1" -v unit="$2" \
		'$1 == name { for (i = 2; i < NF; i++) if ($(i+1) == unit) { printf "%d", $i; exit } }'
}

printf '\n%-14s %-8s %14s %14s %14s %8s\n' "phase" "GOMAXPROCS" "sfapi execs/s" "node execs/s" "sfapi cpu-s⁻¹" "ratio"
for phase in sequential concurrent32; do
	n=$(node_rate "$phase" execsPerSec)
	ncpu=$(node_rate "$phase" execsPerCpuSec)
	IFS=, read -ra cpus <<<"$go_cpus"
	for c in "${cpus[@]}"; do
		suffix=$phase
		[ "$c" != 1 ] && suffix="$phase-$c"
		g=$(go_rate "$suffix" execs/s)
		gcpu=$(go_rate "$suffix" execs/cpu-s)
		ratio=$(awk -v a="$g" -v b="$n" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "?" }')
		printf '%-14s %-10s %14s %14s %14s %8s\n' "$phase" "$c" "$g" "$n" "$gcpu" "$ratio"
	done
	echo "  (node: $ncpu executions per CPU-second)"
done

if [ "${SKIP_STANDARD:-}" != 1 ]; then
	echo
	echo "# STANDARD durable (256 concurrent submitters, every transition persisted)"
	(cd "$root" && go test -run '^$' -bench '^BenchmarkStandardDurable$' -benchtime "${secs}s" ./internal/emulator/asl/) |
		grep -E '^Benchmark'
	echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
