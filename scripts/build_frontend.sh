#!/usr/bin/env bash
# Rebuild the web app's front end (frontend/) into src/distillr/server/static/, where it ships
# in the wheel, and record the sources' fingerprint (tests/web/test_build.py checks it).
# Needs Node.js >= 20.19 and npm; users of distillr never need them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
(cd frontend && npm ci --no-audit --no-fund --loglevel=error && npx vite build --logLevel warn)
"$PYTHON" src/distillr/server/build_info.py
