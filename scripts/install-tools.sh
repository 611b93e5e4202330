#!/usr/bin/env bash
# Installs the tools the gates need beyond the Rust toolchain (cargo-deny),
# from crates.io, if they are missing. Idempotent.
set -euo pipefail
if ! cargo deny --version >/dev/null 2>&1; then
  echo "installing cargo-deny (about two minutes, once)…"
  cargo install cargo-deny --locked --version "^0.20"
fi
