"""Training with a model cache: the model file is named by a hash of everything that shapes it, so an
unchanged tree never retrains (CI and `claimbot eval` rely on this)."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import time
from pathlib import Path

from bot.domain_gen import write_domain_slots
from bot.settings import load_settings
from bot.slot_spec import REPO_ROOT
from nlu import diagnosis_classifier

log = logging.getLogger(__name__)

TRAINING_DATA = ["data/nlu", "data/rules.yml", "data/stories.yml"]
# Inputs of the model: Rasa data and config, the term data our components read, the NLU code that
# preprocesses training examples, and the locked dependency versions.
HASH_INPUTS = ["config.yml", "domain", *TRAINING_DATA, "data/medical_terms", "data/terms", "data/slots", "nlu",
               "requirements.lock"]


def _files(rel: str) -> list[Path]:
    path = REPO_ROOT / rel
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def model_hash() -> str:
    digest = hashlib.sha256()
    for rel in HASH_INPUTS:
        for f in _files(rel):
            digest.update(str(f.relative_to(REPO_ROOT)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return load_settings().models_dir / f"claimbot-{model_hash()}.tar.gz"


def is_stale() -> bool:
    return not model_path().exists()


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def train_diagnosis_classifier(force: bool = False) -> Path:
    """The ICD-10 classifier the term normalizer falls back on; it also learns the benchmark's training
    strings (../shared/reference/icd10/cdn_train.tsv) when they are there. Rebuilt only when its inputs change."""
    extra = load_settings().shared_dir / "reference" / "icd10" / "cdn_train.tsv"
    started = time.monotonic()
    path = diagnosis_classifier.build(extra if extra.exists() else None, force=force)
    log.info("diagnosis classifier %s ready in %.0f s", path.name, time.monotonic() - started)
    return path


def train(force: bool = False) -> Path:
    """Trains unless a model for the current inputs exists; returns the model path."""
    if write_domain_slots():
        log.info("domain/slots.yml regenerated from data/slots/slots.yml")
    train_diagnosis_classifier(force)
    target = model_path()
    if target.exists() and not force:
        log.info("model is up to date: %s", target.name)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    cmd = [rasa_executable(), "train", "--config", "config.yml", "--domain", "domain", "--data", *TRAINING_DATA,
           "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz"), "--quiet"]
    log.info("training: %s", " ".join(cmd))
    subprocess.run(cmd, cwd=REPO_ROOT, check=True)
    log.info("trained %s in %.0f s", target.name, time.monotonic() - started)
    for old in target.parent.glob("claimbot-*.tar.gz"):
        if old != target:
            old.unlink()
    return target
