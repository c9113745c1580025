"""Phone-channel settings, from environment variables with working defaults.

The recognizer model path is the one setting without a default here: no Chinese model ships with the
project (`claimbot models install` puts one in place and records it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.settings import load_settings

MODEL_SETTING = "CLAIMBOT_VOSK_MODEL"


@dataclass(frozen=True)
class PhoneConfig:
    max_calls: int = 4                   # calls beyond this hear the busy message
    no_input_s: float = 6.0              # silence after the bot finished speaking before a re-prompt
    end_silence_ms: int = 500            # caller silence that ends an utterance
    settle_ms: int = 300                 # caller pause after which the recognizer finalizes what it heard (0: never)
    tts_engine: str = "espeak"
    tts_voice: str = "cmn"
    tts_rate: int = 175
    recordings_dir: Path = Path("var/recordings")
    retention_days: int = 180
    tts_cache_dir: Path = Path("var/tts-cache")
    hangup_after_close_ms: int = 600     # after the last words of a closed call, the line is released


def _env_num(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"设置 {name} 必须是数字，现在是 {raw!r}") from exc


def load_phone_config() -> PhoneConfig:
    var_dir = load_settings().var_dir
    env = os.environ
    return PhoneConfig(
        max_calls=int(_env_num("CLAIMBOT_MAX_CALLS", 4)),
        no_input_s=_env_num("CLAIMBOT_NO_INPUT_S", 6.0),
        end_silence_ms=int(_env_num("CLAIMBOT_ENDPOINT_SILENCE_MS", 500)),
        settle_ms=max(0, int(_env_num("CLAIMBOT_ASR_SETTLE_MS", 300))),
        tts_engine=env.get("CLAIMBOT_TTS_ENGINE", "espeak"),
        tts_voice=env.get("CLAIMBOT_TTS_VOICE", "cmn"),
        tts_rate=int(_env_num("CLAIMBOT_TTS_RATE", 175)),
        recordings_dir=Path(env.get("CLAIMBOT_RECORDINGS_DIR", var_dir / "recordings")),
        retention_days=int(_env_num("CLAIMBOT_RECORDING_RETENTION_DAYS", 180)),
        tts_cache_dir=Path(env.get("CLAIMBOT_TTS_CACHE_DIR", var_dir / "tts-cache")),
    )
