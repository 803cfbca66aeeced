#!/usr/bin/env bash
# Fills npm's cache with what a new plugin project installs (`devbinder plugin new`, then
# `npm install`: vitest, TypeScript, the component compiler), so that the plugin guide's CI test
# (packages/cli/test/plugin-guide.integration.test.ts) can run the guide's `npm install` offline:
# tests reach no registry. Needs the built CLI. Safe to re-run: a stamp keyed by the new project's
# package.json skips the work once it is done.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node packages/cli/dist/devbinder.js plugin new cache-warmer "$work/project" >/dev/null
stamp="$(npm config get cache)/_devbinder-plugin-project-$(sha256sum "$work/project/package.json" | cut -c1-16)"
if [[ -e $stamp ]]; then
  echo "npm's cache already holds what a plugin project installs"
  exit 0
fi
(cd "$work/project" && npm install --no-audit --no-fund --loglevel=error)
touch "$stamp"
echo "npm's cache now holds what a plugin project installs"
