#!/usr/bin/env bash
# Creates (or reuses) the two virtual environments and links them as .venv-engine / .venv-app.
#
#   engine: Python 3.10 + rasa 3.6.21 (pins sanic 21, SQLAlchemy 1.4, pydantic 1, TensorFlow 2.12)
#   app:    Python 3.10 + our code's dependencies (rasa-sdk 3.21, sanic 25, SQLAlchemy 2.0, ...)
#
# Both are built from the lock files in requirements/ and cached outside the work tree, keyed by
# a hash of the lock file and the interpreter version, so a second clone or a second run reuses them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${PHYSIO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/physio-intake}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

is_python310() { [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

find_python310() {
    local candidate
    for candidate in "${PHYSIO_PYTHON:-}" "$(command -v python3.10 || true)"; do
        is_python310 "$candidate" && { echo "$candidate"; return; }
    done
    if command -v pyenv >/dev/null 2>&1; then
        local version
        for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -nr); do
            candidate="$(pyenv prefix "$version")/bin/python3.10"
            is_python310 "$candidate" && { echo "$candidate"; return; }
        done
    fi
    for candidate in /usr/bin/python3.10 /usr/local/bin/python3.10 /opt/homebrew/bin/python3.10; do
        is_python310 "$candidate" && { echo "$candidate"; return; }
    done
    return 1
}

python310="$(find_python310)" || die "Python 3.10 not found (Rasa Open Source 3.6 runs on Python 3.8-3.10 only).
  Install it, then run this again. Any of these works:
    pyenv install 3.10            (https://github.com/pyenv/pyenv)
    apt-get install python3.10-venv   (Debian/Ubuntu with 3.10 packages)
  or point PHYSIO_PYTHON at a Python 3.10 interpreter: PHYSIO_PYTHON=/path/to/python3.10 make run"
py_version="$("$python310" -c 'import platform; print(platform.python_version())')"

# build_venv NAME LOCKFILE: prints the venv path; creates it only when missing or incomplete.
build_venv() {
    local name="$1" lock="$2" key dir
    key="$( (cat "$root/$lock"; echo "$py_version") | sha256sum | cut -c1-16)"
    dir="$cache/venvs/$name-$key"
    if [ -f "$dir/.complete" ]; then
        echo "$dir"; return
    fi
    rm -rf "$dir"
    mkdir -p "$cache/venvs"
    say "Creating the $name environment with Python $py_version (first run only; cached in $dir)" >&2
    [ "$name" = engine ] && say "rasa 3.6.21 with TensorFlow: about 2.7 GB and 3-4 minutes" >&2
    "$python310" -m venv "$dir" >&2
    "$dir/bin/python" -m pip install --quiet --upgrade "pip>=24" >&2
    "$dir/bin/python" -m pip install --progress-bar on --no-deps -r "$root/$lock" >&2 \
        || { rm -rf "$dir"; die "installing the $name environment failed (see pip's message above)"; }
    "$dir/bin/python" -m pip check >&2 || { rm -rf "$dir"; die "the $name environment is inconsistent (pip check above)"; }
    touch "$dir/.complete"
    echo "$dir"
}

engine="$(build_venv engine requirements/engine.lock)"
app="$(build_venv app requirements/app.lock)"
ln -sfn "$engine" "$root/.venv-engine"
ln -sfn "$app" "$root/.venv-app"
say "Environments ready: .venv-engine (rasa, Python $py_version) and .venv-app"
