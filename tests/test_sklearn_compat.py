"""Pickles from a newer scikit-learn load into an older one (Python 3.10 gets scikit-learn 1.7 at most)."""
from __future__ import annotations

from typing import Any

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from clausetag.classifiers.sklearn_compat import restore_removed_params


class _OldLR:
    """Stands for scikit-learn 1.7's LogisticRegression: it still has a ``multi_class`` parameter."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        return ["C", "multi_class"]


_OldLR.__name__ = "LogisticRegression"


def test_missing_removed_param_is_restored_inside_a_pipeline() -> None:
    old = _OldLR()
    outer: Any = type("Pipeline", (), {})()
    outer.steps = [("scale", object()), ("clf", old)]
    assert restore_removed_params(outer) is outer
    assert old.multi_class == "deprecated"  # type: ignore[attr-defined]


def test_nothing_changes_where_the_installed_version_has_no_such_param() -> None:
    lr = LogisticRegression()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", lr)])
    had = "multi_class" in vars(lr)
    restore_removed_params(pipe)
    assert ("multi_class" in vars(lr)) == had  # 1.8+: not a parameter, never added; older: already set


def test_a_set_value_is_kept() -> None:
    old = _OldLR()
    old.multi_class = "ovr"  # type: ignore[attr-defined]
    restore_removed_params(old)
    assert old.multi_class == "ovr"  # type: ignore[attr-defined]
