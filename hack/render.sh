#!/usr/bin/env bash
# Render one example XR with the real crossplane CLI against the function
# running locally (Development runtime, no Docker): starts bin/function with
# --insecure on a free loopback port, renders, stops it.
#   hack/render.sh examples/xr/claim.yaml [--observed-resources=FILE] [more render flags]
set -euo pipefail
cd "$(dirname "$0")/.."
xr=${1:?usage: hack/render.sh XR [render flags]}; shift
bin=${BIN:-bin}
port=${FUNCTION_PORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo 9443)}
"$bin/function" --insecure --address "127.0.0.1:$port" --metrics-address= >"${TMPDIR:-/tmp}/payment-function.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "${TMPDIR:-/tmp}/payment-function.log" >&2; exit 1; }
  sleep 0.1
done
"$bin/crossplane" render "$xr" compositions/composition.yaml examples/functions.yaml \
  --include-full-xr --xrd=apis/xpaymentplatforms/definition.yaml \
  --function-annotations="render.crossplane.io/runtime-development-target=127.0.0.1:$port" "$@"
