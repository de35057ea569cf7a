#!/usr/bin/env bash
# Refresh requirements.lock: install the newest releases pyproject.toml allows into a fresh venv,
# run the whole suite there, and only when it passes write the versions it passed with.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/pip" install -q -e '.[dev]'
"$venv/bin/python" -m pytest -q
{
  echo "# The exact versions the test suite passed with (Python 3.11, Linux x86_64), used as pip constraints:"
  echo "#   .venv/bin/pip install -c requirements.lock -e '.[dev]'"
  echo "# pyproject.toml keeps the floors; refresh this file on purpose: bash tools/refresh_lock.sh"
  "$venv/bin/pip" freeze --exclude-editable | grep -v '^-e '
} > requirements.lock
echo "requirements.lock refreshed from $venv"
