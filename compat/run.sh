#!/usr/bin/env bash
# The client compatibility suite: builds iotcertd, then drives the real binary with every
# client users point at it (AWS CLI, boto3, the AWS SDK for JavaScript v3, aws-sdk-go-v2),
# in emulator mode and in strict SigV4 mode, each suite against a fresh server on a
# loopback port with a fresh data directory; then diffs iotcertd against moto.
#
#   bash compat/run.sh              every suite, both modes, and the moto differential
#   bash compat/run.sh boto3 moto   only these (cli, boto3, js, go, moto)
#
# Exits non-zero when any suite fails or any client is missing: a missing client is a
# failure, never a skip. Everything started here is stopped on exit, failure or not.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. compat/lib.sh

SUITES=("$@")
[ ${#SUITES[@]} -eq 0 ] && SUITES=(cli boto3 js go moto)
SUITE_TIMEOUT=${COMPAT_SUITE_TIMEOUT:-600}

want() {
  local s
  for s in "${SUITES[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

compat_tmp
trap compat_cleanup EXIT
trap 'exit 130' INT TERM

# --- Clients. Each must be present; none is skipped. What a registry this machine reaches
# can supply is installed when missing: Node.js and npm from Debian's packages, the Python
# clients with pip (which succeeds only from a local wheel directory: PyPI is not reachable
# here, so on a machine without the preinstalled awscli, boto3 and moto the run fails below
# with a clear message).
if want js && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  echo "== compat: installing nodejs and npm (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >/dev/null 2>&1 || true
fi
if { want cli && ! command -v aws >/dev/null 2>&1; } || ! python3 -c 'import boto3, cryptography' >/dev/null 2>&1 ||
   { want moto && ! command -v moto_server >/dev/null 2>&1; }; then
  echo "== compat: installing awscli, boto3, moto[server] (pip)"
  timeout 120 python3 -m pip install -q awscli boto3 'moto[server]' >/dev/null 2>&1 || true
fi
missing=()
if want cli; then
  command -v aws >/dev/null 2>&1 || missing+=("aws (AWS CLI)")
fi
if want boto3 || want cli || want moto; then
  python3 -c 'import boto3, botocore, cryptography' >/dev/null 2>&1 || missing+=("python3 with boto3 and cryptography")
fi
if want js; then
  command -v node >/dev/null 2>&1 || missing+=("node")
  command -v npm >/dev/null 2>&1 || missing+=("npm")
fi
if want moto; then
  command -v moto_server >/dev/null 2>&1 || missing+=("moto_server (moto)")
fi
command -v go >/dev/null 2>&1 || missing+=("go")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'compat: missing client: %s\n' "${missing[@]}" >&2
  echo "compat: the AWS CLI v1, boto3 and moto come preinstalled on this kind of machine (PyPI is not reachable to" >&2
  echo "compat: install them); Node.js 20 and npm are installed with apt when missing. Install the missing ones and run again." >&2
  exit 1
fi

echo "== compat: clients"
want cli && aws --version 2>&1
python3 -c 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)'
want moto && python3 -c 'import moto; print("moto", moto.__version__)'
if want js; then
  echo "node $(node --version), npm $(npm --version 2>/dev/null)"
  # The lockfile pins @aws-sdk/client-iot and everything under it.
  (cd compat/js && npm ci --no-audit --no-fund --loglevel=error) || { echo "compat: npm ci failed in compat/js" >&2; exit 1; }
  node -e 'console.log("@aws-sdk/client-iot", require("./compat/js/node_modules/@aws-sdk/client-iot/package.json").version)'
fi
go list -m -f '{{.Path}} {{.Version}}' github.com/aws/aws-sdk-go-v2/service/iot

echo "== compat: build"
BIN=$COMPAT_TMP/iotcertd
if [ -n "${COMPAT_BIN:-}" ]; then
  cp "$COMPAT_BIN" "$BIN"
else
  go build -o "$BIN" ./cmd/iotcertd || { echo "compat: go build failed" >&2; exit 1; }
fi
export COMPAT_FIXTURES=$COMPAT_TMP/fixtures
python3 compat/fixtures.py "$COMPAT_FIXTURES" || { echo "compat: fixtures failed" >&2; exit 1; }

passed=0
failed=0
failures=()
record() { # record NAME STATUS
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1)); echo "== compat: $1 PASSED"
  else
    failed=$((failed + 1)); failures+=("$1"); echo "== compat: $1 FAILED (exit $2)"
  fi
}

# run_client MODE SUITE: a fresh server, the suite, the server stopped.
run_client() {
  local mode=$1 suite=$2 status=0
  echo
  echo "== compat: $suite against iotcertd in $mode mode"
  if ! compat_start_iotcertd "$BIN" "$mode" "$suite-$mode"; then
    record "$suite/$mode" 1; return
  fi
  echo "   $COMPAT_ENDPOINT, accounts $COMPAT_A_ACCOUNT $COMPAT_B_ACCOUNT $COMPAT_C_ACCOUNT"
  case $suite in
    cli)   timeout "$SUITE_TIMEOUT" python3 compat/cli/test_cli.py || status=$? ;;
    boto3) timeout "$SUITE_TIMEOUT" python3 compat/boto3/test_boto3.py || status=$? ;;
    js)    (cd compat/js && timeout "$SUITE_TIMEOUT" node --test --test-reporter=spec --test-concurrency=1 test/) || status=$? ;;
    go)    timeout "$SUITE_TIMEOUT" go test -count=1 -v ./compat/gosdk/ || status=$? ;;
  esac
  if ! kill -0 "$COMPAT_PID" 2>/dev/null; then
    echo "   iotcertd died during the suite:"; tail -n 20 "$COMPAT_SERVER_LOG"; status=1
  fi
  compat_stop "$COMPAT_PID"
  record "$suite/$mode" "$status"
}

for mode in ${COMPAT_MODES:-emulator strict}; do
  for suite in cli boto3 js go; do
    want "$suite" && run_client "$mode" "$suite"
  done
done

if want moto; then
  echo
  echo "== compat: differential check against moto"
  status=0
  if compat_start_iotcertd "$BIN" emulator moto-iotcertd && compat_start_moto; then
    echo "   iotcertd $COMPAT_ENDPOINT, moto $MOTO_ENDPOINT"
    timeout "$SUITE_TIMEOUT" python3 compat/moto/diff.py "$COMPAT_ENDPOINT" "$MOTO_ENDPOINT" || status=$?
  else
    status=1
  fi
  record moto-diff "$status"
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "compat: failed: ${failures[*]}"
echo "compat: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
