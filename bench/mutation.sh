#!/usr/bin/env bash
# Mutation testing of the core modules (see bench/mutation.py). Usage: bash bench/mutation.sh [MODULE.py ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
.venv/bin/python -c "import mutmut" 2>/dev/null || .venv/bin/python -m pip install -q "mutmut>=3.3"
exec .venv/bin/python bench/mutation.py "$@"
