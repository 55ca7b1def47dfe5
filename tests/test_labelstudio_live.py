"""The round trip through a real Label Studio (benchmarks/labelstudio_roundtrip.py). Runs only where the
``label-studio`` executable is found (``$LABEL_STUDIO_BIN`` or the PATH); it starts a
server on 127.0.0.1 with a temporary data directory (about a minute). The default suite never needs it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("labelstudio_roundtrip", ROOT / "benchmarks" / "labelstudio_roundtrip.py")
assert _spec is not None and _spec.loader is not None
roundtrip = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(roundtrip)

LABEL_STUDIO = roundtrip.find_label_studio()


@pytest.mark.slow
@pytest.mark.skipif(LABEL_STUDIO is None, reason="label-studio is not installed (see docs/annotation.md)")
def test_round_trip_through_a_running_label_studio(baseline_dir: Path) -> None:
    assert roundtrip.run(LABEL_STUDIO, roundtrip.DEFAULT_DOC, str(baseline_dir), None, keep=False) == 0
