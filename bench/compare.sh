#!/usr/bin/env bash
# compare.sh: wms-mock load side by side with vegeta, on one loopback
# receiver that verifies every MAC (bench/minrecv).
#
# vegeta posts one pre-signed body over and over; wms-mock load sends
# realistic journeys with every event encoded and signed afresh. Both run in
# turn, ROUNDS times, at the same CONCURRENCY (closed model, as fast as the
# receiver answers), then at the same fixed RATE (open model), and the script
# prints each run and the medians: the throughput ratio (target >= 1.0) and
# the p50 ratio at the fixed rate (target <= 1.2).
#
#   bench/compare.sh                       # defaults below
#   ROUNDS=5 CONCURRENCY=100 DURATION=10s RATE=2000 bench/compare.sh
#
# Loopback only; every run is bounded by DURATION. Not part of CI.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-50}
DURATION=${DURATION:-10s}
RATE=${RATE:-2000}
VEGETA_VERSION=v12.13.0

cd "$(dirname "$0")/.."
source bench/lib.sh
need go jq
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

# A throwaway secret, never printed: both generators and the receiver read it
# from the environment.
WMS_MAC_SECRET="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export WMS_MAC_SECRET

vegeta=$(go env GOPATH)/bin/vegeta
if ! go version -m "$vegeta" 2>/dev/null | grep -q "vegeta/v12[[:space:]]*$VEGETA_VERSION"; then
	echo "installing vegeta $VEGETA_VERSION" >&2
	GOFLAGS= go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
fi
go build -o "$work/wms-mock" ./cmd/wms-mock
go build -o "$work/minrecv" ./bench/minrecv

"$work/minrecv" >"$work/url" 2>"$work/minrecv.log" &
recv_pid=$!
for _ in $(seq 50); do [[ -s $work/url ]] && break; sleep 0.1; done
url=$(head -1 "$work/url")
[[ -n $url ]] || { echo "minrecv did not start: $(cat "$work/minrecv.log")" >&2; exit 2; }

# The pre-signed body: an INTERMEDIATE_RESULTS event, the most frequent and
# the largest of a journey.
printf '%s' '{"timestamp":1767225600,"sessionId":"bench-session","sequence":7,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"0b8f8a1e-4c1a-4b7e-9d7e-2f4f1c9a0e11","snr":7.42,"sequence":2}}' >"$work/body.json"
mac=$("$work/wms-mock" sign "$work/body.json")
printf 'POST %s\nContent-Type: application/json\nX-WMS-Content-MAC: %s\n@%s\n' "$url" "$mac" "$work/body.json" >"$work/targets"

# vegeta_run ARGS... prints "rate p50_ms" of one vegeta attack.
vegeta_run() {
	"$vegeta" attack -targets="$work/targets" -duration="$DURATION" -timeout=10s "$@" |
		"$vegeta" report -type=json >"$work/vegeta.json"
	jq -e '.success == 1' "$work/vegeta.json" >/dev/null ||
		{ echo "vegeta saw failures: $(jq -c .status_codes "$work/vegeta.json")" >&2; exit 1; }
	jq -r '"\(.throughput) \(.latencies["50th"] / 1e6)"' "$work/vegeta.json"
}

# load_run ARGS... prints "rate p50_ms" of one wms-mock load run.
load_run() {
	"$work/wms-mock" load --url "$url" --duration "$DURATION" --json "$@" >"$work/load.json" ||
		{ echo "wms-mock load failed: $(cat "$work/load.json")" >&2; exit 1; }
	jq -r '"\(.rps) \(.latency_ms.p50)"' "$work/load.json"
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

echo "receiver: bench/minrecv (MAC verified) at $url"
echo "closed model, concurrency $CONCURRENCY, $DURATION per run, $ROUNDS rounds"
: >"$work/closed"
for round in $(seq "$ROUNDS"); do
	read -r v_rate v_p50 < <(vegeta_run -rate=0 -workers="$CONCURRENCY" -max-workers="$CONCURRENCY")
	read -r l_rate l_p50 < <(load_run --concurrency "$CONCURRENCY")
	printf '  round %d: vegeta %8.0f/s (p50 %.3fms)   wms-mock load %8.0f/s (p50 %.3fms)\n' "$round" "$v_rate" "$v_p50" "$l_rate" "$l_p50"
	echo "$v_rate $l_rate" >>"$work/closed"
done
v_med=$(cut -d' ' -f1 "$work/closed" | median)
l_med=$(cut -d' ' -f2 "$work/closed" | median)
printf '  median:  vegeta %8.0f/s   wms-mock load %8.0f/s   ratio %.2f (target >= 1.0)\n' "$v_med" "$l_med" "$(echo "$l_med $v_med" | awk '{print $1/$2}')"

echo "open model, $RATE events/s, $DURATION per run, $ROUNDS rounds"
: >"$work/open"
for round in $(seq "$ROUNDS"); do
	read -r v_rate v_p50 < <(vegeta_run -rate="$RATE/s" -max-workers="$CONCURRENCY")
	read -r l_rate l_p50 < <(load_run --rate "$RATE" --concurrency "$CONCURRENCY")
	printf '  round %d: vegeta p50 %.3fms (%.0f/s)   wms-mock load p50 %.3fms (%.0f/s)\n' "$round" "$v_p50" "$v_rate" "$l_p50" "$l_rate"
	echo "$v_p50 $l_p50" >>"$work/open"
done
v_med=$(cut -d' ' -f1 "$work/open" | median)
l_med=$(cut -d' ' -f2 "$work/open" | median)
printf '  median:  vegeta p50 %.3fms   wms-mock load p50 %.3fms   ratio %.2f (target <= 1.2)\n' "$v_med" "$l_med" "$(echo "$l_med $v_med" | awk '{print $1/$2}')"
