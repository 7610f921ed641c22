#!/usr/bin/env bash
# Side-by-side benchmark of iotcertd, moto and the bare SigV4 server on this machine, in one
# run: every workload against each server that implements it, RUNS times, then medians, a
# Markdown table and a chart (BENCHMARKS.md explains what each number means).
#
#   bash bench/run.sh                 everything (15–40 minutes on 2 cores)
#   RUNS=1 DURATION=5s bash bench/run.sh    a quick look
#   MILLION=0 bash bench/run.sh       without the 1,000,000-certificate measurements
#
# Output in $OUT (default bench/results): runs.jsonl (one JSON line per measured run),
# table.md (medians), chart.svg, machine.txt, disk.txt (the disk's synced-write rate just
# before each durable-write run), startup.txt (start time and memory with 1,000,000
# certificates), and profiles/*.prof (CPU profiles of iotcertd's main workloads).
#
# Everything listens on 127.0.0.1 only; every load run is bounded by DURATION (and the
# load generator's own limits); everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONC=${CONCURRENCY:-16}
OUT=${OUT:-bench/results}
MILLION=${MILLION:-1000000}
KEY_POOL=${KEY_POOL:-16}

command -v moto_server >/dev/null || { echo "bench: moto_server (moto) is required" >&2; exit 1; }
mkdir -p "$OUT/profiles"
: >"$OUT/runs.jsonl"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# synced_rate: the disk's limit for one synced write at a time, now: 2,000 writes of 4 KiB,
# each synced (O_DSYNC), to a file beside the servers' data directories. The rate moves by
# half within minutes on a shared machine, so it is taken again before each durable-write run.
synced_rate() {
  dd if=/dev/zero of="$tmp/dsync.test" bs=4k count=2000 oflag=dsync 2>&1 | awk '/copied/{printf "%.0f", 2000/$(NF-3)}'
  rm -f "$tmp/dsync.test"
}

echo "== bench: the machine"
: >"$OUT/disk.txt"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) x $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "memory: $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "go: $(go version | awk '{print $3}')"
  echo "moto: $(python3 -c 'import moto; print(moto.__version__)')"
  echo "synced 4 KiB writes, one at a time: $(synced_rate)/s"
  # The ceiling of sustained CreateKeysAndCertificate: RSA-2048 keys generated on every core.
  # 200 keys (about 5 s): a key's generation time varies widely, and 60 keys gave rates that
  # differed by a third between two runs on the same machine.
  go test -run '^$' -bench '^BenchmarkGenerateKeyParallel$' -benchtime 200x ./internal/pki |
    awk '/^BenchmarkGenerateKeyParallel/{printf "RSA-2048 keys generated on all cores at once: %.1f/s\n", 1e9/$3}'
} | tee "$OUT/machine.txt"

echo "== bench: building"
go build -o "$tmp/iotcertd" ./cmd/iotcertd
go build -o "$tmp/iotcert-load" ./cmd/iotcert-load
LOAD="$tmp/iotcert-load"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_http PORT: until something answers HTTP on the port (any status), at most 60 s.
wait_http() {
  for _ in $(seq 1200); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
    sleep 0.05
  done
  echo "bench: nothing answers on port $1" >&2
  return 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# start_on PORT CMD...: runs CMD in the background (its pid in $pid) until it answers on PORT.
start_on() {
  local p=$1
  shift
  "$@" >"$tmp/server-$p.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "$p"
}

# load LABEL ARGS...: one measured run, appended to runs.jsonl. ARGS may repeat -duration or
# -concurrency: the last one given wins.
load() {
  local label=$1
  shift
  echo "-- $label"
  "$LOAD" -json -label "$label" -duration "$DURATION" -concurrency "$CONC" "$@" | tee "$tmp/last" | grep -v '^{' || true
  grep '^{' "$tmp/last" >>"$OUT/runs.jsonl"
}

# durable LABEL ARGS...: a durable-write run, as load, with the disk's synced-write rate taken
# just before it (disk.txt).
durable() {
  echo "$1, run $run: $(synced_rate) synced 4 KiB writes/s just before" >>"$OUT/disk.txt"
  load "$@"
}

# start_iotcertd DIR [SERVE FLAGS...]: iotcertd in strict SigV4 mode, with a second account
# for the transfer workload. Sets IOT_PID, IOT_PORT, IOT_PPROF and the key variables.
start_iotcertd() {
  local dir=$1
  shift
  IOT_PORT=$(free_port)
  IOT_PPROF=$(free_port)
  "$tmp/iotcertd" serve --addr "127.0.0.1:$IOT_PORT" --data "$dir" --key-pool "$KEY_POOL" \
    --pprof "127.0.0.1:$IOT_PPROF" "$@" >"$dir.log" 2>&1 &
  IOT_PID=$!
  pids+=("$IOT_PID")
  local t0 t1
  t0=$(date +%s%N)
  wait_http "$IOT_PORT"
  t1=$(date +%s%N)
  IOT_START_MS=$(((t1 - t0) / 1000000))
  read -r A_KEY A_SECRET < <(awk -F' = ' '/aws_access_key_id/{k=$2} /aws_secret_access_key/{s=$2} END{print k, s}' "$dir/credentials")
  A_ACCT=$("$tmp/iotcertd" account list --data "$dir" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accounts"][0]["accountId"])')
  if [ ! -f "$dir.target" ]; then
    "$tmp/iotcertd" account create --data "$dir" >"$dir.target"
  fi
  read -r B_ACCT B_KEY B_SECRET < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["accountId"], d["accessKeyId"], d["secretAccessKey"])' "$dir.target")
}

iot_keys() {
  echo -endpoint "http://127.0.0.1:$IOT_PORT" -pid "$IOT_PID" \
    -access-key "$A_KEY" -secret-key "$A_SECRET" -account "$A_ACCT" \
    -target-access-key "$B_KEY" -target-secret-key "$B_SECRET" -target-account "$B_ACCT"
}

# shared_workloads NAME ARGS...: the raw-client workloads that iotcertd, moto and the bare
# server all implement, against the server ARGS name, labelled "NAME WORKLOAD".
shared_workloads() {
  local name=$1
  shift
  load "$name describe" -client raw "$@" describe
  load "$name list 1k" -client raw -certs 1000 "$@" list
  load "$name register" -client raw "$@" register
  load "$name update" -client raw "$@" update
  load "$name mixed" -client raw "$@" mixed
}

# profile NAME: in the first run, the flags that save a CPU profile of iotcertd under NAME.
# (Not for runs shorter than 3 s: the profile covers all but the last second.)
profile() {
  local secs=${DURATION%s}
  [[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -lt 3 ] && return 0
  [ "$run" = 1 ] && echo -server-pprof "127.0.0.1:$IOT_PPROF" -server-pprof-out "$OUT/profiles/$1.prof"
  return 0
}

for run in $(seq "$RUNS"); do
  echo "== bench: run $run of $RUNS"

  # --- The ceiling: SigV4 verification and a canned answer, nothing else.
  port=$(free_port)
  start_on "$port" "$LOAD" sigv4-server --addr "127.0.0.1:$port"
  shared_workloads bare -endpoint "http://127.0.0.1:$port" -pid "$pid"
  load "bare transfer" -client raw -endpoint "http://127.0.0.1:$port" -pid "$pid" transfer
  stop "$pid"

  # --- iotcertd, strict SigV4, SQLite with fsync on every commit.
  dir="$tmp/iot-$run"
  start_iotcertd "$dir"
  # shellcheck disable=SC2046
  set -- $(iot_keys)
  # shellcheck disable=SC2046
  {
    load "iotcertd describe" -client raw "$@" $(profile describe) describe
    load "iotcertd describe (SDK client)" -client sdk "$@" describe
    load "iotcertd list 1k" -client raw -certs 1000 "$@" $(profile list) list
    durable "iotcertd register" -client raw "$@" $(profile register) register
    durable "iotcertd update" -client raw "$@" $(profile update) update
    # The same workload with 64 clients: the write path's own rate. With 16, each client's
    # round trip bounds the rate, not the write path (BENCHMARKS.md).
    durable "iotcertd update, 64 clients" -client raw -concurrency 64 "$@" update
    durable "iotcertd transfer" -client raw "$@" $(profile transfer) transfer
    load "iotcertd mixed" -client raw "$@" $(profile mixed) mixed
  }
  # CreateKeysAndCertificate: a burst no larger than the pool, from a full pool (it filled
  # at start-up, and nothing has taken from it; the pause lets the last run's connections
  # settle), then sustained load, where key generation on both cores is the limit. The
  # burst's clients first make one ListCertificates call each (not counted), as a
  # long-lived client would have its connection open and its code warm.
  sleep 3
  load "iotcertd create-keys burst" -client sdk -warmup 1 -n "$KEY_POOL" -duration 30s -concurrency 4 "$@" create-keys
  load "iotcertd create-keys sustained" -client sdk "$@" create-keys
  stop "$IOT_PID"

  # --- iotcertd committing, and syncing, every write on its own (--commit-group 1): the
  # one-fsync-per-write limit that group commit is there to beat, on this disk, with this
  # code. Labelled "unbatched".
  dir="$tmp/unbatched-$run"
  start_iotcertd "$dir" --commit-group 1
  # shellcheck disable=SC2046
  set -- $(iot_keys)
  durable "unbatched register" -client raw "$@" register
  durable "unbatched update" -client raw "$@" update
  durable "unbatched transfer" -client raw "$@" transfer
  stop "$IOT_PID"

  # --- moto_server (no SigV4 checking, in-memory), for what it implements.
  port=$(free_port)
  start_on "$port" moto_server -H 127.0.0.1 -p "$port"
  shared_workloads moto -endpoint "http://127.0.0.1:$port" -pid "$pid"
  load "moto create-keys sustained" -client sdk -endpoint "http://127.0.0.1:$port" -pid "$pid" create-keys
  stop "$pid"
done

if [ "$MILLION" -gt 0 ]; then
  echo "== bench: ListCertificates over 1,000 and over $MILLION certificates; start time and memory"
  : >"$OUT/startup.txt"
  for count in 1000 "$MILLION"; do
    dir="$tmp/seeded-$count"
    start_iotcertd "$dir"
    stop "$IOT_PID"
    "$LOAD" seed --data "$dir" --count "$count" --account "$A_ACCT"
    for run in $(seq "$RUNS"); do
      start_iotcertd "$dir"
      rss0=$(awk '/VmRSS/{print $2}' "/proc/$IOT_PID/status")
      # shellcheck disable=SC2046
      set -- $(iot_keys)
      load "iotcertd list over $count" -client raw "$@" list
      rss1=$(awk '/VmRSS/{print $2}' "/proc/$IOT_PID/status")
      printf '%s certificates, run %s: answering %d ms after start; RSS %d MiB after start, %d MiB after the list run\n' \
        "$count" "$run" "$IOT_START_MS" $((rss0 / 1024)) $((rss1 / 1024)) | tee -a "$OUT/startup.txt"
      stop "$IOT_PID"
    done
  done
fi

echo "== bench: medians"
"$LOAD" report -svg "$OUT/chart.svg" "$OUT/runs.jsonl" | tee "$OUT/table.md"
