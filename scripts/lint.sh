#!/usr/bin/env bash
# Lint the addon: ruff (style, imports) and pylint-odoo (Odoo checks). Needs the venv of ./run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check portail_famille
.venv/bin/pylint --rcfile=.pylintrc --disable=prefer-env-translation portail_famille
echo "lint: clean"
