#!/usr/bin/env bash
# compare.sh: wms-mock load side by side with bombardier, wrk and vegeta,
# on one loopback receiver that verifies every MAC (bench/minrecv).
#
# The other tools post one pre-signed body over and over; wms-mock load
# sends realistic journeys with every event encoded and signed afresh, each
# session's events in order. In the closed model (as fast as the receiver
# answers) every tool runs at the same CONCURRENCY, in turn, ROUNDS times;
# the script prints each run and the medians: throughput, wms-mock's
# throughput as a multiple of each tool's (target >= 1.0), and the CPU
# time each tool spent per event it delivered (user + system, from
# /usr/bin/time), with wms-mock's as a multiple of each (target <= 1.0);
# and the receiver's CPU per event during each tool's runs, since on one
# machine what a generator spends the receiver does not get. Then vegeta
# and wms-mock at the same fixed RATE (open model): the p50 ratio (target
# <= 1.2).
#
#   bench/compare.sh                       # defaults below
#   ROUNDS=5 CONCURRENCY=100 DURATION=5s RATE=2000 bench/compare.sh
#   WMS_MOCK=bin/wms-mock bench/compare.sh # a wms-mock built already
#
# It installs what is missing: vegeta and bombardier with go install, wrk
# and /usr/bin/time with apt-get. Loopback only; every run is bounded by
# DURATION (about 5 * ROUNDS + 2 * ROUNDS runs in all). Not part of CI.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-64}
DURATION=${DURATION:-10s}
RATE=${RATE:-2000}
VEGETA_VERSION=v12.13.0
BOMBARDIER_VERSION=v1.2.6

cd "$(dirname "$0")/.."
source bench/lib.sh
need go jq
need_apt wrk wrk
need_apt /usr/bin/time time
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

# A throwaway secret, never printed: wms-mock and the receiver read it from
# the environment.
WMS_MAC_SECRET="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export WMS_MAC_SECRET

gobin=$(go env GOPATH)/bin
vegeta=$gobin/vegeta bombardier=$gobin/bombardier
go_tool "$vegeta" "github.com/tsenart/vegeta/v12" "$VEGETA_VERSION"
go_tool "$bombardier" "github.com/codesenberg/bombardier" "$BOMBARDIER_VERSION"
wms_mock=${WMS_MOCK:-$work/wms-mock}
[[ -n ${WMS_MOCK:-} ]] || go build -o "$wms_mock" ./cmd/wms-mock
go build -o "$work/minrecv" ./bench/minrecv

"$work/minrecv" >"$work/url" 2>"$work/minrecv.log" &
recv_pid=$!
for _ in $(seq 50); do [[ -s $work/url ]] && break; sleep 0.1; done
url=$(head -1 "$work/url")
[[ -n $url ]] || { echo "minrecv did not start: $(cat "$work/minrecv.log")" >&2; exit 2; }

# The pre-signed body: an INTERMEDIATE_RESULTS event, the most frequent and
# the largest of a journey.
printf '%s' '{"timestamp":1767225600,"sessionId":"bench-session","sequence":7,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"0b8f8a1e-4c1a-4b7e-9d7e-2f4f1c9a0e11","snr":7.42,"sequence":2}}' >"$work/body.json"
mac=$("$wms_mock" sign "$work/body.json")
printf 'POST %s\nContent-Type: application/json\nX-WMS-Content-MAC: %s\n@%s\n' "$url" "$mac" "$work/body.json" >"$work/targets"
cat >"$work/wrk.lua" <<EOF
wrk.method = "POST"
wrk.body = [[$(cat "$work/body.json")]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-WMS-Content-MAC"] = "$mac"
done = function(summary, latency, requests)
	local e = summary.errors
	io.stderr:write(string.format("wrk-summary %d %d %d\n", summary.requests, summary.duration,
		e.status + e.connect + e.read + e.write + e.timeout))
end
EOF

# Each *_run prints "events_per_s cpu_s events" of one run, cpu_s being the
# generator's user + system time; it fails unless every event got a 2xx.
load_run() {
	timed "$work/cpu" "$wms_mock" load --url "$url" --duration "$DURATION" --json "$@" >"$work/load.json" ||
		{ echo "wms-mock load failed: $(head -c 2000 "$work/load.json")" >&2; exit 1; }
	jq -r --arg cpu "$(cat "$work/cpu")" '"\(.rps) \($cpu) \(.ok)"' "$work/load.json"
}
bombardier_run() {
	timed "$work/cpu" "$bombardier" -c "$CONCURRENCY" -d "$DURATION" -m POST -f "$work/body.json" \
		-H "Content-Type: application/json" -H "X-WMS-Content-MAC: $mac" -p r -o json "$url" >"$work/bomb.json"
	jq -e '.result | .req2xx > 0 and .req1xx + .req3xx + .req4xx + .req5xx + .others == 0' "$work/bomb.json" >/dev/null ||
		{ echo "bombardier saw failures: $(jq -c '.result | del(.latency, .rps)' "$work/bomb.json")" >&2; exit 1; }
	jq -r --arg cpu "$(cat "$work/cpu")" '.result | "\(.req2xx / .timeTakenSeconds) \($cpu) \(.req2xx)"' "$work/bomb.json"
}
wrk_run() {
	timed "$work/cpu" wrk -t 2 -c "$CONCURRENCY" -d "$DURATION" -s "$work/wrk.lua" "$url" >/dev/null 2>"$work/wrk.err"
	read -r _ n us bad < <(grep '^wrk-summary' "$work/wrk.err")
	((n > 0 && bad == 0)) || { echo "wrk saw failures: $(cat "$work/wrk.err")" >&2; exit 1; }
	echo "$n $us $(cat "$work/cpu")" | awk '{printf "%f %s %d\n", $1 / ($2 / 1e6), $3, $1}'
}
vegeta_run() {
	timed "$work/cpu" "$vegeta" attack -targets="$work/targets" -duration="$DURATION" -timeout=10s "$@" >"$work/vegeta.bin"
	"$vegeta" report -type=json <"$work/vegeta.bin" >"$work/vegeta.json"
	jq -e '.success == 1' "$work/vegeta.json" >/dev/null ||
		{ echo "vegeta saw failures: $(jq -c .status_codes "$work/vegeta.json")" >&2; exit 1; }
	jq -r --arg cpu "$(cat "$work/cpu")" '"\(.throughput) \($cpu) \(.requests) \(.latencies["50th"] / 1e6)"' "$work/vegeta.json"
}

tools=(wms-mock bombardier wrk vegeta)
echo "receiver: bench/minrecv (MAC verified) at $url, $(nproc) cores"
echo "closed model, concurrency $CONCURRENCY, $DURATION per run, $ROUNDS rounds, tools in turn"
for round in $(seq "$ROUNDS"); do
	line="  round $round:"
	for tool in "${tools[@]}"; do
		recv_before=$(proc_cpu_s "$recv_pid")
		case $tool in
		wms-mock) out=$(load_run --concurrency "$CONCURRENCY") ;;
		bombardier) out=$(bombardier_run) ;;
		wrk) out=$(wrk_run) ;;
		vegeta) out=$(vegeta_run -rate=0 -workers="$CONCURRENCY" -max-workers="$CONCURRENCY") ;;
		esac
		recv_cpu=$(echo "$(proc_cpu_s "$recv_pid") $recv_before" | awk '{print $1 - $2}')
		read -r rate cpu events _ <<<"$out"
		echo "$rate $(per_event_us "$cpu" "$events") $(per_event_us "$recv_cpu" "$events")" >>"$work/rounds.$tool"
		line+=$(printf ' %s %.0f/s %.2fµs' "$tool" "$rate" "$(per_event_us "$cpu" "$events")")
	done
	echo "$line"
done

printf '  %-11s %12s %18s %14s %16s %17s\n' median throughput "wms-mock/tool" "CPU µs/event" "wms-mock/tool" "receiver µs/event"
w_rate=$(cut -d' ' -f1 "$work/rounds.wms-mock" | median)
w_cpu=$(cut -d' ' -f2 "$work/rounds.wms-mock" | median)
for tool in "${tools[@]}"; do
	rate=$(cut -d' ' -f1 "$work/rounds.$tool" | median)
	cpu=$(cut -d' ' -f2 "$work/rounds.$tool" | median)
	recv=$(cut -d' ' -f3 "$work/rounds.$tool" | median)
	# The ratios are medians of each round's, the runs of a round being
	# nearest in time.
	r_rate=$(paste -d' ' "$work/rounds.wms-mock" "$work/rounds.$tool" | awk '{print $1 / $4}' | median)
	r_cpu=$(paste -d' ' "$work/rounds.wms-mock" "$work/rounds.$tool" | awk '{print $2 / $5}' | median)
	printf '  %-11s %10.0f/s %18.2f %14.2f %16.2f %17.2f\n' "$tool" "$rate" "$r_rate" "$cpu" "$r_cpu" "$recv"
done
echo "  (targets: wms-mock/tool throughput >= 1.0 and CPU per event <= 1.0 against bombardier; medians of $ROUNDS rounds)"

echo "open model, $RATE events/s, $DURATION per run, $ROUNDS rounds"
: >"$work/open"
for round in $(seq "$ROUNDS"); do
	read -r v_rate _ _ v_p50 < <(vegeta_run -rate="$RATE/s" -max-workers="$CONCURRENCY")
	"$wms_mock" load --url "$url" --duration "$DURATION" --json --rate "$RATE" --concurrency "$CONCURRENCY" >"$work/load.json" ||
		{ echo "wms-mock load failed: $(head -c 2000 "$work/load.json")" >&2; exit 1; }
	read -r l_rate l_p50 < <(jq -r '"\(.rps) \(.latency_ms.p50)"' "$work/load.json")
	printf '  round %d: vegeta p50 %.3fms (%.0f/s)   wms-mock load p50 %.3fms (%.0f/s)\n' "$round" "$v_p50" "$v_rate" "$l_p50" "$l_rate"
	echo "$v_p50 $l_p50" >>"$work/open"
done
v_med=$(cut -d' ' -f1 "$work/open" | median)
l_med=$(cut -d' ' -f2 "$work/open" | median)
printf '  median:  vegeta p50 %.3fms   wms-mock load p50 %.3fms   ratio %.2f (target <= 1.2)\n' "$v_med" "$l_med" "$(echo "$l_med $v_med" | awk '{print $1/$2}')"
