#!/usr/bin/env bash
# The quality gates, in order: lint, typecheck, test, build. Stops at the first
# failure. `scripts/check.sh` runs all four; `scripts/check.sh lint` (the
# pre-commit hook) runs one stage.
#
# Environment:
#   TEST_DATABASE_URL  admin URL of a PostgreSQL server; when set, every
#                      repository and CLI test also runs on PostgreSQL.
#   ADVISORY_DB        a copy of the RustSec advisory database for
#                      `cargo deny check advisories` without network access;
#                      defaults to ../shared/advisory-db when that exists.
set -euo pipefail
cd "$(dirname "$0")/.."

stage="${1:-all}"
# The dated RustSec snapshot beside the repository, when nobody named another.
if [[ -z "${ADVISORY_DB:-}" && -d ../shared/advisory-db ]]; then
  ADVISORY_DB="$(cd ../shared/advisory-db && pwd)"
fi
gates_dir="target/gates"
mkdir -p "$gates_dir"

step() { printf '\n==> %s\n' "$*"; }

lint() {
  step "lint: cargo fmt --check"
  cargo fmt --all --check
  step "lint: cargo clippy (pedantic, warnings are errors)"
  cargo clippy --workspace --all-targets --locked -- -D warnings
  step "lint: cargo deny (licenses, bans, sources)"
  bash scripts/install-tools.sh
  cargo deny --locked check --hide-inclusion-graph licenses bans sources
  advisories
}

# RustSec advisories need the advisory database. It cannot be fetched on
# machines without GitHub access, so use a supplied copy or say it was skipped.
advisories() {
  if [[ -n "${ADVISORY_DB:-}" && -d "${ADVISORY_DB}" ]]; then
    local root="$gates_dir/advisory-db"
    local db="$root/advisory-db-3157b0e258782691"
    if [[ ! -d "$db/.git" ]]; then
      rm -rf "$root"; mkdir -p "$root"
      cp -r "$ADVISORY_DB" "$db"
      chmod -R u+w "$db"
      git -C "$db" init -q
      git -C "$db" add -A
      git -C "$db" -c user.name=ci -c user.email=ci@localhost commit -qm snapshot
    fi
    sed "s|^# db-path = .*|db-path = \"$PWD/$root\"|" deny.toml > "$gates_dir/deny-advisories.toml"
    # The snapshot's age is the date of its newest advisory.
    local newest
    newest="$(grep -rhoE '^date = "[0-9-]+"' "$db/crates" 2>/dev/null | sort | tail -1 | grep -oE '[0-9-]{10}' || echo unknown)"
    step "lint: cargo deny advisories (offline snapshot ${ADVISORY_DB}, newest advisory ${newest})"
    cargo deny --locked --offline --config "$gates_dir/deny-advisories.toml" check advisories
  else
    step "lint: cargo deny advisories"
    echo "skipped: advisories (no advisory database here; set ADVISORY_DB to a copy of rustsec/advisory-db)"
  fi
}

typecheck() {
  step "typecheck: cargo check"
  cargo check --workspace --all-targets --locked
}

test_all() {
  step "test: cargo test"
  if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    echo "PostgreSQL tests: on (${TEST_DATABASE_URL%%@*}@…)"
  else
    echo "PostgreSQL tests: skipped (TEST_DATABASE_URL is not set)"
  fi
  # The log feeds scripts/repo-audit.sh ("tests passing in the last run").
  cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$gates_dir/test-output.txt"
}

build() {
  step "build: cargo build --release"
  cargo build --workspace --release --locked
  step "build: the binary links no SQLite, libpq or OpenSSL dynamically"
  local linked
  linked="$(ldd target/release/auth-server || true)"
  echo "$linked"
  if grep -E 'libsqlite3|libpq|libssl|libcrypto' <<<"$linked"; then
    echo "error: a C library is linked dynamically; it must be vendored" >&2
    exit 1
  fi
}

case "$stage" in
  lint) lint ;;
  typecheck) typecheck ;;
  test) test_all ;;
  build) build ;;
  all) lint; typecheck; test_all; build ;;
  *) echo "usage: $0 [lint|typecheck|test|build|all]" >&2; exit 2 ;;
esac
step "gates passed: $stage"
