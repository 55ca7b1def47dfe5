#!/usr/bin/env bash
# Reproduce every evaluation table quoted in the README and the model cards (CPU: about an hour on
# 2 cores; most of it is the offline BERT). Run from the repository root after `pip install -e .`.
set -euo pipefail
CORPUS=${CLAUSETAG_CORPUS:-../shared/corpus/regulations.jsonl.xz}

# 1. offline base model: masked-language-model pre-training of the `mini` preset on the corpus
if [ ! -f .cache/base-mini/model.safetensors ]; then
  clausetag pretrain "$CORPUS" -o .cache/base-mini --preset mini --steps 1500 --batch-size 32 \
    --seq-len 128 --lr 1e-3 --log-every 50
fi

# 2. the four evaluation tables (baselines and the offline BERT in each)
for cfg in seed_lodo seed_lodo_plus_extra extra_heldout_seed_only extra_heldout_seed_plus_extra; do
  clausetag evaluate --config "training/configs/$cfg.yaml"
done

# 3. the shipped default model (the best-scoring model above, trained on everything)
clausetag train --config training/configs/default_model.yaml -o clausetag/resources/models/default
