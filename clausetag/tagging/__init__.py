"""Tagging documents: the per-document chain and :class:`~clausetag.tagging.pipeline.Tagger`, shards and
worker processes, durable runs (journal, resume) and the Ray Data engine."""
