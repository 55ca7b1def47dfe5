"""Round trip through a real Label Studio: export-tasks → project → import → annotate → export → import-annotations.

Starts Label Studio (the ``label-studio`` package, installed in its own virtual environment) on
127.0.0.1 with a temporary data directory, creates a project with clausetag's labeling config through
the HTTP API, imports the tasks of one document with the model's pre-annotations, annotates every task
through the API (the predicted label, one clause corrected with a note, and one task annotated twice with
different labels, so the latest-wins rule is exercised), exports the project as Label Studio JSON and
JSON_MIN and runs :func:`clausetag.harness.labelstudio.import_annotations` on both; then marks one clause
``merge_prev`` (a unit correction), exports again and makes the gold with ``labels/tools/apply_units.py``.
The server is stopped at the end.

    python -m venv /work/venv-ls && /work/venv-ls/bin/pip install label-studio
    python benchmarks/labelstudio_roundtrip.py --label-studio /work/venv-ls/bin/label-studio \
        [--doc labels/seed/000_d94976eb27b44e5c.txt] [--save-fixture tests/data/labelstudio]

Prints one line per step and exits 0 when the gold written from the export equals the labels that were
posted and passes ``clausetag validate``. ``tests/test_labelstudio_live.py`` runs it when Label Studio is
installed (``$LABEL_STUDIO_BIN`` or ``label-studio`` on the PATH).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.harness.labelstudio import (  # noqa: E402
    FROM_NAME,
    TO_NAME,
    UNIT_NAME,
    export_tasks,
    import_annotations,
    labeling_config,
)
from clausetag.harness.validation import validate  # noqa: E402

USER = "clausetag@example.org"
PASSWORD = "clausetag-roundtrip"
TOKEN = "clausetag0roundtrip0token0123456789abcd"
DEFAULT_DOC = ROOT / "labels" / "seed" / "000_d94976eb27b44e5c.txt"


def find_label_studio(given: str | None = None) -> str | None:
    """The ``label-studio`` executable: ``given``, ``$LABEL_STUDIO_BIN`` or the PATH."""
    for candidate in (given, os.environ.get("LABEL_STUDIO_BIN"), shutil.which("label-studio")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """A few calls of Label Studio's HTTP API with a legacy token."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:500]!r}") from None
        return json.loads(raw) if raw else None


def start(label_studio: str, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, LABEL_STUDIO_BASE_DATA_DIR=str(data_dir), LABEL_STUDIO_USERNAME=USER,
               LABEL_STUDIO_PASSWORD=PASSWORD, LABEL_STUDIO_USER_TOKEN=TOKEN,
               LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true", LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
               SENTRY_DSN="", FRONTEND_SENTRY_DSN="", COLLECT_ANALYTICS="false")
    with log.open("wb") as fh:
        return subprocess.Popen([label_studio, "start", "--host", f"http://127.0.0.1:{port}",
                                 "--internal-host", "127.0.0.1", "-p", str(port), "--no-browser"],
                                env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)


def wait_up(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 300) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"Label Studio exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as resp:
                if b"UP" in resp.read():
                    return time.perf_counter() - t0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise RuntimeError(f"Label Studio not up after {timeout:.0f} s; see {log}")


def run(label_studio: str, doc: Path, model: str, save_fixture: Path | None, keep: bool) -> int:
    work = Path(tempfile.mkdtemp(prefix="clausetag-ls-"))
    raw = work / "raw"
    raw.mkdir()
    shutil.copyfile(doc, raw / doc.name)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "label-studio.log"
    proc = start(label_studio, work / "data", port, log)
    try:
        print(f"label-studio up in {wait_up(base, proc, log):.1f} s at {base} (data {work / 'data'})")
        api = Client(base, TOKEN)
        version = api.call("GET", "/api/version")
        print(f"version: label-studio {version.get('label-studio-os-package', {}).get('version', version)}")

        tasks = export_tasks([raw], model=model, progress=False)
        print(f"export-tasks: {len(tasks)} tasks, model_version {tasks[0]['predictions'][0]['model_version']}")
        project = api.call("POST", "/api/projects", {"title": "clausetag round trip", "label_config": labeling_config()})
        print(f"project {project['id']} created with the labeling config (accepted by the server's validation)")
        imported = api.call("POST", f"/api/projects/{project['id']}/import", tasks)
        print(f"import: {imported['task_count']} tasks, {imported['prediction_count']} predictions")
        listed = api.call("GET", f"/api/tasks?project={project['id']}&page_size=10000")["tasks"]
        ids = {t["data"]["index"]: t["id"] for t in listed}
        preds = api.call("GET", f"/api/predictions?task={ids[0]}")
        print(f"prediction stored: {preds[0]['result'][0]['value']} score {preds[0]['score']} "
              f"model_version {preds[0]['model_version']}")

        posted: dict[int, str] = {}
        corrected = next(t["data"]["index"] for t in tasks if not t["data"]["is_heading"] and t["data"]["index"] > 2)
        twice = next(t["data"]["index"] for t in tasks if not t["data"]["is_heading"] and t["data"]["index"] > corrected)
        for t in tasks:
            index = t["data"]["index"]
            label = t["predictions"][0]["result"][0]["value"]["choices"][0]
            if index == corrected:
                label = "organization" if label != "organization" else "planning"
            result: list[dict[str, Any]] = [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                                             "value": {"choices": [label]}}]
            if index == corrected:
                result.append({"from_name": "note", "to_name": TO_NAME, "type": "textarea",
                               "value": {"text": ["corrected in the round trip"]}})
            if index == twice:  # a first, older annotation that the later one overrides
                api.call("POST", f"/api/tasks/{ids[index]}/annotations",
                         {"result": [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                                      "value": {"choices": ["tax"]}}], "lead_time": 1.0})
                time.sleep(0.05)
            api.call("POST", f"/api/tasks/{ids[index]}/annotations", {"result": result, "lead_time": 2.5})
            posted[index] = label
        print(f"annotated {len(posted)} tasks through the API (clause {corrected} corrected with a note, "
              f"clause {twice} annotated twice: tax, then {posted[twice]})")

        base = f"/api/projects/{project['id']}/export?download_all_tasks=true&exportType="
        export = api.call("GET", base + "JSON")
        export_path = work / "export.json"
        export_path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
        print(f"export: {len(export)} tasks, {sum(len(t['annotations']) for t in export)} annotations → {export_path}")
        export_min = api.call("GET", base + "JSON_MIN")
        min_path = work / "export_min.json"
        min_path.write_text(json.dumps(export_min, ensure_ascii=False), encoding="utf-8")
        same_min = import_annotations(min_path, raw, work / "gold_min")
        print(f"export JSON_MIN: {len(export_min)} rows (one per annotation); import-annotations: "
              f"{len(same_min.written)} file(s), {same_min.clauses} clauses, {len(same_min.problems)} problem(s)")

        t0 = time.perf_counter()
        result_ = import_annotations(export_path, raw, work / "gold")
        print(f"import-annotations: {len(result_.written)} file(s), {result_.clauses} clauses, "
              f"{len(result_.problems)} problem(s), {len(result_.conflicts)} conflict(s) in {time.perf_counter() - t0:.2f} s")
        for line in result_.problems + result_.conflicts:
            print("  " + line)
        gold = [json.loads(x) for x in result_.written[0].read_text("utf-8").splitlines()] if result_.written else []
        same = {r["index"]: r["label"] for r in gold} == posted
        problems = validate(work / "gold") if gold else ["nothing written"]
        print(f"gold labels equal the posted labels: {same}; clausetag validate: {len(problems)} problem(s); "
              f"annotator {gold[0]['annotator'] if gold else None}, lead_time {gold[0]['lead_time'] if gold else None}")
        min_same = bool(same_min.written) and bool(result_.written) and \
            same_min.written[0].read_text("utf-8") == result_.written[0].read_text("utf-8")
        print(f"gold from JSON_MIN equals gold from JSON: {min_same}")

        # a unit correction (SPEC §1): a later annotation says clause `merged` belongs to the one before it
        merged = next(t["data"]["index"] for t in tasks if t["data"]["index"] > twice + 1
                      and not t["data"]["is_heading"] and not tasks[t["data"]["index"] - 1]["data"]["is_heading"])
        time.sleep(0.05)
        api.call("POST", f"/api/tasks/{ids[merged]}/annotations",
                 {"result": [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                              "value": {"choices": [posted[merged]]}},
                             {"from_name": UNIT_NAME, "to_name": TO_NAME, "type": "choices",
                              "value": {"choices": ["merge_prev"]}}], "lead_time": 3.0})
        units_path = work / "export_units.json"
        units_path.write_text(json.dumps(api.call("GET", base + "JSON"), ensure_ascii=False), encoding="utf-8")
        with_units = import_annotations(units_path, raw, work / "gold_units")
        print(f"clause {merged} marked merge_prev; import-annotations: {len(with_units.written)} file(s), "
              f"{len(with_units.pending)} document(s) for apply_units, {len(with_units.problems)} problem(s)")
        units_dir = work / "gold_units" / "units"
        applied = subprocess.run([sys.executable, str(ROOT / "labels" / "tools" / "apply_units.py"), "--raw", str(raw),
                                  "--skeletons", str(units_dir), "--labels", str(units_dir), "--out",
                                  str(work / "gold_units")], capture_output=True, text=True, check=False)
        merged_gold = work / "gold_units" / doc.with_suffix(".jsonl").name
        unit_problems = validate(merged_gold) if merged_gold.is_file() else ["apply_units wrote nothing"]
        n_merged = len(merged_gold.read_text("utf-8").splitlines()) if merged_gold.is_file() else 0
        units_ok = (applied.returncode == 0 and not unit_problems and n_merged == len(tasks) - 1
                    and len(with_units.pending) == 1 and with_units.ok)
        print(f"labels/tools/apply_units.py: exit {applied.returncode}, {n_merged} clauses ({len(tasks)} - 1), "
              f"clausetag validate: {len(unit_problems)} problem(s)")
        if save_fixture is not None:
            save_fixture.mkdir(parents=True, exist_ok=True)
            if doc.resolve().parent != DEFAULT_DOC.parent:  # the seed texts are in the repo already
                (save_fixture / "raw").mkdir(exist_ok=True)
                shutil.copyfile(doc, save_fixture / "raw" / doc.name)
            (save_fixture / "export.json").write_text(json.dumps(export, ensure_ascii=False) + "\n", encoding="utf-8")
            (save_fixture / "export_min.json").write_text(json.dumps(export_min, ensure_ascii=False) + "\n",
                                                          encoding="utf-8")
            (save_fixture / "labeling_config.xml").write_text(labeling_config(), encoding="utf-8")
            print(f"fixture saved to {save_fixture}")
        ok = same and not problems and result_.ok and len(result_.conflicts) == 1 and min_same and units_ok
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--label-studio", help="path of the label-studio executable (default: $LABEL_STUDIO_BIN, PATH)")
    p.add_argument("--doc", type=Path, default=DEFAULT_DOC, help="a .txt document to round-trip")
    p.add_argument("--model", default="default", help="model for the pre-annotations")
    p.add_argument("--save-fixture", type=Path, help="write the raw text and the export here (tests/data/labelstudio)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (data dir, log, export, gold)")
    args = p.parse_args(argv)
    ls = find_label_studio(args.label_studio)
    if ls is None:
        print("label-studio not found: pip install label-studio (in its own venv) and pass --label-studio", file=sys.stderr)
        return 2
    return run(ls, args.doc, args.model, args.save_fixture, args.keep)


if __name__ == "__main__":
    sys.exit(main())
