#!/usr/bin/env bash
# `make test`: set up the environments if needed, then lint, validate the Rasa data, train (cached),
# run pytest (unit, store, web, browser and real-Rasa conversation tests) and Rasa's test stories.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/bootstrap.sh"
. "$here/env.sh"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "ruff"
.venv-app/bin/ruff check bot actions engine scripts tests deploy
.venv-app/bin/ruff format --check bot actions engine scripts tests deploy

# Not --fail-on-warnings: the validator flags utterances used only by forms, custom actions and
# the triage guard as "not used in any story or rule".
step "rasa data validate"
.venv-engine/bin/rasa data validate --domain domain.yml --data data --config config.yml

step "train (cached by the hash of config, domain, data and the answer selector)"
"$here/train.sh"

step "rasa test: tests/test_stories.yml"
rm -rf results
.venv-engine/bin/rasa test core --model models/model.tar.gz --stories tests/test_stories.yml \
    --endpoints endpoints.yml --fail-on-prediction-errors --out results/core

step "pytest"
.venv-app/bin/python -m pytest "$@"
