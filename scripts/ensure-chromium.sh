#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the web console's browser tests
# (tests/web/test_web_browser.py drives /usr/bin/chromium with Playwright; browsers are not
# downloaded). Installs the package when running as root; otherwise says how.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is not installed: run 'sudo apt-get install chromium' for the browser tests" >&2
  exit 0
fi
echo "Installing Debian's chromium for the browser tests…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq chromium >/dev/null 2>&1 || {
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
}
