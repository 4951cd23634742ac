#!/usr/bin/env bash
# `make run`: set up everything needed and run the whole service (Rasa, actions, staff web app)
# on the embedded default (SQLite, in-memory lock store). Ctrl-C stops all of it.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/bootstrap.sh"
. "$here/env.sh"
.venv-app/bin/python scripts/preflight.py
.venv-app/bin/python -m bot.cli db upgrade
"$here/train.sh"
export SERVICE_STARTED_AT="$(date +%s)"
exec .venv-app/bin/honcho start -f Procfile
