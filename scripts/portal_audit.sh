#!/usr/bin/env bash
# Accessibility audit and screenshots of the parents' portal, desktop (1366x900) and phone (390x844):
#   ./run.sh            (in another terminal: the demo town on http://localhost:8069)
#   ./scripts/portal_audit.sh [--url http://localhost:8069] [pages…]
# Installs axe-core (package.json) into node_modules when missing, then runs axe-core's WCAG 2.1 A/AA rules in
# headless Chromium on every portal page as the demo parent, and saves the screenshots in .local/screenshots.
# Exits 1 when any violation is found.
source "$(dirname "$0")/lib.sh"
# axe-core as pinned in package.json (the version the accessibility tests run)
ensure_node_tools
cd "$PROJECT_DIR"
exec .venv/bin/python scripts/portal_screenshots.py --axe node_modules/axe-core/axe.min.js "$@"
