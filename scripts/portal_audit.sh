#!/usr/bin/env bash
# Accessibility audit and screenshots of the parents' portal, desktop (1366x900) and phone (390x844):
#   ./run.sh            (in another terminal: the demo town on http://localhost:8069)
#   ./scripts/portal_audit.sh [--url http://localhost:8069] [pages…]
# Installs axe-core from npm into .local/axe the first time, then runs axe-core's WCAG 2.1 A/AA rules in
# headless Chromium on every portal page as the demo parent, and saves the screenshots in .local/screenshots.
# Exits 1 when any violation is found.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_DIR=.local/axe
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    mkdir -p "$AXE_DIR"
    (cd "$AXE_DIR" && npm install --silent --no-audit --no-fund axe-core@4) \
        || { echo "npm could not install axe-core: install Node.js and npm, then run this again." >&2; exit 1; }
fi
exec .venv/bin/python scripts/portal_screenshots.py --axe "$AXE_DIR/node_modules/axe-core/axe.min.js" "$@"
