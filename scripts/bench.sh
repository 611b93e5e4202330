#!/usr/bin/env bash
# Load benchmark of the release server, and the side-by-side run against the
# peer (panva's oidc-provider) with the harness in ../shared/bench.
#
#   scripts/bench.sh [--postgres] [--peer] [--runs N] [--quick] [--instances N]
#                    [--driver-only] [--callgrind] [-- HARNESS-OPTIONS…]
#
#   (default)   build the release binary, seed a fresh SQLite database through
#               the CLI, start the server as a user would (info logs, durable
#               storage), and measure it alone with the harness's scenarios
#               (wrk for discovery, JWKS, client_credentials, introspection; its
#               chained driver for refresh; its flow driver for code + PKCE).
#   --peer      the same, interleaved with the peer in one run: peer, ManuMu
#               (ES256 access tokens, the default), ManuMu with RS256 access
#               tokens (for the RS256 client_credentials row), N times.
#   --postgres  ManuMu on PostgreSQL ($BENCH_DATABASE_URL, default a fresh
#               database `manumu_bench` on postgres://postgres@127.0.0.1:5432).
#   --runs N    repeat N times (medians); default 3.
#   --quick     a 1-2 minute smoke run (short scenarios, few flows).
#   --instances N
#               our flow driver also runs against N instances of the server
#               on the one database (ports 8080…, one issuer), after its run
#               against one: every flow crosses instances and refresh chains
#               alternate between them, so the lines compare one instance
#               with N on the same load (use with --postgres: that is how
#               users scale out).
#   --driver-only
#               skip the harness; run only our flow driver (login, session
#               and refresh-chain flows).
#   --callgrind instructions per flow instead of time: one server under
#               valgrind's callgrind, 300 sequential session flows and 300
#               chained refreshes, each after 30 unmeasured, counted apart
#               (callgrind counts instructions, so the numbers repeat on a
#               noisy host). Implies --driver-only.
#
# BENCH_SERVER_BIN=PATH measures another build of the server (an earlier
# commit's, for a before/after) with this tree's scripts and driver.
# CARGO_TARGET_DIR, when set, is where the binary and the driver are built
# and found (a worktree beside another's build).
#
# Writes everything under target/bench/<stamp>/ (config, database, the
# harness's per-run JSON, summary.md/json, server logs). Quote a run in
# docs/BENCHMARKS.md by copying its summary.json to docs/benchmarks/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

peer=0 postgres=0 runs=3 quick=0 instances=1 driver_only=0 callgrind=0 extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --peer) peer=1 ;;
    --postgres) postgres=1 ;;
    --runs) runs="$2"; shift ;;
    --quick) quick=1 ;;
    --instances) instances="$2"; shift ;;
    --driver-only) driver_only=1 ;;
    --callgrind) callgrind=1 driver_only=1 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

harness="${BENCH_HARNESS:-$root/../shared/bench}"
[[ -x "$harness/run.sh" ]] || { echo "the harness is not at $harness (set BENCH_HARNESS)" >&2; exit 2; }

# wrk from Debian, the load tool the harness drives.
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)…"
  sudo_cmd=""; [[ "$(id -u)" != "0" ]] && sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null \
    || { $sudo_cmd apt-get update -q >/dev/null && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
fi

echo "==> building the release binary and the flow driver"
cargo build --release -q -p auth-server --bin auth-server --example flow_driver
built="${CARGO_TARGET_DIR:-$root/target}/release"
bin="${BENCH_SERVER_BIN:-$built/auth-server}"
driver="$built/examples/flow_driver"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="$root/target/bench/$stamp"
mkdir -p "$work/data"
if ((postgres)); then
  url="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/manumu_bench}"
  admin="${url%/*}/postgres"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS ${url##*/}" -c "CREATE DATABASE ${url##*/}"
  master_key="master_key = \"$(head -c 32 /dev/urandom | base64)\""
else
  url="sqlite://$work/data/manumu.db"
  master_key=""
fi

# The configuration a user would run, plus what the harness expects of every
# server: its issuer and port, the API audience and scopes.
config="$work/manumu.toml"
cat >"$config" <<TOML
issuer = "http://127.0.0.1:8080"
bind = "127.0.0.1:8080"
database_url = "$url"
data_dir = "$work/data"
log_level = "info"
log_format = "json"
access_token_audience = "urn:oidc-bench:api"
# Every flow comes from 127.0.0.1: lift the per-address quota on sign-in requests.
authorize_requests_per_ip = 4000000000
$master_key

[api_scopes]
"api:read" = "Read the benchmark API"
"api:write" = "Change the benchmark API"
TOML

echo "==> seeding ($url)"
"$bin" --config "$config" migrate >/dev/null
# One user per flow: a sign-in while another sign-in of the same account is
# in flight is refused (429, docs/SECURITY.md § Login), so concurrent login
# flows need distinct accounts: bench1@example.com … benchN@example.com.
# The harness numbers its flows from 0 (warm-up) to the phase's size, and the
# sign-ins that start refresh chains from 100000.
users=1510
((quick)) && users=110
{ seq 0 "$users"; seq 100000 100063; } | xargs -P "$(nproc)" -I{} sh -c \
  "printf 'bench-password\n' | '$bin' --config '$config' users create --email bench{}@example.com --name 'Bench {}' --email-verified --password-stdin >/dev/null"
cat >"$work/clients.toml" <<'TOML'
[[clients]]
name = "bench-confidential"
type = "confidential"
redirect_uris = ["http://127.0.0.1:9999/cb"]
scopes = ["openid", "offline_access", "api:read", "api:write"]
grant_types = ["authorization_code", "refresh_token", "client_credentials"]

[[clients]]
name = "bench-confidential-post"
type = "confidential"
auth_method = "client_secret_post"
redirect_uris = ["http://127.0.0.1:9999/cb"]
scopes = ["openid", "offline_access", "api:read", "api:write"]
grant_types = ["authorization_code", "refresh_token", "client_credentials"]

[[clients]]
name = "bench-public"
type = "public"
redirect_uris = ["http://127.0.0.1:9999/cb"]
scopes = ["openid", "offline_access", "api:read", "api:write"]
grant_types = ["authorization_code", "refresh_token"]
TOML
"$bin" --config "$config" clients apply "$work/clients.toml" --json >"$work/clients.json"
read -r confidential_id confidential_secret post_id post_secret public_id < <(python3 - "$work/clients.json" <<'PY'
import json, sys
clients = {c["client_name"]: c for c in json.load(open(sys.argv[1]))}
print(clients["bench-confidential"]["client_id"], clients["bench-confidential"]["client_secret"],
      clients["bench-confidential-post"]["client_id"], clients["bench-confidential-post"]["client_secret"],
      clients["bench-public"]["client_id"])
PY
)
# A client authenticates only by its registered method (docs/SECURITY.md), so
# the client_secret_post scenario uses a second confidential client.
export BENCH_CONFIDENTIAL_ID="$confidential_id" BENCH_CONFIDENTIAL_SECRET="$confidential_secret"
export BENCH_CONFIDENTIAL_POST_ID="$post_id" BENCH_CONFIDENTIAL_POST_SECRET="$post_secret"
export BENCH_PUBLIC_ID="$public_id" BENCH_USER="bench{n}@example.com" BENCH_PASSWORD="bench-password"
export RUST_SERVER_BIN="$bin" MANUMU_BENCH_CONFIG="$config"
# The harness's own files (virtualenv, peer dependencies, results) stay out of ../shared.
export BENCH_VENV="${BENCH_VENV:-$root/target/bench/venv}"
export BENCH_PEER_DIR="${BENCH_PEER_DIR:-$root/target/bench/peer-node}"
export BENCH_RESULTS="$work/results"

options=(--runs "$runs")
if ((quick)); then
  options+=(--duration 2 --warmup 1 --flows-seq 50 --flows-conc 100 --session-flows-seq 50 --session-flows-conc 100)
fi
targets=("$root/bench/manumu.json")
((peer)) && targets=(node "$root/bench/manumu.json" "$root/bench/manumu-rs256.json")

if ((!driver_only)); then
  echo "==> measuring: ${targets[*]##*/}"
  "$harness/run.sh" "${targets[@]}" "${options[@]}" "${extra[@]}"
  cp "$BENCH_RESULTS"/*-summary.md "$work/summary.md" 2>/dev/null || true
  cp "$BENCH_RESULTS"/*-summary.json "$work/summary.json" 2>/dev/null || true
fi

# Our own flow driver (examples/flow_driver.rs) against the same server, as a
# cross-check of the harness's Python flow driver: same flows, a client that
# costs less CPU on the shared cores. With --instances N, the same load again
# against N instances of the server on the one database.
servers=()
start_instances() {
  servers=()
  local i
  for ((i = 0; i < $1; i++)); do
    AUTH_BIND="127.0.0.1:$((8080 + i))" "$bin" --config "$config" serve >"$work/flow-driver-server-$1-$i.log" 2>&1 &
    servers+=($!)
  done
  for ((i = 0; i < $1; i++)); do
    for _ in $(seq 1 100); do
      curl -fsS -o /dev/null "http://127.0.0.1:$((8080 + i))/.well-known/openid-configuration" 2>/dev/null && break
      sleep 0.1
    done
  done
}
stop_instances() {
  kill "${servers[@]}" 2>/dev/null || true
  wait "${servers[@]}" 2>/dev/null || true
  servers=()
}
trap stop_instances EXIT

# Instructions per flow: the server under callgrind, counters zeroed after
# the warm-up (the driver's AFTER_WARMUP) and dumped after the measured flows.
if ((callgrind)); then
  command -v valgrind >/dev/null || { echo "--callgrind needs valgrind" >&2; exit 2; }
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    "$bin" --config "$config" serve >"$work/callgrind-server.log" 2>&1 &
  servers=($!)
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null http://127.0.0.1:8080/.well-known/openid-configuration 2>/dev/null && break
    sleep 0.2
  done
  measured=300
  for mode in session refresh; do
    WARMUP=30 AFTER_WARMUP="callgrind_control -z ${servers[0]} >/dev/null" \
      "$driver" http://127.0.0.1:8080 "$confidential_id" "$confidential_secret" 'bench{n}@example.com' bench-password "$measured" 1 "$mode" >/dev/null
    callgrind_control -d "${servers[0]}" >/dev/null
    dump="$(ls -t "$work"/callgrind.out.* | head -1)"
    total="$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")"
    printf '{"mode":"%s","flows":%d,"instructions":%d,"instructions_per_flow":%d}\n' \
      "$mode" "$measured" "$total" $((total / measured)) | tee -a "$work/callgrind.jsonl"
  done
  stop_instances
  echo "==> results in $work (callgrind.jsonl, callgrind.out.*)"
  exit 0
fi

flows_seq=500 flows_conc=1500 refreshes=6000
((quick)) && flows_seq=50 flows_conc=100 refreshes=600
counts=(1)
((instances > 1)) && counts+=("$instances")
for count in "${counts[@]}"; do
  echo "==> our flow driver, $count instance(s)"
  start_instances "$count"
  bases="$(for ((i = 0; i < count; i++)); do printf 'http://127.0.0.1:%d,' $((8080 + i)); done)"
  bases="${bases%,}"
  {
    for mode in login session; do
      "$driver" "$bases" "$confidential_id" "$confidential_secret" 'bench{n}@example.com' bench-password "$flows_seq" 1 "$mode"
      "$driver" "$bases" "$confidential_id" "$confidential_secret" 'bench{n}@example.com' bench-password "$flows_conc" 8 "$mode"
    done
    for chains in 8 32; do
      "$driver" "$bases" "$confidential_id" "$confidential_secret" 'bench{n}@example.com' bench-password "$refreshes" "$chains" refresh
    done
  } | tee -a "$work/flow-driver.jsonl"
  stop_instances
done
echo "==> results in $work (summary.md, summary.json, results/, flow-driver.jsonl)"
