#!/usr/bin/env bash
# `make run-prod`: the production profile on this machine - PostgreSQL (intakes + Rasa tracker
# store), Redis (Rasa lock store), several Rasa instances and action servers, web-app workers,
# nginx in front. Needs PostgreSQL and Redis reachable at DATABASE_URL / REDIS_URL (defaults:
# the local servers) and nginx installed. Ctrl-C stops all of it. See docs/deploy.md.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/bootstrap.sh"
. "$here/env.sh"
export PHYSIO_ENV=production
eval "$(.venv-app/bin/python -m deploy.production env)"

# Secrets: from the environment / .env; for a local run, generated once and kept (mode 600).
secrets="$root/var/production/secrets.env"
if [ -z "${SECRET_KEY:-}" ] || [ -z "${RASA_TOKEN:-}" ] || [ "$RASA_TOKEN" = dev-only-change-me ]; then
    mkdir -p "$(dirname "$secrets")"
    if [ ! -f "$secrets" ]; then
        (umask 077; .venv-app/bin/python -c 'import secrets
print(f"SECRET_KEY={secrets.token_urlsafe(48)}\nRASA_TOKEN={secrets.token_urlsafe(32)}")' > "$secrets")
        echo "==> generated local secrets in $secrets" >&2
    fi
    set -a; . "$secrets"; set +a
fi

.venv-app/bin/python -m deploy.production prepare
.venv-app/bin/python -m bot.cli db upgrade
"$here/train.sh"
.venv-app/bin/python -m deploy.production render
exec .venv-app/bin/honcho start -f "$root/var/production/Procfile" -d "$root"
