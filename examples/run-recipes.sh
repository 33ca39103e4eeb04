#!/usr/bin/env bash
# Proves each receiver recipe in examples/receivers/ with the conformance
# suite: starts it on a free loopback port with a random MAC secret, runs
# `wms-mock conformance` against it, stops it with SIGTERM, and prints one
# line per recipe. Exit 1 when any recipe fails.
#
#   examples/run-recipes.sh                 # every recipe
#   examples/run-recipes.sh python go       # some of them
#
# A recipe passes when every spec passes, must AND should (a should warning
# fails it: these are the receivers customers copy), and when it stops
# cleanly on SIGTERM. A recipe whose runtime (node, python3) is missing is
# skipped, except under CI=true, where it fails. WMS_MOCK=path uses that
# binary instead of building bin/wms-mock; REPORT_DIR=dir keeps a JUnit
# report per recipe there (dir/NAME.xml).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(node-http node-express python go)
READY_TIMEOUT=30   # seconds for a recipe to print its ready line
SUITE_TIMEOUT=300  # seconds for the whole conformance run
STOP_TIMEOUT=10    # seconds for a recipe to exit after SIGTERM

TMP=$(mktemp -d)
PID=
cleanup() {
  if [[ -n "$PID" ]]; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# need RUNTIME: succeeds when RUNTIME is on PATH.
need() { command -v "$1" >/dev/null 2>&1; }

# start NAME DIR: starts recipe NAME in the background with its log in DIR;
# sets PID. PORT=0 lets the OS pick a free port, printed in the ready line.
start() {
  local name=$1 dir=$2
  : >"$dir/log" # before the ready loop reads it
  (
    export HOST=127.0.0.1 PORT=0 EVENTS_FILE=$dir/events.jsonl EVENTS_DB=$dir/events.db
    # exec, so that $! is the receiver itself and gets the SIGTERM.
    case $name in
      node-http) exec node examples/receivers/node-http/server.js ;;
      node-express) exec node examples/receivers/node-express/server.js ;;
      python) exec python3 examples/receivers/python/server.py ;;
      go) exec "$dir/receiver" ;;
    esac
  ) >>"$dir/log" 2>&1 &
  PID=$!
}

# prepare NAME DIR: installs or builds what recipe NAME needs; prints the
# reason and fails when it cannot run here.
prepare() {
  local name=$1 dir=$2 runtime
  case $name in
    node-http) runtime=(node) ;;
    node-express) runtime=(node npm) ;;
    python) runtime=(python3) ;;
    go) runtime=(go) ;;
  esac
  for r in "${runtime[@]}"; do
    if ! need "$r"; then
      echo "missing-runtime $r"
      return 1
    fi
  done
  case $name in
    node-express)
      if [[ ! -d examples/receivers/node-express/node_modules ]]; then
        (cd examples/receivers/node-express && timeout 300 npm ci --no-audit --no-fund) >"$dir/prepare" 2>&1 ||
          { echo "npm ci failed: $(tail -n 3 "$dir/prepare" | tr '\n' ' ')"; return 1; }
      fi ;;
    go)
      go build -o "$dir/receiver" ./examples/receivers/go 2>"$dir/prepare" ||
        { echo "go build failed: $(head -n 3 "$dir/prepare" | tr '\n' ' ')"; return 1; } ;;
  esac
}

# run NAME: proves one recipe; sets RESULT to its result line's text. (No
# $(run ...): the receiver it starts must stay this shell's child.)
run() {
  local name=$1 dir=$TMP/$1 url= i
  mkdir -p "$dir"
  local why
  if ! why=$(prepare "$name" "$dir"); then
    if [[ $why == missing-runtime* ]]; then
      if [[ "${CI:-}" == true ]]; then RESULT="FAIL (${why#missing-runtime } not found, and CI=true)"; else RESULT="skip (${why#missing-runtime } not found)"; fi
    else
      RESULT="FAIL ($why)"
    fi
    return
  fi
  WMS_MAC_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  export WMS_MAC_SECRET
  start "$name" "$dir"
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    url=$(grep -o -m1 'http://127\.0\.0\.1:[0-9]*/webhook' "$dir/log" || true)
    [[ -n "$url" ]] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    kill -KILL "$PID" 2>/dev/null || true
    PID=
    RESULT="FAIL (not ready within ${READY_TIMEOUT}s: $(tail -n 3 "$dir/log" | tr '\n' ' '))"
    return
  fi

  local rc=0 report=()
  [[ -n "${REPORT_DIR:-}" ]] && report=(--junit-report "$REPORT_DIR/$name.xml")
  timeout "$SUITE_TIMEOUT" "$WMS_MOCK" conformance --url "$url" --timeout 10s \
    "${report[@]}" >"$dir/suite" 2>&1 || rc=$?

  local stopped=0 status=0
  kill -TERM "$PID" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    if ! kill -0 "$PID" 2>/dev/null; then stopped=1; break; fi
    sleep 0.1
  done
  if ((stopped)); then wait "$PID" || status=$?; else kill -KILL "$PID" 2>/dev/null || true; wait "$PID" || true; fi
  PID=

  local warns summary
  warns=$(grep -c '^  WARN' "$dir/suite" || true)
  summary=$(grep -m1 -E '^[0-9]+ specs in ' "$dir/suite" | sed 's/ against .*:/:/' || true)
  if ((rc != 0 || warns != 0 || !stopped || status != 0)); then
    # Show why on stderr, the result line on stdout.
    {
      echo "==== $name: conformance (exit $rc) ===="
      grep -v -E '^  ok ' "$dir/suite" || true
      echo "==== $name: receiver log (last 20 lines) ===="
      tail -n 20 "$dir/log"
    } >&2
    local what=()
    ((rc != 0)) && what+=("suite exit $rc")
    ((warns != 0)) && what+=("$warns should warning(s)")
    ((!stopped)) && what+=("did not stop within ${STOP_TIMEOUT}s of SIGTERM")
    ((stopped && status != 0)) && what+=("exit $status after SIGTERM")
    RESULT="FAIL ($(printf '%s; ' "${what[@]}")${summary:-no summary})"
    return
  fi
  RESULT="pass ($summary)"
}

names=("$@")
((${#names[@]})) || names=("${ALL[@]}")
for name in "${names[@]}"; do
  if [[ " ${ALL[*]} " != *" $name "* ]]; then
    echo "run-recipes.sh: unknown recipe $name; the recipes are: ${ALL[*]}" >&2
    exit 2
  fi
done
if [[ -z "${WMS_MOCK:-}" ]]; then
  go build -o bin/wms-mock ./cmd/wms-mock ||
    { echo "run-recipes.sh: cannot build bin/wms-mock (above); fix the build, or pass WMS_MOCK=path" >&2; exit 2; }
  WMS_MOCK=bin/wms-mock
fi
WMS_MOCK=$(realpath "$WMS_MOCK")

results=()
failed=0 passed=0 skipped=0
for name in "${names[@]}"; do
  t=$SECONDS
  RESULT=
  run "$name"
  case $RESULT in
  FAIL*) failed=$((failed + 1)) ;;
  pass*) passed=$((passed + 1)) ;;
  *) skipped=$((skipped + 1)) ;;
  esac
  results+=("$(printf '%-13s %s [%ds]' "$name" "$RESULT" $((SECONDS - t)))")
done
echo "receiver recipes (${SECONDS}s):"
printf '  %s\n' "${results[@]}"
echo "recipes: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
