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

# need_apt CMD PACKAGE installs Debian's PACKAGE when CMD is missing,
# updating the package lists first when they are too old to have it.
need_apt() {
	command -v "$1" >/dev/null && return 0
	echo "installing $2 (for $1)" >&2
	apt-get install -y -qq "$2" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null; } ||
		{ echo "$1 is needed: apt-get install -y $2" >&2; exit 2; }
}

# go_tool BIN MODULE VERSION installs MODULE@VERSION with go install unless
# BIN is that version already.
go_tool() {
	if ! go version -m "$1" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"; then
		echo "installing $2@$3" >&2
		GOFLAGS= go install "$2@$3"
	fi
}

# timed FILE CMD... runs CMD and writes the CPU seconds it used (user +
# system, from /usr/bin/time) to FILE; it returns CMD's status.
timed() {
	local out=$1 rc=0
	shift
	/usr/bin/time -f '%U %S' -o "$out.raw" "$@" || rc=$?
	tail -1 "$out.raw" | awk '{printf "%.2f\n", $1 + $2}' >"$out"
	return "$rc"
}

# proc_cpu_s PID prints the CPU seconds (user + system) PID has used so far,
# from the kernel's accounting.
proc_cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/$1/stat"
}

# per_event_us CPU_S EVENTS prints CPU_S per event in microseconds.
per_event_us() {
	awk -v c="$1" -v n="$2" 'BEGIN {printf "%.3f\n", (n > 0 ? c * 1e6 / n : 0)}'
}

# median prints the median of the numbers on standard input, one a line.
median() {
	sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'
}
