#!/usr/bin/env bash
# The load benchmark of docs/benchmarks.md, on SQLite and on PostgreSQL, with the raw limit
# beside each. Usage: scripts/bench-load.sh [SECONDS] [CLIENTS]
#   PG (default postgres://postgres@127.0.0.1:5432) must let the user create databases.
# Everything runs on this machine: server, load generator and database share its cores.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
clients=${2:-8}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
work=$(mktemp -d /tmp/motcua-bench.XXXXXX)
trap 'pkill -TERM -f "motcua serve .*$work" || true; rm -rf "$work"' EXIT

cargo build --release -q -p motcua --bin motcua --example raw_limit
target=${CARGO_TARGET_DIR:-target}/release
bin=$target/motcua
raw=$target/examples/raw_limit

fresh_pg() { psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }

# run NAME DATABASE PORT: serve the demo province, load it, stop.
run() {
  local name=$1 db=$2 port=$3
  echo "== $name: $clients clients, $secs s (server: $db)"
  "$bin" serve --demo --database "$db" --listen "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 120); do grep -q 'motcua listening on' "$work/$name.log" && break; sleep 0.5; done
  "$bin" load --target "http://127.0.0.1:$port" --duration "$secs" --concurrency "$clients"
  kill -TERM "$pid"; wait "$pid" || true
}

run sqlite "sqlite://$work/load.sqlite" 18180
echo "== sqlite raw limit (the same rows, one commit per action)"
"$raw" --from "sqlite://$work/load.sqlite" --to "sqlite://$work/raw.sqlite" --mode raw 2>/dev/null
"$raw" --from "sqlite://$work/load.sqlite" --to "sqlite://$work/store.sqlite" --mode store 2>/dev/null

fresh_pg motcua_bench_load
run postgres "$pg/motcua_bench_load" 18181
echo "== postgres raw limit (the same rows, one commit per action)"
for w in 1 "$clients"; do
  for mode in raw store; do
    fresh_pg "motcua_bench_$mode"
    "$raw" --from "$pg/motcua_bench_load" --to "$pg/motcua_bench_$mode" --mode "$mode" --workers "$w" 2>/dev/null
  done
done
for db in load raw store; do psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS motcua_bench_$db WITH (FORCE)"; done
