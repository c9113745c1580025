"""Builds the phone channel for the web app from configuration: engines on the configured model, prompts
synthesized ahead, old recordings purged. Without a model the web app still serves everything else and
the channel says why it is not ready."""

from __future__ import annotations

import logging
import threading

from bot.store.recording_store import RecordingStore
from telephony.config import load_phone_config
from telephony.engines import vosk_engines
from telephony.media_stream import PhoneChannel
from telephony.recognizer import ModelNotConfiguredError

log = logging.getLogger("claimbot.phone")


def build_phone_channel(rasa_url: str, required: bool = False) -> PhoneChannel:
    """ModelNotConfiguredError when `required` and no usable model is configured."""
    config = load_phone_config()
    recordings = RecordingStore()
    recordings.purge_expired()
    try:
        engines = vosk_engines(config)
    except ModelNotConfiguredError as exc:
        if required:
            raise
        log.error("电话通道未启用：%s", exc)
        return PhoneChannel(config, None, rasa_url, recordings, str(exc))
    threading.Thread(target=_warm, args=(engines,), name="tts-warm", daemon=True).start()
    log.info("phone channel ready: capacity %d calls, recordings kept %d days", config.max_calls,
             config.retention_days)
    return PhoneChannel(config, engines, rasa_url, recordings)


def _warm(engines) -> None:
    try:
        log.info("static prompts synthesized: %d; recognizers warmed", engines.warm())
    except Exception:
        log.exception("static prompts could not be synthesized ahead")
