"""Load scikit-learn pickles made by a newer scikit-learn than the one installed.

The shipped baseline models are pickled with the scikit-learn of the machine that trained them. On
Python 3.10 pip installs scikit-learn 1.7 at most (1.8 needs 3.11), whose ``LogisticRegression``
reads its ``multi_class`` parameter in ``predict_proba``; 1.8 removed that parameter, so its pickles
lack the attribute and 1.7 fails with ``AttributeError``. Setting it to 1.7's default
(``"deprecated"``: multinomial for more than two classes, as 1.8 always does) gives the same
probabilities: the seed documents tag identically on Python 3.10 (scikit-learn 1.7.2) and 3.11
(1.9.1). Nothing is changed for a scikit-learn that has no such parameter.
"""
from __future__ import annotations

from typing import Any

__all__ = ["restore_removed_params"]

#: estimator class name → (attribute, the value older scikit-learn expects when it is missing)
_REMOVED = {"LogisticRegression": ("multi_class", "deprecated")}


def restore_removed_params(estimator: Any) -> Any:
    """Set the parameters a newer scikit-learn removed on ``estimator`` and every estimator inside it
    (pipeline steps, column and feature-union transformers), where the installed version still reads
    them; returns ``estimator``."""
    stack = [estimator]
    while stack:
        est = stack.pop()
        fix = _REMOVED.get(type(est).__name__)
        if fix is not None and fix[0] not in vars(est) and fix[0] in _init_params(type(est)):
            setattr(est, fix[0], fix[1])
        for attr in ("steps", "transformers_", "transformer_list"):
            for item in getattr(est, attr, None) or ():
                if isinstance(item, tuple) and len(item) >= 2:
                    stack.append(item[1])
    return estimator


def _init_params(cls: type) -> set[str]:
    get = getattr(cls, "_get_param_names", None)
    return set(get()) if callable(get) else set()
