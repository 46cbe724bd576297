#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium: `dsatlas build` renders every diagram with it
# (through Playwright's executable_path). Never `playwright install`: no browser download, only apt.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "ensure-chromium: installing Debian's chromium package (needed to pre-render diagrams)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
test -x /usr/bin/chromium
