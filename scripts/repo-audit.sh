#!/usr/bin/env bash
# Repository audit: writes docs/audit/REPORT.md with
#   (a) a readiness checklist, one row per roadmap feature, marked from evidence
#       found in the tree (routes and CLI commands in code, test files and their
#       results in the last gates run, documentation sections);
#   (b) doc drift: routes, CLI commands and config keys in code but not in the
#       docs, and documented ones missing from code;
#   (c) test placement: every test file, its layer, and what would make it
#       unfit for the permanent suite.
# Exits 1 when there is drift or an unfit test, so it can gate.
#
# Where it reads:
#   routes       ROUTES in crates/oauth-http-actix/src/routes/mod.rs
#   CLI          the *Command enums in crates/auth-server/src/cli.rs
#                (variants in kebab-case; `FooCommand` nests under `foo`)
#   config keys  `auth-server config-keys`, which prints the keys of the schema
#                in crates/auth-server/src/config/ (the binary at $AUTH_SERVER_BIN
#                when set, else built and run by cargo)
#   docs         README.md sections "HTTP endpoints", "Command line", "Configuration"
#   last run     target/gates/test-output.txt, written by scripts/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

report="docs/audit/REPORT.md"
test_log="target/gates/test-output.txt"
mkdir -p "$(dirname "$report")"
failures=0

# ---------------------------------------------------------------- extraction --

code_routes() {
  awk '/pub const ROUTES/,/\];/' crates/oauth-http-actix/src/routes/mod.rs |
    grep -oE '"/[^"]*"' | tr -d '"' | sort -u
}

kebab() { sed -E 's/([a-z0-9])([A-Z])/\1-\2/g' | tr '[:upper:]' '[:lower:]'; }

code_cli() {
  local file=crates/auth-server/src/cli.rs
  # Enum name and its variants, one "Enum Variant" pair per line.
  local pairs
  pairs="$(awk '
    /^pub enum [A-Za-z]*Command \{/ { name=$3; inside=1; next }
    inside && /^\}/ { inside=0; next }
    inside && /^    [A-Z][A-Za-z]*[,({]?$|^    [A-Z][A-Za-z]*[ ({,]/ {
      v=$1; sub(/[,({].*/, "", v); print name, v
    }' "$file")"
  local nested
  nested="$(awk '{print $1}' <<<"$pairs" | grep -v '^Command$' | sed 's/Command$//' | kebab | sort -u)"
  while read -r enum variant; do
    [[ -z "$enum" ]] && continue
    local v
    v="$(kebab <<<"$variant")"
    if [[ "$enum" == "Command" ]]; then
      grep -qx "$v" <<<"$nested" || echo "$v"
    else
      echo "$(sed 's/Command$//' <<<"$enum" | kebab) $v"
    fi
  done <<<"$pairs" | sort -u
}

code_config_keys() {
  local listed
  if [[ -n "${AUTH_SERVER_BIN:-}" ]]; then
    listed="$("$AUTH_SERVER_BIN" config-keys)"
  else
    listed="$(cargo run --quiet --locked -p auth-server -- config-keys)"
  fi || { echo "repo-audit: cannot list the config keys (auth-server config-keys failed)" >&2; exit 2; }
  sort -u <<<"$listed"
}

# Lines of a README section, from "## <title>" to the next "## ".
section() {
  awk -v title="$1" '
    $0 ~ "^## " { inside = ($0 == "## " title) ; next }
    inside { print }' README.md
}

doc_routes() { section "HTTP endpoints" | grep -E '^\|' | grep -oE '`/[^`]*`' | tr -d '`' | sort -u; }

doc_cli() {
  section "Command line" | grep -E '^\|' | grep -oE '`auth-server [^`]*`' | tr -d '`' |
    sed -E 's/^auth-server //; s/ (--|\[).*$//; s/ [A-Z]+.*$//' | sort -u
}

doc_config_keys() {
  section "Configuration" | grep -E '^\| `' | awk -F'|' '{print $2}' | grep -oE '`[a-z0-9_]+`' | head -1000 | tr -d '`' |
    sort -u
}

# ------------------------------------------------------------------- drift --

drift_rows=""
compare() { # kind, code list, doc list
  local kind="$1" code="$2" docs="$3"
  local missing_in_docs missing_in_code
  missing_in_docs="$(comm -23 <(sort -u <<<"$code") <(sort -u <<<"$docs") | sed '/^$/d')"
  missing_in_code="$(comm -13 <(sort -u <<<"$code") <(sort -u <<<"$docs") | sed '/^$/d')"
  while read -r item; do
    [[ -z "$item" ]] && continue
    drift_rows+="| $kind | \`$item\` | in code, not in README |"$'\n'
    failures=$((failures + 1))
  done <<<"$missing_in_docs"
  while read -r item; do
    [[ -z "$item" ]] && continue
    drift_rows+="| $kind | \`$item\` | in README, not in code |"$'\n'
    failures=$((failures + 1))
  done <<<"$missing_in_code"
}

routes="$(code_routes)"
cli="$(code_cli)"
keys="$(code_config_keys)"
compare "route" "$routes" "$(doc_routes)"
compare "CLI command" "$cli" "$(doc_cli)"
compare "config key" "$keys" "$(doc_config_keys)"

# Every config key is also an AUTH_<KEY> variable: the docs must name it.
# (The section is read once: `grep -q` on a pipe would end the writer early,
# and with pipefail a long section would read as "not found".)
config_section="$(section "Configuration")"
while read -r key; do
  [[ -z "$key" ]] && continue
  env="AUTH_$(tr '[:lower:]' '[:upper:]' <<<"$key")"
  if ! grep -qF -- "\`$env\`" <<<"$config_section"; then
    drift_rows+="| config env | \`$env\` | key \`$key\` documented without its variable |"$'\n'
    failures=$((failures + 1))
  fi
done <<<"$keys"

# ---------------------------------------------------------- test placement --

test_files() {
  {
    grep -rlE '#\[(tokio::|actix_web::)?test' crates --include='*.rs' 2>/dev/null || true
    find tests -name '*.rs' 2>/dev/null || true
    find crates -path '*/src/testing/contract/*.rs' ! -name mod.rs 2>/dev/null || true
  } | sort -u
}

layer_of() {
  case "$1" in
    tests/*/main.rs) echo "support" ;;
    tests/*) if grep -qE '#\[(tokio::|actix_web::)?test' "$1"; then echo "e2e"; else echo "support"; fi ;;
    crates/*/tests/*) echo "integration" ;;
    */testing/contract/*) echo "contract (suite run by every adapter)" ;;
    *) echo "unit" ;;
  esac
}

# Flags that make a test unfit to stay in the permanent suite.
flags_of() {
  local file="$1" flags=()
  grep -qE '(thread|time)::sleep|\bsleep\(' "$file" && flags+=("sleeps")
  grep -qE 'SystemTime::now|OffsetDateTime::now_utc|Instant::now|Utc::now' "$file" && flags+=("wall clock")
  grep -qE '#\[ignore' "$file" && flags+=("ignored")
  grep -qE 'static mut|env::set_var|env::remove_var|set_current_dir' "$file" && flags+=("order dependent (process-global state)")
  # A suite's module shares through `support` only: a feature module that
  # imports another one couples two features' tests (tests/api/main.rs).
  if [[ "$file" == tests/* ]]; then
    local foreign
    foreign="$(grep -oE '\bcrate::[a-z_]+::' "$file" | grep -vE '^crate::support::$' || true)"
    [[ -n "$foreign" ]] && flags+=("imports another test module (share it through support)")
  fi
  # Network: any http(s) URL whose host is not loopback, a reserved example name
  # (RFC 2606), a documentation address (RFC 5737, RFC 3849), or a single-label
  # placeholder such as `host` (none of them routable).
  # Captured, not piped into `grep -q`: an early exit would end the writers
  # and, with pipefail, hide the finding.
  local outside
  outside="$(grep -oE 'https?://[][A-Za-z0-9.:@_-]+' "$file" |
    sed -E 's#https?://([^@/]*@)?##; s#:[0-9]*$##' |
    grep -vE '^(127\.[0-9.]+|localhost|\[::1\]|(192\.0\.2|198\.51\.100|203\.0\.113)\.[0-9]+|\[2001:db8:[0-9a-f:]*\]|(.*\.)?example(\.(com|org|net))?|.*\.(test|invalid|localhost)|\{?[a-z_]*\}?|[A-Za-z_-]+(\[.*)?)$' |
    sort -u || true)"
  if [[ -n "$outside" ]]; then
    flags+=("network beyond loopback")
  fi
  local IFS=", "
  echo "${flags[*]:-}"
}

# What a fit test needs from the machine, and who guarantees it in CI.
needs_of() {
  # Support files hold no test: what they need is reported where a test calls them.
  grep -qE '#\[(tokio::|actix_web::)?test' "$1" || return 0
  local needs=()
  grep -qE 'TestDatabase::postgres|\bdatabases\(' "$1" && needs+=("PostgreSQL cases need TEST_DATABASE_URL, set by .ci/run")
  grep -q 'REQUIRE_BROWSER' "$1" && needs+=("needs Chromium + chromedriver, installed and required by .ci/run")
  if ((${#needs[@]} > 0)); then
    local IFS=";"
    echo " (${needs[*]})"
  fi
}

count_tests() {
  case "$1" in
    */testing/contract/*) grep -cE '^pub async fn ' "$1" || true ;;
    *) grep -cE '#\[(tokio::|actix_web::)?test' "$1" || true ;;
  esac
}

placement_rows=""
while read -r file; do
  [[ -z "$file" ]] && continue
  layer="$(layer_of "$file")"
  flags="$(flags_of "$file")"
  if [[ -n "$flags" ]]; then
    verdict="unfit: $flags"
    failures=$((failures + 1))
  else
    verdict="permanent$(needs_of "$file")"
  fi
  placement_rows+="| \`$file\` | $layer | $(count_tests "$file") | $verdict |"$'\n'
done <<<"$(test_files)"

# ------------------------------------------------------------------ pages --

# Pages load and post nothing from elsewhere: no third party sees a login
# or consent page, and a form cannot be aimed at another origin.
page_rows=""
for template in templates/*.html; do
  [[ -f "$template" ]] || continue
  if grep -qE '(src|href|action)="(https?:)?//' "$template"; then
    page_rows+="| \`$template\` | loads or posts to another origin |"$'\n'
    failures=$((failures + 1))
  fi
done

# -------------------------------------------------------------- readiness --

last_run() { # module prefix -> passing | failing | not run
  local module="$1"
  if [[ ! -f "$test_log" ]]; then echo "no run recorded"; return; fi
  if grep -qE "^test ${module}::.* \.\.\. FAILED" "$test_log"; then echo "failing"; return; fi
  if grep -qE "^test ${module}::.* \.\.\. ok" "$test_log"; then echo "passing"; return; fi
  echo "not run"
}

has_route() { grep -qx "$1" <<<"$routes"; }
has_cli() { grep -qx "$1" <<<"$cli"; }
has_heading() { [[ -f "$1" ]] && grep -qE "^#+ .*$2" "$1"; }

readiness_rows=""
feature() { # name, code-evidence-result, test module prefixes (a|b|…), docs-result
  local name="$1" code="$2" module="$3" docs="$4"
  local files run tests prefix
  files=""
  for prefix in ${module//|/ }; do
    files+="$(find tests/api -maxdepth 1 -name "${prefix}*.rs" 2>/dev/null | sort | tr '\n' ' ')"
  done
  if [[ -n "$files" ]]; then
    tests="yes ($files)"
    run="$(last_run "($module)[a-z_]*")"
  else
    tests="no"
    run="—"
  fi
  local status="not started"
  if [[ "$code" == yes* && -n "$files" && "$run" == passing && "$docs" == yes* ]]; then
    status="ready"
  elif [[ "$code" == yes* || -n "$files" ]]; then
    status="in progress"
  fi
  readiness_rows+="| $name | $status | $code | $tests | $run | $docs |"$'\n'
}

yn() { if "$@"; then echo "yes"; else echo "no"; fi; }

feature "Foundation (workspace, storage, users, config, CLI, gates)" \
  "$(yn has_route /healthz) (/healthz, /readyz, serve, migrate, users)" \
  "users_cli|database_cli|config_loading|health_probes|http_defaults" \
  "$(yn has_heading docs/ARCHITECTURE.md 'Crates') (ARCHITECTURE.md)"
feature "OAuth client registry" "$(yn has_cli 'clients create') (auth-server clients …)" "clients" \
  "$(yn has_heading docs/SECURITY.md 'Client registration') (SECURITY.md § Client registration)"
feature "/oauth/authorize" "$(yn has_route /oauth/authorize) (GET/POST /oauth/authorize)" "authorize" \
  "$(yn has_heading docs/SECURITY.md 'Authorization endpoint') (SECURITY.md § Authorization endpoint)"
feature "/oauth/token" "$(yn has_route /oauth/token) (POST /oauth/token)" "token" \
  "$(yn has_heading docs/SECURITY.md 'Token endpoint') (SECURITY.md § Token endpoint)"
feature "JWKS and discovery" "$(yn has_route /.well-known/openid-configuration) (/jwks.json, discovery)" "discovery" \
  "$(yn test -f docs/VERIFYING_TOKENS.md) (docs/VERIFYING_TOKENS.md)"
has_routes() { for route in "$@"; do has_route "$route" || return 1; done; }
feature "Userinfo, introspection, revocation, logout" \
  "$(yn has_routes /userinfo /oauth/introspect /oauth/revoke /oauth/logout) (/userinfo, /oauth/introspect, /oauth/revoke, /oauth/logout)" \
  "userinfo_endpoint|introspection_endpoint|revocation_endpoint|logout_endpoint" \
  "$(yn has_heading docs/SECURITY.md 'Userinfo') (SECURITY.md § Userinfo)"
feature "Hardening after the outside review" \
  "$(yn has_cli 'users sign-out') (users sign-out; quotas, lockout, escaping in the services)" \
  "users_sign_out|authorize_form_post|authorize_request_objects|authorize_ignored_params|discovery_issuer|forwarded_headers|logout_redirects|security_event_log|storage_secrets|id_token_claims|refresh_token_rules|token_endpoint_rules" \
  "$(yn test -f docs/pull-requests/008-hardening.md) (SECURITY.md, docs/pull-requests/008-hardening.md)"
feature "Embedding oauth-core (example, routes mounted beside an app's own)" \
  "$(yn test -f crates/oauth-core/examples/embedded_code_flow.rs) (examples, oauth_http_actix::mount)" "embedding" \
  "$(yn test -f docs/EMBEDDING.md) (docs/EMBEDDING.md)"
# The core's shape (docs/ARCHITECTURE.md): a pure library that documents
# every public item, holds no cache, keeps files small, and whose embedding
# example runs a whole flow in under 50 lines of its own.
example_lines() {
  awk '/^use /{u=1} u{if(/;[[:space:]]*$/)u=0; next} /^[[:space:]]*(\/\/|$)/{next} {n++} END{print n+0}' \
    crates/oauth-core/examples/embedded_code_flow.rs
}
longest_rust_file() {
  git ls-files '*.rs' | xargs wc -l | grep -v ' total$' | sort -rn | head -1 | awk '{print $1}'
}
core_in_shape() {
  grep -q '^#!\[deny(missing_docs)\]' crates/oauth-core/src/lib.rs \
    && [[ ! -d crates/oauth-core/src/cache ]] \
    && (( $(example_lines) < 50 )) \
    && (( $(longest_rust_file) <= 400 ))
}
feature "Core cut by endpoint family (services, client directory, key ring, request parameters)" \
  "$(yn core_in_shape) (missing docs denied, no cache in the core, example $(example_lines) lines, longest Rust file $(longest_rust_file) lines)" \
  "embedding|token_endpoint_rules" \
  "$(yn test -f docs/pull-requests/009-core-recut.md) (ARCHITECTURE.md, docs/pull-requests/009-core-recut.md)"
# Each stage of the hot flows is one step of a use-case port, bounded by the
# round-trip test, flows cross instances on one database, and the flows'
# writes are fixed statements (no DSL insert into the codes or refresh tables).
one_step_flows() {
  [[ -d crates/oauth-store-diesel/src/grant_store && -f crates/oauth-store-diesel/src/session_views.rs ]] \
    && grep -q 'code: 2, exchange: 2, refresh: 2' crates/oauth-store-diesel/tests/round_trips.rs \
    && grep -q -- '--instances' scripts/bench.sh \
    && [[ -f crates/oauth-store-diesel/src/flow_writes.rs ]] \
    && ! grep -rqE 'insert_into\((authorization_codes|refresh_families|refresh_tokens)::' crates/oauth-store-diesel/src
}
both_step_docs() { [[ -f docs/pull-requests/011-one-step-flows.md && -f docs/pull-requests/012-fixed-flow-writes.md ]]; }
feature "One step per flow stage (PostgreSQL round trips, instances on one database)" \
  "$(yn one_step_flows) (GrantStore, SessionViews, round-trip bounds 2/2/2 on PostgreSQL, bench --instances, fixed flow writes)" \
  "two_instances" \
  "$(yn both_step_docs) (BENCHMARKS.md § Database round trips, docs/pull-requests/011-one-step-flows.md, docs/pull-requests/012-fixed-flow-writes.md)"
# The registry of resource servers, and tokens bound to one (RFC 8707):
# ready once the `resource` parameter reaches the token (`invalid_target`).
resource_registry() {
  [[ -f crates/oauth-core/src/resource.rs && -f crates/oauth-core/src/service/resources.rs ]] \
    && grep -q 'Resources(ResourcesCommand)' crates/auth-server/src/cli.rs
}
resources_bound() { grep -rq 'invalid_target' crates/oauth-core/src; }
feature "Resource indicators (registry, RFC 9728 metadata, tokens bound to one API)" \
  "$(yn resources_bound) tokens bound (RFC 8707 \`resource\`); $(yn resource_registry) registry and CLI" \
  "resource" \
  "$(yn grep -q '^## Resource indicators' docs/SECURITY.md) (SECURITY.md § Resource indicators)"
# Clients nobody registered by hand: metadata documents (off by default),
# fetched through the guarded outbound fetcher and held to the template.
metadata_documents() {
  [[ -f crates/oauth-core/src/metadata_document.rs && -f crates/auth-server/src/outbound/address_policy.rs ]] \
    && grep -q 'client_id_metadata_document_supported' crates/oauth-core/src/discovery.rs
}
feature "Client ID metadata documents (MCP clients; guarded fetcher, template, unverified consent)" \
  "$(yn metadata_documents) (config client_id_metadata_documents, auth_server::outbound)" \
  "metadata_document" \
  "$(yn grep -q '^## Dynamic and metadata-document clients' docs/SECURITY.md) (SECURITY.md § Dynamic and metadata-document clients)"
# Dynamic client registration (RFC 7591/7592), off by default: the
# registration endpoint and its management, on the initial access tokens.
feature "Dynamic client registration (RFC 7591/7592; initial access tokens)" \
  "$(yn has_route /oauth/register) (POST /oauth/register); $(yn has_cli 'registration-tokens create') initial access tokens" \
  "registration" \
  "$(yn grep -q '^### Dynamic registration' docs/SECURITY.md) (SECURITY.md § Dynamic registration)"
# Pushed requests, DPoP and private_key_jwt: ready only when all three
# are built (the PAR endpoint, a DPoP proof check, the key-based method).
has_dpop() { [[ -f crates/oauth-core/src/service/dpop.rs ]] && grep -q 'DpopProofVerifier for' crates/oauth-keys/src/dpop.rs; }
has_private_key_jwt() { grep -rq 'PrivateKeyJwt' crates/oauth-core/src && grep -q 'JoseAssertionVerifier' crates/oauth-keys/src/lib.rs; }
# Key sets by value and by jwks_uri: the CLI names the URL, and the
# server fetches it through the guarded fetcher into its bounded cache.
has_jwks_uri() {
  grep -q 'jwks_uri' crates/auth-server/src/cli.rs \
    && grep -q 'impl ClientKeySets for CachedKeySets' crates/auth-server/src/outbound/key_sets.rs 2>/dev/null
}
sender_constrained() {
  has_route /oauth/par && has_dpop && has_private_key_jwt && has_jwks_uri
}
feature "Pushed requests, DPoP, private_key_jwt (RFC 9126, 9449, 7523)" \
  "$(yn sender_constrained) (all three; POST /oauth/par: $(yn has_route /oauth/par); DPoP proofs: $(yn has_dpop); private_key_jwt: $(yn has_private_key_jwt), jwks_uri: $(yn has_jwks_uri))" \
  "pushed_authorization|dpop|private_key_jwt" \
  "$(yn grep -q '^## Pushed authorization requests' docs/SECURITY.md) (SECURITY.md § Pushed authorization requests), $(yn grep -q '^## DPoP' docs/SECURITY.md) (§ DPoP), $(yn grep -q '^## `private_key_jwt`' docs/SECURITY.md) (§ private_key_jwt)"
# The device grant (RFC 8628): ready when the device authorization
# endpoint and the verification page are served beside the polling grant.
has_device_polling() { [[ -f crates/oauth-core/src/service/token/device_code.rs ]]; }
device_grant() { has_route /oauth/device_authorization && has_route /device && has_device_polling; }
feature "Device authorization grant (RFC 8628)" \
  "$(yn device_grant) (POST /oauth/device_authorization: $(yn has_route /oauth/device_authorization); verification page /device: $(yn has_route /device); polling at /oauth/token: $(yn has_device_polling))" \
  "device" \
  "$(yn grep -q '^## Device grant' docs/SECURITY.md) (SECURITY.md § Device grant)"
# What operators and users see: ready when metrics, traces, the security
# event log and the account page are all built.
has_metrics() { grep -q 'metrics_bind' crates/auth-server/src/config/server.rs && [[ -f crates/auth-server/src/app/metrics.rs ]]; }
has_event_log() { has_cli 'events list' && [[ -f crates/oauth-store-diesel/src/security_events.rs ]]; }
has_traces() { grep -rq 'otlp_endpoint' crates/auth-server/src/config; }
has_account_page() { has_route /account; }
operations() { has_metrics && has_event_log && has_traces && has_account_page; }
feature "Metrics, traces, security events, account page" \
  "$(yn operations) (all four; metrics: $(yn has_metrics), security events: $(yn has_event_log), traces: $(yn has_traces), /account: $(yn has_account_page))" \
  "metrics_endpoint|security_event|otlp_traces|account" \
  "$(yn test -f docs/OPERATIONS.md) (OPERATIONS.md), $(yn grep -q '^### Security events' docs/SECURITY.md) (SECURITY.md § Security events)"
has_benches() { [[ -f scripts/bench.sh ]] && compgen -G "crates/*/benches/*.rs" >/dev/null; }
feature "Benchmarks" "$(yn has_benches) (crates/*/benches, scripts/bench.sh)" "bench" \
  "$(yn test -f docs/BENCHMARKS.md) (docs/BENCHMARKS.md)"

# ----------------------------------------------------------------- report --

{
  echo "# Repository audit"
  echo
  echo "Written by \`scripts/repo-audit.sh\` from the tree as it is; do not edit by hand."
  echo "Last gates run: $(if [[ -f "$test_log" ]]; then grep -cE '^test .* \.\.\. ok$' "$test_log"; else echo 0; fi) tests ok,"
  echo "$(if [[ -f "$test_log" ]]; then grep -cE '^test .* \.\.\. FAILED$' "$test_log"; else echo 0; fi) failed (from \`$test_log\`)."
  echo
  echo "## Readiness"
  echo
  echo "A feature is *ready* when its code, its end-to-end tests (passing in the last run) and its docs are all present."
  echo
  echo "| feature | status | code | tests | last run | docs |"
  echo "|---|---|---|---|---|---|"
  printf '%s' "$readiness_rows"
  echo
  echo "## Doc drift"
  echo
  if [[ -z "$drift_rows" ]]; then
    echo "None: every route, CLI command and config key in code is in README.md, and the other way round."
  else
    echo "| kind | item | problem |"
    echo "|---|---|---|"
    printf '%s' "$drift_rows"
  fi
  echo
  echo "Checked: $(wc -l <<<"$routes" | tr -d ' ') routes, $(wc -l <<<"$cli" | tr -d ' ') CLI commands, $(wc -l <<<"$keys" | tr -d ' ') config keys."
  echo
  echo "## Pages"
  echo
  if [[ -z "$page_rows" ]]; then
    echo "Every template in \`templates/\` loads and posts only to our own origin."
  else
    echo "| template | problem |"
    echo "|---|---|"
    printf '%s' "$page_rows"
  fi
  echo
  echo "## Test placement"
  echo
  echo "Layers: *unit* (beside the code, ports faked), *integration* (an adapter against a real SQLite or PostgreSQL),"
  echo "*e2e* (the real server or binary over HTTP/argv), *support* (shared helpers). A test is fit for the permanent"
  echo "suite unless it sleeps, reads the wall clock, reaches beyond loopback, is ignored, mutates process-global state,"
  echo "or (in \`tests/\`) imports another test module rather than \`support\`."
  echo
  echo "| file | layer | tests | verdict |"
  echo "|---|---|---|---|"
  printf '%s' "$placement_rows"
} >"$report"

echo "audit written to $report"
if ((failures > 0)); then
  echo "audit: $failures finding(s) — see $report" >&2
  grep -E '^\| (route|CLI command|config key|config env) ' "$report" >&2 || true
  grep -E 'unfit:' "$report" >&2 || true
  exit 1
fi
echo "audit: no drift, every test fit for the permanent suite"
