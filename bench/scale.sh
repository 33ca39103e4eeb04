#!/usr/bin/env bash
# scale.sh: wms-mock load at scale against the reference receiver.
#
# 1. SESSIONS sessions at CONCURRENCY against 'wms-mock receive --events',
#    with the peak RSS of both processes from /usr/bin/time -v (target for
#    the generator: under 200 MiB at 100,000 sessions and concurrency 1,000).
# 2. The reference receiver's throughput (MAC verification and durable
#    storage, fsync before the answer) as a fraction of bench/minrecv's (MAC
#    verification only), each measured with wms-mock load, closed model,
#    THROUGHPUT_CONCURRENCY, for DURATION, ROUNDS times in turn.
#
#   bench/scale.sh
#   SESSIONS=10000 CONCURRENCY=200 bench/scale.sh
#
# Loopback only; not part of CI.
set -euo pipefail

SESSIONS=${SESSIONS:-100000}
CONCURRENCY=${CONCURRENCY:-1000}
THROUGHPUT_CONCURRENCY=${THROUGHPUT_CONCURRENCY:-50}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}

cd "$(dirname "$0")/.."
source bench/lib.sh
need curl jq python3 /usr/bin/time
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		# /usr/bin/time does not pass signals on: stop its child first.
		pkill -TERM -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

WMS_MAC_SECRET="scale-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export WMS_MAC_SECRET
go build -o "$work/wms-mock" ./cmd/wms-mock
go build -o "$work/minrecv" ./bench/minrecv

# start_reference FILE starts 'wms-mock receive --events FILE' under
# /usr/bin/time -v and sets ref_url and ref_pid. Its log line per request
# goes to /dev/null: a million lines would only fill the disk.
start_reference() {
	local port
	port=$(free_port)
	/usr/bin/time -v -o "$work/receive.time" \
		"$work/wms-mock" receive --listen "127.0.0.1:$port" --events "$1" >"$work/receive.out" 2>/dev/null &
	ref_pid=$!
	pids+=("$ref_pid")
	ref_url="http://127.0.0.1:$port/webhook"
	wait_healthy "http://127.0.0.1:$port/healthz"
}

stop() { # PID
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

echo "1. $SESSIONS sessions at concurrency $CONCURRENCY against wms-mock receive --events"
start_reference "$work/events.jsonl"
/usr/bin/time -v -o "$work/load.time" "$work/wms-mock" load --url "$ref_url" \
	--sessions "$SESSIONS" --concurrency "$CONCURRENCY" --json >"$work/load.json" || true
# /usr/bin/time's child is the receiver: signal it, not time itself.
stop "$(pgrep -P "$ref_pid")"
wait "$ref_pid" 2>/dev/null || true
jq -r '"   sent \(.sent), ok \(.ok), failed \(.failed) in \(.duration_s)s (\(.rps)/s); latency ms p50 \(.latency_ms.p50), p99 \(.latency_ms.p99), max \(.latency_ms.max); failures \(.failures | tostring)"' "$work/load.json"
echo "   peak RSS: wms-mock load $(peak_rss_mib "$work/load.time") MiB, wms-mock receive $(peak_rss_mib "$work/receive.time") MiB"
echo "   events file: $(wc -l <"$work/events.jsonl") lines"
rm -f "$work/events.jsonl"

echo "2. throughput, closed model at concurrency $THROUGHPUT_CONCURRENCY, $DURATION per run, $ROUNDS rounds"
"$work/minrecv" >"$work/min.url" 2>"$work/min.log" &
pids+=($!)
for _ in $(seq 50); do [[ -s $work/min.url ]] && break; sleep 0.1; done
min_url=$(head -1 "$work/min.url")
start_reference "$work/events.jsonl"
rate() { "$work/wms-mock" load --url "$1" --duration "$DURATION" --concurrency "$THROUGHPUT_CONCURRENCY" --json | jq .rps; }
: >"$work/rates"
for round in $(seq "$ROUNDS"); do
	m=$(rate "$min_url")
	r=$(rate "$ref_url")
	printf '   round %d: minrecv %8.0f/s   wms-mock receive --events %8.0f/s\n' "$round" "$m" "$r"
	echo "$m $r" >>"$work/rates"
done
awk '{m += $1; r += $2} END {printf "   mean: minrecv %.0f/s, reference receiver %.0f/s: %.0f%% of the minimal receiver\n", m / NR, r / NR, 100 * r / m}' "$work/rates"
