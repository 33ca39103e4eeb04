# lib.sh: helpers shared by the bench scripts (sourced, not run).

# free_port prints a TCP port free on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_healthy URL waits up to 10 s for GET URL to answer 200.
wait_healthy() {
	for _ in $(seq 100); do
		if curl -fsS -o /dev/null "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "no answer from $1 within 10s" >&2
	return 1
}

# rss_kib PID prints the resident set size of PID in KiB.
rss_kib() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null
}

# sample_rss PID FILE appends "seconds rss_kib" to FILE every 10 s while PID
# lives. Run it in the background.
sample_rss() {
	local start=$SECONDS rss
	while rss=$(rss_kib "$1") && [[ -n $rss ]]; do
		echo "$((SECONDS - start)) $rss" >>"$2"
		sleep 10
	done
}

# peak_rss_mib FILE prints the "Maximum resident set size" of a
# /usr/bin/time -v report in MiB.
peak_rss_mib() {
	awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"
}

# need CMD... fails unless every command is installed.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "$c is needed: apt-get install -y ${c/\/usr\/bin\/time/time}" >&2; exit 2; }
	done
}
