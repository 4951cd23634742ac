"""The two models under test: Rasa's own `rasa init` bot (the baseline) and our production model."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.processes import ENGINE_BIN, ROOT, BenchError, log_tail, timed_run

CACHE_DIR = (
    Path(os.environ.get("PHYSIO_CACHE_DIR") or Path.home() / ".cache" / "physio-intake") / "bench"
)


@dataclass(frozen=True)
class TrainedModel:
    project_dir: Path  # the working directory `rasa run` needs
    model: Path
    train_seconds: float | None  # None: not trained in this run and no earlier figure
    train_peak_rss_mb: float | None
    cached: bool  # the train figures come from an earlier run


def engine_env(**extra: str) -> dict[str, str]:
    """The environment scripts/env.sh gives Rasa, plus `extra`."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **extra,
    }


def _baseline_key() -> str:
    """Changes when the engine's Rasa version or its `rasa init` template changes."""
    site_packages = next((ROOT / ".venv-engine" / "lib").glob("python3*/site-packages"))
    digest = hashlib.sha256()
    digest.update(",".join(sorted(p.name for p in site_packages.glob("rasa-*.dist-info"))).encode())
    template = site_packages / "rasa" / "cli" / "initial_project"
    for path in sorted(template.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(template)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_baseline(workdir: Path, retrain: bool) -> TrainedModel:
    """`rasa init --no-prompt` (scaffold + train with Rasa's default config), timed cold.

    The trained project is cached outside the repository so that `--quick` runs skip the
    two-minute training; a full run always retrains to measure it.
    """
    cached = CACHE_DIR / f"baseline-{_baseline_key()}"
    info_path = cached / "bench-train.json"
    if not retrain and info_path.exists():
        info = json.loads(info_path.read_text())
        return TrainedModel(
            project_dir=cached,
            model=cached / info["model"],
            train_seconds=info["train_seconds"],
            train_peak_rss_mb=info["train_peak_rss_mb"],
            cached=True,
        )
    project = workdir / "baseline"
    project.mkdir()
    print("==> Baseline: rasa init --no-prompt (scaffold + train, default config)", flush=True)
    run = timed_run(
        [str(ENGINE_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
        cwd=workdir,
        # A fresh training cache: the train time is a cold one.
        env=engine_env(RASA_CACHE_DIRECTORY=str(workdir / "rasa-cache-baseline")),
        log_path=workdir / "baseline-train.log",
    )
    model = max((project / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    info = {
        "model": str(model.relative_to(project)),
        "train_seconds": run.seconds,
        "train_peak_rss_mb": run.peak_rss_mb,
    }
    (project / "bench-train.json").write_text(json.dumps(info, indent=2))
    staging = cached.with_name(cached.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(project, staging)
    shutil.rmtree(cached, ignore_errors=True)
    staging.rename(cached)
    return TrainedModel(project, model, run.seconds, run.peak_rss_mb, cached=False)


def prepare_ours(workdir: Path, retrain: bool) -> TrainedModel:
    """Our production config: a timed cold `rasa train`, or the cached model of scripts/train.sh."""
    if not retrain:
        result = subprocess.run(  # noqa: S603 - our own script
            [str(ROOT / "scripts" / "train.sh")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BenchError(f"scripts/train.sh failed:\n{(result.stdout + result.stderr)[-3000:]}")
        return TrainedModel(ROOT, ROOT / "models" / "model.tar.gz", None, None, cached=True)
    print("==> Ours: rasa train (production config.yml, cold)", flush=True)
    out = workdir / "our-model"
    log_path = workdir / "our-train.log"
    run = timed_run(
        [
            str(ENGINE_BIN / "rasa"),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(out),
            "--fixed-model-name",
            "model",
        ],
        cwd=ROOT,
        env=engine_env(RASA_CACHE_DIRECTORY=str(workdir / "rasa-cache-ours")),
        log_path=log_path,
    )
    model = out / "model.tar.gz"
    if not model.exists():
        raise BenchError(f"rasa train wrote no model:\n{log_tail(log_path)}")
    return TrainedModel(ROOT, model, run.seconds, run.peak_rss_mb, cached=False)
