#!/usr/bin/env bash
# Lint the project with OCA's pre-commit hooks (.pre-commit-config.yaml): ruff and ruff format,
# pylint-odoo (.pylintrc-mandatory), OCA's module and .po checks, prettier with its XML plugin,
# whitespace, end of file, XML syntax, merge conflicts...
#   scripts/lint.sh              check every file of the project (tracked or new, not ignored);
#                                changes nothing. ./test.sh (and so CI) runs exactly this.
#   scripts/lint.sh --fix        first format and fix (ruff --fix, ruff format, prettier --write,
#                                whitespace, end of file), then the same checks: review the diff
#   scripts/lint.sh [--fix] FILE...   only these files
# Installs what is missing first (.venv as ./run.sh does, prettier into node_modules).
source "$(dirname "$0")/lib.sh"
cd "$PROJECT_DIR"
STAGE=()
if [ "${1:-}" = "--fix" ]; then
    STAGE=(--hook-stage manual)
    shift
fi
ensure_venv
ensure_node_tools
git rev-parse --git-dir >/dev/null 2>&1 || die "the lint runs pre-commit, which needs a git checkout."
if [ $# -eq 0 ]; then
    # every file git knows or would add (pre-commit's --all-files skips files not yet added)
    mapfile -d '' FILES < <(git ls-files -z --cached --others --exclude-standard)
    EXISTING=()
    for f in "${FILES[@]}"; do
        if [ -e "$f" ] || [ -L "$f" ]; then EXISTING+=("$f"); fi
    done
    set -- "${EXISTING[@]}"
fi
rc=0
"$VENV/bin/pre-commit" run "${STAGE[@]}" --color=always --files "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
    if [ ${#STAGE[@]} -eq 0 ]; then
        printf '\033[1;31mlint: FAILED\033[0m (formatting: scripts/lint.sh --fix rewrites the files, then review the diff)\n' >&2
    else
        printf '\033[1;33mlint: files were rewritten and/or findings remain (see above); review git diff\033[0m\n' >&2
    fi
    exit "$rc"
fi
echo "lint: clean"
