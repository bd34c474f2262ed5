#!/usr/bin/env bash
# Creates target/py-venv from .ci/requirements.txt (again only when the requirements changed).
# Tests find its python as $KT_SECRETS_TEST_PYTHON, else target/py-venv/bin/python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${CARGO_TARGET_DIR:-target}/py-venv
stamp=$venv/.requirements.sha256
want=$(cat .ci/requirements.txt .ci/requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r .ci/requirements.txt
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r .ci/requirements-nodeps.txt
echo "$want" > "$stamp"
