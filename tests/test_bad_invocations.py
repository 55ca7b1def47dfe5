"""Every user error is one line on stderr with the documented exit status and no traceback (issue 26).

The cases are data: tests/data/bad_invocations.yaml. Most run ``main([...])`` in-process (fast); those
marked ``subprocess`` run ``python -m clausetag`` to check what a user's terminal shows.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from clausetag.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASES: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "data" / "bad_invocations.yaml").read_text("utf-8"))
SEEDS = sorted((ROOT / "labels" / "seed").glob("*.txt"))

CONFIG_NO_ENCODER = """\
name: no_encoder
data: [{data}]
lodo: false
test_data: [{data}]
models:
  - name: e5-ft
    type: bert
    params: {{base_model: {tmp}/no-encoder}}
"""


def test_cases_are_well_formed() -> None:
    known = {"id", "argv", "code", "error", "failed", "absent", "present", "block", "subprocess", "needs", "setup"}
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert set(case) <= known, case["id"]
        assert ("error" in case) != ("failed" in case), case["id"]  # a usage error, or a partial failure
        assert case["code"] in (1, 2), case["id"]


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path | None]:
    """A folder nothing can be written in: chmod 555, or (as root, who ignores modes) a read-only tmpfs."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
        yield ro
        ro.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)],
                             capture_output=True, check=False).returncode == 0
    yield ro if mounted else None
    if mounted:
        subprocess.run(["umount", str(ro)], check=False)


def _fill(value: str, env: dict[str, str]) -> str:
    for key, sub in env.items():
        value = value.replace("{" + key + "}", sub)
    return value


def _blocker(tmp_path: Path, modules: list[str]) -> Path:
    """A folder that, first on PYTHONPATH, makes ``import MODULE`` fail as if it were not installed."""
    folder = tmp_path / "blocked"
    for module in modules:
        (folder / module).mkdir(parents=True)
        (folder / module / "__init__.py").write_text(
            f"raise ModuleNotFoundError({'No module named ' + repr(module)!r}, name={module!r})\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_invocation(case: dict[str, Any], tmp_path: Path, read_only_dir: Path | None,
                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if case.get("needs") == "no_cuda":
        torch = pytest.importorskip("torch")
        if torch.cuda.is_available():
            pytest.skip("CUDA is available here")
    work = tmp_path / "work"
    work.mkdir()
    (work / "file").write_text("not a folder", encoding="utf-8")
    config = work / "no_encoder.yaml"
    config.write_text(CONFIG_NO_ENCODER.format(data=ROOT / "labels" / "seed", tmp=work), encoding="utf-8")
    env = {"root": str(ROOT), "tmp": str(work), "doc": str(SEEDS[0]), "doc2": str(SEEDS[1]), "file": str(work / "file"),
           "config_no_encoder": str(config)}
    if any("{ro}" in a for a in case["argv"]):
        if read_only_dir is None:
            pytest.skip("cannot make a read-only folder here")
        env["ro"] = str(read_only_dir)
    for rel, content in (case.get("setup") or {}).items():
        target = Path(_fill(rel, env))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    argv = [_fill(a, env) for a in case["argv"]]
    blocked = case.get("block") or []

    if case.get("subprocess"):
        paths = [str(_blocker(tmp_path, blocked)), str(ROOT), os.environ.get("PYTHONPATH", "")]
        proc = subprocess.run([sys.executable, "-m", "clausetag", *argv], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, paths))),
                              timeout=120, check=False)
        code, err = proc.returncode, proc.stderr
    else:
        for module in blocked:
            for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
                monkeypatch.delitem(sys.modules, name)
            monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError(name=module)
        monkeypatch.chdir(work)
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own errors
            code = int(exc.code or 0)
        err = capsys.readouterr().err

    assert "Traceback" not in err, err
    assert code == case["code"], err
    command = argv[0]
    errors = [line for line in err.splitlines() if re.match(rf"clausetag( {re.escape(command)})?: error: ", line)]
    if "error" in case:
        assert len(errors) == 1, err
        assert re.search(case["error"], errors[0]), errors[0]
    else:
        assert not errors, err
        assert re.search(case["failed"], err, re.MULTILINE), err
    for path in case.get("absent", []):
        assert not Path(_fill(path, env)).exists(), f"{path} was created by a run that could not start"
    for path in case.get("present", []):
        assert Path(_fill(path, env)).exists(), path


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--debug", "tag"], ["tag", "--debug"]):
        assert main([*argv, str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o"), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err and "UserError" in err
        assert err.rstrip().splitlines()[-1] == f"clausetag tag: error: {tmp_path / 'nope.txt'}: no such file or directory"


def test_an_internal_error_is_one_line_with_exit_3(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import clausetag.cli.text as text

    def broken(args: Any) -> int:
        raise TypeError("something the code did wrong")

    monkeypatch.setattr(text, "run_extract", broken)
    assert main(["extract", "50万元"]) == 3
    err = capsys.readouterr().err
    assert err == ("clausetag extract: error: internal error: TypeError: something the code did wrong; "
                   "rerun with --debug and report it\n")


def test_ctrl_c_is_one_line_and_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import clausetag.cli.text as text

    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(text, "run_extract", interrupted)
    assert main(["extract", "50万元"]) == 130
    assert capsys.readouterr().err == "clausetag extract: interrupted\n"
