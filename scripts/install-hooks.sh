#!/usr/bin/env bash
# Points git at the hooks in .husky/ (pre-commit: lint; pre-push: every gate).
# No Node.js: the hooks are plain shell.
set -euo pipefail
cd "$(dirname "$0")/.."
chmod +x .husky/pre-commit .husky/pre-push
git config core.hooksPath .husky
echo "git hooks installed from .husky/ (core.hooksPath)"
