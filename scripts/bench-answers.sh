#!/usr/bin/env bash
# Measures one answered field end to end (engine + PostgreSQL), 1 and 8
# contacts, and pgbench's simple-update transaction on the same server right
# after, so the result can be read as a ratio on a shared, noisy machine.
#   scripts/bench-answers.sh            (uses 127.0.0.1:5432, user postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
host=${PGHOST:-127.0.0.1}
go test ./dialogs/ -run '^$' -bench BenchmarkAnswerField -benchtime 5s -count "${COUNT:-3}" | tee /tmp/tianbao-bench.txt | grep -E 'answers/s'
psql -h "$host" -U postgres -qc "DROP DATABASE IF EXISTS tianbao_pgbench" -c "CREATE DATABASE tianbao_pgbench" >/dev/null
pgbench -h "$host" -U postgres -i -q tianbao_pgbench >/dev/null 2>&1
tps=$(pgbench -h "$host" -U postgres -N -c 8 -j 2 -T 10 tianbao_pgbench 2>/dev/null | awk '/^tps/ {print $3}')
psql -h "$host" -U postgres -qc "DROP DATABASE tianbao_pgbench" >/dev/null
answers=$(awk '/contacts=8/ {for (i=1;i<=NF;i++) if ($(i+1)=="answers/s") {s+=$i; n++}} END {printf "%.0f", s/n}' /tmp/tianbao-bench.txt)
echo "pgbench -N -c 8: ${tps%.*} tps; 8 contacts: ${answers} answers/s; ratio $(awk -v a="$answers" -v t="$tps" 'BEGIN {printf "%.2f", a/t}')"
