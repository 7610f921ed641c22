# Shared by compat/run.sh: start and stop iotcertd and moto_server on loopback ports with
# fresh data directories, and describe the running server to the client suites through
# COMPAT_* environment variables (see compat/README.md). Source it; do not run it.

# Every process started here is recorded by PID so that compat_cleanup, run from an EXIT
# trap, stops exactly those and nothing else.
COMPAT_PIDS=()
COMPAT_TMP=""

# compat_tmp creates the one temporary directory everything goes under.
compat_tmp() {
  COMPAT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/iotcertd-compat.XXXXXX")
}

# compat_cleanup stops every recorded process (TERM, then KILL after 5 s) and removes the
# temporary directory. Safe to call more than once.
compat_cleanup() {
  local pid i
  for pid in "${COMPAT_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${COMPAT_PIDS[@]}"; do
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  COMPAT_PIDS=()
  if [ -n "$COMPAT_TMP" ] && [ -d "$COMPAT_TMP" ] && [ -z "${COMPAT_KEEP_TMP:-}" ]; then
    rm -rf "$COMPAT_TMP"
  fi
}

# compat_stop PID stops one recorded process and forgets it.
compat_stop() {
  local pid=$1 i keep=()
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for i in "${COMPAT_PIDS[@]}"; do
    [ "$i" = "$pid" ] || keep+=("$i")
  done
  COMPAT_PIDS=("${keep[@]}")
}

# compat_start_iotcertd BIN MODE NAME starts `iotcertd serve` in MODE (emulator|strict) on
# a kernel-chosen loopback port with a fresh data directory $COMPAT_TMP/NAME, waits until
# it listens, and exports COMPAT_ENDPOINT, COMPAT_MODE, COMPAT_REGION, COMPAT_PID and three
# accounts A, B, C as COMPAT_{A,B,C}_{ACCOUNT,KEY,SECRET}. In strict mode A is the account
# the server created on first start (read from DATA/credentials), and B and C are created
# with `iotcertd account create --id`; in emulator mode the access key is the account.
compat_start_iotcertd() {
  local bin=$1 mode=$2 name=$3
  local dir="$COMPAT_TMP/$name" flags=() addr="" i
  mkdir -p "$dir"
  [ "$mode" = emulator ] && flags=(--emulator)
  "$bin" serve --addr 127.0.0.1:0 --data "$dir/data" --key-pool 4 "${flags[@]}" \
    >"$dir/stdout.log" 2>"$dir/stderr.log" &
  COMPAT_PID=$!
  COMPAT_PIDS+=("$COMPAT_PID")
  # The port is chosen by the kernel (no race for a free port); the server logs it.
  for i in $(seq 300); do
    addr=$(sed -n 's/.*msg="iotcertd listening" addr=\([0-9.:]*\).*/\1/p' "$dir/stderr.log" | head -n1)
    [ -n "$addr" ] && break
    if ! kill -0 "$COMPAT_PID" 2>/dev/null; then
      echo "iotcertd ($mode) exited during start:" >&2; cat "$dir/stderr.log" >&2; return 1
    fi
    sleep 0.1
  done
  if [ -z "$addr" ]; then
    echo "iotcertd ($mode) did not start listening within 30 s" >&2; cat "$dir/stderr.log" >&2; return 1
  fi
  case $addr in 127.*) ;; *) echo "iotcertd listens on $addr, not loopback" >&2; return 1 ;; esac
  export COMPAT_ENDPOINT="http://$addr" COMPAT_MODE=$mode COMPAT_REGION=us-east-1 COMPAT_PID COMPAT_SERVER_LOG="$dir/stderr.log"

  if [ "$mode" = emulator ]; then
    export COMPAT_A_ACCOUNT=111111111111 COMPAT_A_KEY=111111111111 COMPAT_A_SECRET=emulator-secret
    export COMPAT_B_ACCOUNT=222222222222 COMPAT_B_KEY=222222222222 COMPAT_B_SECRET=emulator-secret
    export COMPAT_C_ACCOUNT=333333333333 COMPAT_C_KEY=333333333333 COMPAT_C_SECRET=emulator-secret
    return 0
  fi
  local creds="$dir/data/credentials"
  COMPAT_A_ACCOUNT=$(sed -n 's/^# iotcertd account \([0-9]\{12\}\)$/\1/p' "$creds")
  COMPAT_A_KEY=$(sed -n 's/^aws_access_key_id = //p' "$creds" | head -n1)
  COMPAT_A_SECRET=$(sed -n 's/^aws_secret_access_key = //p' "$creds" | head -n1)
  if [ -z "$COMPAT_A_ACCOUNT" ] || [ -z "$COMPAT_A_KEY" ] || [ -z "$COMPAT_A_SECRET" ]; then
    echo "strict mode: no first account in $creds" >&2; return 1
  fi
  export COMPAT_A_ACCOUNT COMPAT_A_KEY COMPAT_A_SECRET
  local who id json
  for who in B:222222222222 C:333333333333; do
    id=${who#*:}
    json=$("$bin" account create --id "$id" --data "$dir/data") || { echo "account create --id $id failed" >&2; return 1; }
    eval "$(printf '%s' "$json" | python3 -c '
import json, shlex, sys
a = json.load(sys.stdin)
p = sys.argv[1]
print("export COMPAT_%s_ACCOUNT=%s COMPAT_%s_KEY=%s COMPAT_%s_SECRET=%s" % (
    p, shlex.quote(a["accountId"]), p, shlex.quote(a["accessKeyId"]), p, shlex.quote(a["secretAccessKey"])))
' "${who%%:*}")"
  done
}

# compat_start_moto starts moto_server on a free loopback port (retrying when another
# process takes the port first), waits until it answers, and exports MOTO_ENDPOINT and
# MOTO_PID.
compat_start_moto() {
  local dir="$COMPAT_TMP/moto" port try i
  mkdir -p "$dir"
  for try in 1 2 3; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    moto_server -H 127.0.0.1 -p "$port" >"$dir/moto-$try.log" 2>&1 &
    MOTO_PID=$!
    COMPAT_PIDS+=("$MOTO_PID")
    for i in $(seq 300); do
      if ! kill -0 "$MOTO_PID" 2>/dev/null; then break; fi
      if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
          "http://127.0.0.1:$port/moto-api/data.json" >/dev/null 2>&1; then
        export MOTO_ENDPOINT="http://127.0.0.1:$port" MOTO_PID
        return 0
      fi
      sleep 0.1
    done
    compat_stop "$MOTO_PID"
  done
  echo "moto_server did not start:" >&2; cat "$dir"/moto-*.log >&2; return 1
}
