#!/usr/bin/env bash
# Trains the Rasa model only when config.yml, domain.yml, data/ or the code of our trained NLU
# component (engine/answer_selector.py) changed: models are cached by a hash of those files
# (outside the work tree, so a fresh clone reuses them) and copied to models/model.tar.gz.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# The FAQ responses are generated from the clinic-editable bot/faq/content.yml (validated here:
# an invalid answer stops the training with a message naming it).
.venv-app/bin/python scripts/gen_faq_responses.py >&2

key="$( { sha256sum config.yml domain.yml engine/answer_selector.py; find data -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)"
cached="$PHYSIO_CACHE_DIR/models/$key.tar.gz"
mkdir -p "$PHYSIO_CACHE_DIR/models" models
if [ -f "$cached" ]; then
    echo "==> Model up to date (cache key $key)" >&2
else
    echo "==> Training the Rasa model (config, domain or data changed; key $key)" >&2
    start=$(date +%s)
    out="$(mktemp -d)"
    .venv-engine/bin/rasa train --config config.yml --domain domain.yml --data data \
        --out "$out" --fixed-model-name model >&2
    mv "$out/model.tar.gz" "$cached.partial" && mv "$cached.partial" "$cached"
    rm -rf "$out"
    echo "==> Trained in $(( $(date +%s) - start )) s" >&2
fi
cp "$cached" models/model.tar.gz
