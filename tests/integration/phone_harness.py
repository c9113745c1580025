"""Runs the phone channel in the test's own event loop against the real Rasa and action servers of the
`stack` fixture, with real echo control, endpointing, DTMF detection, synthesis and recordings.

The recognizer is either the real Vosk one (Korean model from PyPI) or the ScriptedRecognizer: a FAKE
that injects the caller's words at the recognizer interface, because no Chinese model exists here.
"""

from __future__ import annotations

import contextlib
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.store.recording_store import RecordingStore
from bot.web.app import make_app
from telephony.config import load_phone_config
from telephony.engines import PhoneEngines
from telephony.media_stream import PhoneChannel
from telephony.recognizer import Recognizer, ScriptedRecognizer
from telephony.tts import Synthesizer

_SYNTH: Synthesizer | None = None


def shared_synthesizer(cache_dir: Path) -> Synthesizer:
    """One synthesizer for the whole test session, so prompts are synthesized once."""
    global _SYNTH
    if _SYNTH is None:
        cfg = load_phone_config()
        _SYNTH = Synthesizer(cfg.tts_engine, cfg.tts_voice, cfg.tts_rate, cache_dir)
    return _SYNTH


class ScriptedLines:
    """What the FAKE recognizer of each call will "hear": one live script (a deque the test appends to
    before the caller speaks) per call, handed out in the order calls are admitted."""

    def __init__(self) -> None:
        self.waiting: deque[deque[str]] = deque()
        self.recognizers: list[ScriptedRecognizer] = []

    def new_call(self) -> deque[str]:
        script: deque[str] = deque()
        self.waiting.append(script)
        return script

    def factory(self) -> Recognizer:
        rec = ScriptedRecognizer(self.waiting.popleft() if self.waiting else deque())
        self.recognizers.append(rec)
        return rec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def phone_server(rasa_url: str, tmp: Path, recognizer_factory: Callable[[], Recognizer], synth_cache: Path,
                       **config_changes) -> AsyncIterator[tuple[str, PhoneChannel]]:
    """Yields (base URL, channel) of a web app with the phone channel on a free port."""
    config = replace(load_phone_config(), recordings_dir=tmp / "recordings", tts_cache_dir=synth_cache,
                     **config_changes)
    engines = PhoneEngines(recognizer_factory, shared_synthesizer(synth_cache))
    engines.static_texts = set()
    channel = PhoneChannel(config, engines, rasa_url, RecordingStore())
    app = make_app(phone=channel)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}", channel
    finally:
        await runner.cleanup()


async def get_json(url: str) -> dict:
    async with aiohttp.ClientSession() as s, s.get(url) as resp:
        return await resp.json()
