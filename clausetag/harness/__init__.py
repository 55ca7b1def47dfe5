"""Training and evaluation: labeled data and its validator, run configs and training, evaluation and
metrics (tagging, splitting), active learning, the Label Studio round trip and distillation data."""
