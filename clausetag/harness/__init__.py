"""Training and evaluation: labeled data and its validator, run configs and training, evaluation and
metrics (tagging, splitting), active learning, the Label Studio round trip with its unit corrections
(``units``) and distillation data."""
