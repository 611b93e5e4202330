#!/usr/bin/env bash
# Installs the tools the gates need beyond the Rust toolchain (cargo-deny),
# from crates.io, if they are missing. Idempotent.
set -euo pipefail
if ! cargo deny --version >/dev/null 2>&1; then
  echo "installing cargo-deny (about two minutes, once)…"
  cargo install cargo-deny --locked --version "^0.20"
fi

# Headless Chromium and its WebDriver for the browser test
# (tests/api/authorize_browser.rs), from Debian's packages.
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    if [[ "$(id -u)" != "0" ]] && command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo"; fi
    echo "installing chromium and chromium-driver (Debian packages)…"
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null \
      || { $sudo_cmd apt-get update -q >/dev/null && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; }
  else
    echo "note: no apt-get; install Chromium and chromedriver yourself, or the browser test is skipped"
  fi
fi
