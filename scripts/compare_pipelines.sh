#!/usr/bin/env bash
# Cross-validates the production NLU pipeline (config.yml) and the alternatives in
# scripts/pipelines/, printing intent and entity F1 and the wall time of each run.
#   scripts/compare_pipelines.sh [folds]     (default 5; results in results/pipelines/)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
folds="${1:-5}"
mkdir -p results/pipelines
for config in ${PIPELINES:-config.yml scripts/pipelines/*.yml}; do
    name="$(basename "$config" .yml)"
    out="results/pipelines/$name"
    start=$(date +%s)
    .venv-engine/bin/rasa test nlu --nlu data/nlu --config "$config" --cross-validation \
        --folds "$folds" --out "$out" >"$out.log" 2>&1 || { echo "$name failed: see $out.log"; continue; }
    .venv-app/bin/python - "$name" "$out" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
name, out, seconds = sys.argv[1], sys.argv[2], sys.argv[3]
intent = json.load(open(f"{out}/intent_report.json"))["weighted avg"]["f1-score"]
entities = json.load(open(f"{out}/RegexEntityExtractor_report.json"))
body = entities.get("body_part", {}).get("f1-score", float("nan"))
print(f"{name:10s} intent F1 {intent:.3f}  body_part F1 {body:.3f}  {seconds} s for the cross-validation")
PY
done
