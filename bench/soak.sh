#!/usr/bin/env bash
# soak.sh: a long run of wms-mock load against the reference receiver with
# its events file, to show that nothing leaks and nothing is lost.
#
#   bench/soak.sh                                  # 10 minutes at 1000 events/s
#   DURATION=30m RATE=2000 CONCURRENCY=100 bench/soak.sh
#
# It samples both processes' RSS every 10 s, stops the receiver gracefully at
# the end, and checks the events file: as many lines as deliveries answered
# 2xx, each (sessionId, sequence) once. It prints the figures and exits 1 when
# a check fails. Loopback only; not part of CI.
set -euo pipefail

DURATION=${DURATION:-10m}
RATE=${RATE:-1000}
CONCURRENCY=${CONCURRENCY:-100}

cd "$(dirname "$0")/.."
source bench/lib.sh
need curl jq python3 pkill
work=$(mktemp -d)
recv_pid=
samplers=()
# stop_samplers ends the RSS samplers and the sleep each may be in.
stop_samplers() {
	local p
	for p in "${samplers[@]}"; do
		pkill -TERM -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	samplers=()
}
cleanup() {
	stop_samplers
	if [[ -n $recv_pid ]]; then
		kill "$recv_pid" 2>/dev/null || true
		wait "$recv_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

WMS_MAC_SECRET="soak-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export WMS_MAC_SECRET
go build -o "$work/wms-mock" ./cmd/wms-mock

port=$(free_port)
events=$work/events.jsonl
"$work/wms-mock" receive --listen "127.0.0.1:$port" --events "$events" >"$work/receive.out" 2>"$work/receive.log" &
recv_pid=$!
wait_healthy "http://127.0.0.1:$port/healthz"
sample_rss "$recv_pid" "$work/receiver.rss" &
samplers+=($!)

echo "soak: $DURATION at $RATE events/s (at most $CONCURRENCY in flight) against wms-mock receive --events"
"$work/wms-mock" load --url "http://127.0.0.1:$port/webhook" --duration "$DURATION" \
	--rate "$RATE" --concurrency "$CONCURRENCY" --json >"$work/load.json" &
load_pid=$!
sample_rss "$load_pid" "$work/load.rss" &
samplers+=($!)
load_code=0
wait "$load_pid" || load_code=$?

kill -TERM "$recv_pid"
recv_code=0
wait "$recv_pid" || recv_code=$?
recv_pid=
stop_samplers # both processes are gone: their last samples are written

ok=$(jq .ok "$work/load.json")
lines=$(wc -l <"$events")
unique=$(jq -r '"\(.envelope.sessionId) \(.envelope.sequence)"' "$events" | sort -u | wc -l)

rss_line() { # FILE NAME: the RSS at each minute, then the peak
	awk -v name="$2" '
		$1 % 60 < 10 {series = series sprintf(" %.0f", $2 / 1024)}
		{if ($2 > peak) peak = $2}
		END {printf "  %-9s RSS MiB each minute:%s; peak %.1f\n", name, series, peak / 1024}' "$1"
}

jq -r '"  load      sent \(.sent), ok \(.ok), failed \(.failed), \(.rps)/s over \(.duration_s)s; latency ms p50 \(.latency_ms.p50), p99 \(.latency_ms.p99), p99.9 \(.latency_ms["p99.9"]), max \(.latency_ms.max); sessions \(.sessions.started) started, \(.sessions.completed) completed"' "$work/load.json"
rss_line "$work/load.rss" load
rss_line "$work/receiver.rss" receiver
echo "  events file: $lines lines, $unique distinct (sessionId, sequence), $(du -h "$events" | cut -f1)"

fail=0
[[ $load_code == 0 ]] || { echo "FAIL: wms-mock load exited $load_code"; fail=1; }
[[ $recv_code == 0 ]] || { echo "FAIL: wms-mock receive exited $recv_code: $(tail -3 "$work/receive.log")"; fail=1; }
[[ $lines == "$ok" ]] || { echo "FAIL: $ok deliveries answered 2xx but $lines events stored"; fail=1; }
[[ $unique == "$lines" ]] || { echo "FAIL: $((lines - unique)) events stored more than once"; fail=1; }
[[ $fail == 0 ]] && echo "ok: every event answered 2xx is stored, once"
exit "$fail"
