#!/usr/bin/env bash
# Make sure the third-party emulators the black-box tests run the helpdesk against are
# installed: Node.js and npm (Debian's packages, installed here when run as root), then the
# npm packages pinned in tests/emulators/package-lock.json (telegram-test-api, prism).
set -euo pipefail
cd "$(dirname "$0")/../tests/emulators"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Node.js and npm are not installed and this is not root: install them (Debian: apt-get install nodejs npm)." >&2
    exit 1
  fi
  echo "Node.js/npm not found; installing Debian's packages for the black-box tests."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi

# npm ci again whenever the lock file changed since the last install.
stamp=node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)
if [ ! -e "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  rm -f node_modules/.installed-* && touch "$stamp"
fi
