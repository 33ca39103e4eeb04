#!/usr/bin/env bash
# flood.sh: the reference receiver's memory under a flood of slow forged
# bodies, and a valid event's answer during it.
#
# It builds wms-mock (bin/wms-mock) and the flooder (bench/flood), starts
# `wms-mock receive` on a free loopback port, and holds CONNS connections
# open for DURATION, each sending a SIZE-byte body with a forged MAC, PIECE
# bytes every EVERY (half announce the size in Content-Length, half send it
# chunked); a connection that is answered or closed starts again. During
# the flood it sends PROBES valid signed events, one at a time. It prints
# what the flood was answered, each valid event's status and latency, and
# the receiver's peak RSS (VmHWM), and exits 1 unless every valid event was
# answered 200 and the peak RSS stayed under MAX_RSS_MIB.
#
#   bench/flood.sh                             # defaults below
#   CONNS=400 DURATION=30s bench/flood.sh
#   WMS_MOCK=/tmp/old/wms-mock bench/flood.sh  # another build of the receiver
#
# Loopback only; bounded by CONNS and DURATION. Not part of CI.
set -euo pipefail

CONNS=${CONNS:-1000}
DURATION=${DURATION:-20s}
SIZE=${SIZE:-1048576}
PIECE=${PIECE:-4096}
EVERY=${EVERY:-100ms}
PROBES=${PROBES:-5}
MAX_RSS_MIB=${MAX_RSS_MIB:-256}

cd "$(dirname "$0")/.."
source bench/lib.sh
need go jq curl python3
work=$(mktemp -d)
recv_pid=
cleanup() {
	if [[ -n $recv_pid ]]; then
		kill "$recv_pid" 2>/dev/null || true
		wait "$recv_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# The flooder and the receiver each hold CONNS connections.
need_files=$((CONNS + 256))
if [[ $(ulimit -n) != unlimited ]] && (($(ulimit -n) < need_files)); then
	ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
if [[ $(ulimit -n) != unlimited ]] && (($(ulimit -n) < need_files)); then
	echo "flood.sh: $CONNS connections need $need_files open files; the limit is $(ulimit -n) (hard $(ulimit -Hn)): raise it or lower CONNS" >&2
	exit 2
fi

# A throwaway secret, never printed: the receiver and the flooder's valid
# events read it from the environment.
WMS_MAC_SECRET="flood-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export WMS_MAC_SECRET

bin=${WMS_MOCK:-}
if [[ -z $bin ]]; then
	go build -o bin/wms-mock ./cmd/wms-mock
	bin=bin/wms-mock
fi
go build -o "$work/flood" ./bench/flood

port=$(free_port)
"$bin" receive --listen "127.0.0.1:$port" >"$work/receive.out" 2>"$work/receive.log" &
recv_pid=$!
wait_healthy "http://127.0.0.1:$port/healthz"
hwm() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$recv_pid/status"; }
idle=$(hwm)

echo "flood: $CONNS connections, $SIZE-byte forged bodies, $PIECE bytes every $EVERY, for $DURATION, against $bin receive"
"$work/flood" -url "http://127.0.0.1:$port/webhook" -conns "$CONNS" -size "$SIZE" -piece "$PIECE" \
	-every "$EVERY" -duration "$DURATION" -probes "$PROBES" -json "$work/flood.json" | sed 's/^/  /'
if ! kill -0 "$recv_pid" 2>/dev/null; then
	echo "FAIL: the receiver died during the flood" >&2
	exit 1
fi
peak=$(hwm)
kill -TERM "$recv_pid"
wait "$recv_pid" || true
recv_pid=
echo "  receiver  peak RSS $peak MiB (VmHWM; $idle MiB before the flood)"
grep -E '^  rejected' "$work/receive.out" | sed -E 's/^  rejected +/  receiver  rejected /' || true

during=$(jq '[.probes[] | select(.during_flood)] | length' "$work/flood.json")
ok=$(jq '[.probes[] | select(.during_flood and .status == 200)] | length' "$work/flood.json")
worst=$(jq '[.probes[] | select(.during_flood) | .latency_ms] | max // 0' "$work/flood.json")
echo "  valid     $ok of $during answered 200 during the flood, slowest in $worst ms"
if ((ok != during || during == 0)) || awk -v p="$peak" -v m="$MAX_RSS_MIB" 'BEGIN { exit !(p >= m) }'; then
	echo "FAIL: want every valid event answered 200 and the peak RSS under $MAX_RSS_MIB MiB"
	exit 1
fi
echo "ok: every valid event answered 200; peak RSS $peak MiB, under $MAX_RSS_MIB MiB"
