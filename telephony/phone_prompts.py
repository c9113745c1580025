"""Texts the bot says only on the phone line, read from `data/telephony/phone_prompts.yml`.

They are few and static, so the synthesizer can make each one once at start and the call never waits for them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

PROMPTS_FILE = Path(__file__).resolve().parent.parent / "data" / "telephony" / "phone_prompts.yml"
MAX_PROMPT_CHARS = 30


@lru_cache(maxsize=1)
def all_phone_prompts() -> dict[str, str]:
    """Every prompt by key (loaded once per process)."""
    data = yaml.safe_load(PROMPTS_FILE.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, str) and v.strip() for v in data.values()):
        raise ValueError(f"{PROMPTS_FILE}: 每一项都应是“键: 文字”")
    return {str(k): v.strip() for k, v in data.items()}


def phone_prompt(key: str) -> str:
    """The text for one prompt key; an unknown key is a programming error and says which keys exist."""
    prompts = all_phone_prompts()
    try:
        return prompts[key]
    except KeyError:
        raise KeyError(f"没有电话提示语 {key!r}，可用的有：{', '.join(sorted(prompts))}") from None
