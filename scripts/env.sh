# Sourced by the run and test scripts: defaults every process shares (override in .env or the shell).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
export RASA_PORT="${RASA_PORT:-5005}" ACTION_PORT="${ACTION_PORT:-5055}" WEB_PORT="${WEB_PORT:-8000}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$WEB_PORT}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}"
export RASA_TRACKER_DB="${RASA_TRACKER_DB:-$root/var/rasa_tracker.sqlite3}"
export RASA_TOKEN="${RASA_TOKEN:-dev-only-change-me}"
# Rasa's telemetry would try to reach the internet; TensorFlow's banner is noise.
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export PHYSIO_CACHE_DIR="${PHYSIO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/physio-intake}"
mkdir -p "$root/var"
