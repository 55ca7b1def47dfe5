"""What a run leaves for people: provenance stamps, per-document summaries and plots, the targets
table and the self-contained ``report.html``."""
