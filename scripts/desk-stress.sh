#!/bin/sh
# desk-stress.sh: the desk's browser tests, RUNS times in a row (default
# 20), while busy loops keep every core of the machine busy, as a loaded CI
# runner would be. The page must mark itself ready only when everything it
# shows has arrived, and the tests wait on that mark: a test that passes on
# an idle machine and fails here waits on something else (a timing).
#
#   scripts/desk-stress.sh            # 20 runs, one busy loop per core
#   RUNS=5 LOAD=4 scripts/desk-stress.sh
#   RACE=1 scripts/desk-stress.sh     # the race detector as well (slower)
#
# It needs what the tests need: PostgreSQL (see README, Tests) and
# Chromium. Not for CI: it takes the machine for a while (about a minute a
# run). It stops at the first failing run and says which.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
LOAD=${LOAD:-$(nproc 2>/dev/null || echo 2)}
TESTS='^TestTheDesk(InABrowser|LaunchedAsTelegramDoes|OnEveryClient|InTelegramWeb|OnAPhone)$'
bin=$(mktemp -d)/webapp.test
flags=""
[ "${RACE:-}" = 1 ] && flags="-race"
go test $flags -c -o "$bin" ./webapp

# The load: busy loops, stopped (by their own ids) however this script ends.
pids=""
stop() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$(dirname "$bin")"
}
trap stop EXIT INT TERM
i=0
while [ "$i" -lt "$LOAD" ]; do
	sh -c 'while :; do :; done' &
	pids="$pids $!"
	i=$((i + 1))
done
echo "load: $LOAD busy loops (pids$pids) on $(nproc 2>/dev/null || echo '?') cores"

run=1
while [ "$run" -le "$RUNS" ]; do
	start=$(date +%s)
	if (cd webapp && "$bin" -test.run "$TESTS" -test.count=1 -test.timeout 20m >"$(dirname "$bin")/run.log" 2>&1); then
		echo "run $run/$RUNS: ok ($(($(date +%s) - start)) s, load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?))"
	else
		echo "run $run/$RUNS: FAILED"
		cat "$(dirname "$bin")/run.log"
		exit 1
	fi
	run=$((run + 1))
done
echo "$RUNS runs in a row passed under load"
