"""The phone line's WebSocket endpoint (`/media-stream`, Twilio Media Streams shapes) and the call APIs
beside it, served by the web app.

Bad input never ends other calls and never loses what a caller said: malformed or unknown messages are
logged and skipped, frames out of order are dropped, lost frames become silence, a stream without
`start` is closed after a while, calls beyond capacity hear the busy message, and every call that
ends early still reaches the dialogue as `/call_dropped` so its partial ticket is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from bot.client import BotClient
from bot.privacy import mask_phone
from bot.slot_spec import load_slot_spec
from bot.store.recording_store import IN_PROGRESS, RecordingRecord, RecordingStore, expiry
from telephony.audio_codec import FRAME_MS, FRAME_SAMPLES, frames, ulaw_encode
from telephony.call_recovery import recover_open_calls
from telephony.call_registry import CallRegistry, LiveCall
from telephony.call_session import CallSession
from telephony.config import PhoneConfig
from telephony.engines import PhoneEngines
from telephony.media_protocol import (
    EXPECTED_ENCODING,
    EXPECTED_RATE,
    Event,
    ProtocolError,
    Start,
    mark_message,
    media_message,
    parse_message,
)

log = logging.getLogger("claimbot.phone")

NO_START_FRAMES = 250          # 5 s of media without `start`: not a call this endpoint can serve
MAX_BAD_MESSAGES = 500         # a line that sends only garbage is closed
MAX_GAP_FRAMES = 50            # lost frames filled with silence at most (1 s) per gap
MAX_MESSAGE_BYTES = 64 * 1024


class PhoneChannel:
    """Everything the web app needs for phone calls; `engines` is None when no recognizer model is set."""

    def __init__(self, config: PhoneConfig, engines: PhoneEngines | None, rasa_url: str,
                 recordings: RecordingStore | None = None, not_ready_reason: str = "") -> None:
        self.config = config
        self.engines = engines
        self.rasa_url = rasa_url
        self.recordings = recordings
        self.not_ready_reason = not_ready_reason
        self.registry = CallRegistry(config.max_calls)
        self.http: aiohttp.ClientSession | None = None
        self.recovery: asyncio.Task | None = None
        self.booted_at = datetime.now(timezone.utc)  # calls opened before this are a crashed process's

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/media-stream", self.media_stream), web.get("/api/calls/{call_sid}", self.api_call),
                web.get("/api/phone/status", self.api_status)]

    async def on_startup(self, app: web.Application) -> None:
        self.http = aiohttp.ClientSession()
        if self.recordings is not None:
            bot = BotClient(self.rasa_url, self.http)
            self.recovery = asyncio.create_task(
                recover_open_calls(self.recordings, bot, self.config.retention_days, self.booted_at),
                name="call-recovery")

    async def on_cleanup(self, app: web.Application) -> None:
        if self.recovery is not None:
            self.recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.recovery
        if self.http:
            await self.http.close()

    # -- HTTP ------------------------------------------------------------------------------------------

    async def api_status(self, request: web.Request) -> web.Response:
        return web.json_response({"ready": self.engines is not None, "reason": self.not_ready_reason,
                                  "warm": self.engines is not None and self.engines.warmed,
                                  "active_calls": self.registry.active, "capacity": self.registry.capacity,
                                  "refused_calls": self.registry.refused})

    async def api_call(self, request: web.Request) -> web.Response:
        call = self.registry.get(request.match_info["call_sid"])
        if call is None:
            return web.json_response({"error": "没有这个通话"}, status=404)
        return web.json_response(call.view())

    # -- the line --------------------------------------------------------------------------------------

    async def media_stream(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=MAX_MESSAGE_BYTES)
        await ws.prepare(request)
        line = _Line(self, ws, request.remote or "?")
        try:
            await line.run()
        except Exception:  # a fault in one call ends that call politely; the others go on
            log.exception("line %s: call failed", line.peer)
            line.end_reason = "error"
        finally:
            await line.close()
        return ws

    async def save_recording(self, session: CallSession, live: LiveCall, *, opening: bool = False) -> None:
        """Saved once as the call opens (`in_progress`: what a crash would leave behind) and again at its end."""
        if self.recordings is None:
            return
        ended = datetime.now(timezone.utc)
        record = RecordingRecord(
            call_sid=session.call_sid, conversation_id=session.call_sid, caller=session.start_msg.caller or None,
            wav_path=str(session.recording.path), transcript=list(session.recording.transcript),
            duration_s=session.recording.seconds, end_reason=IN_PROGRESS if opening else live.end_reason or "",
            started_at=ended - timedelta(seconds=session.recording.seconds), ended_at=ended,
            expires_at=expiry(ended, self.config.retention_days))
        await asyncio.get_running_loop().run_in_executor(None, self.recordings.save, record)
        if not opening:
            session.recording.discard_journal()


class _Line:
    """One WebSocket connection: parses, checks and routes what the line sends."""

    def __init__(self, channel: PhoneChannel, ws: web.WebSocketResponse, peer: str) -> None:
        self.channel = channel
        self.ws = ws
        self.peer = peer
        self.session: CallSession | None = None
        self.live: LiveCall | None = None
        self.last_sequence: int | None = None
        self.bad = 0
        self.bad_kinds: dict[str, int] = {}
        self.out_of_order = 0
        self.media_before_start = 0
        self.first_timestamp: int | None = None
        self.media_frames = 0
        self.end_reason = "disconnected"
        self.sizes_warned = False

    async def send(self, text: str) -> None:
        if not self.ws.closed:
            await self.ws.send_str(text)

    async def run(self) -> None:
        async for msg in self.ws:
            if msg.type == WSMsgType.TEXT:
                if not await self._message(msg.data):
                    return
            elif msg.type == WSMsgType.BINARY:
                self._bad(f"收到二进制消息（{len(msg.data)} 字节），媒体流只接受 JSON 文本")
            elif msg.type == WSMsgType.ERROR:
                log.warning("line %s: websocket error %s", self.peer, self.ws.exception())
                return
            if self.bad > MAX_BAD_MESSAGES:
                log.warning("line %s: %d bad messages, closing", self.peer, self.bad)
                self.end_reason = "bad_input"
                return
            if self.session and self.session.ended.is_set():
                self.end_reason = self.session.end_reason
                return

    def _bad(self, reason: str, kind: str = "") -> None:
        """Logs a bad message: the first few of each kind, then every hundredth, so a flood stays readable."""
        self.bad += 1
        kind = kind or reason[:8]
        seen = self.bad_kinds[kind] = self.bad_kinds.get(kind, 0) + 1
        if seen <= 3 or seen % 100 == 0:
            log.warning("line %s (%s): %s [%d of this kind, %d bad in all]", self.peer,
                        self.session.call_sid if self.session else "-", reason, seen, self.bad)

    async def _message(self, raw: str) -> bool:
        """Handles one message; False ends the connection."""
        try:
            event = parse_message(raw)
        except ProtocolError as exc:
            self._bad(str(exc), str(exc)[:12])
            return True
        if event.sequence is not None:
            if self.last_sequence is not None and event.sequence <= self.last_sequence:
                self.out_of_order += 1
                self._bad(f"消息序号 {event.sequence} 不晚于 {self.last_sequence}，乱序或重复，已丢弃", "order")
                return True
            self.last_sequence = event.sequence
        handler = getattr(self, f"_on_{event.kind}")
        return await handler(event)

    async def _on_connected(self, event: Event) -> bool:
        return True

    async def _on_start(self, event: Event) -> bool:
        start = event.start
        assert start is not None
        if self.session is not None:
            self._bad("重复的 start 消息，已忽略")
            return True
        if (start.encoding.lower(), start.sample_rate, start.channels) != (EXPECTED_ENCODING, EXPECTED_RATE, 1):
            log.warning("line %s: call %s sends %s %s Hz × %s; only %s 8000 Hz mono is supported, closing",
                        self.peer, start.call_sid, start.encoding, start.sample_rate, start.channels, EXPECTED_ENCODING)
            self.end_reason = "unsupported_format"
            return False
        channel = self.channel
        if channel.engines is None:
            log.error("call %s refused: %s", start.call_sid, channel.not_ready_reason)
            self.end_reason = "not_ready"
            return False
        live = channel.registry.admit(start.call_sid, start.caller)
        if live is None:
            log.warning("call %s (caller %s) refused: %d calls already, capacity %d", start.call_sid,
                        mask_phone(start.caller) or "-", channel.registry.active, channel.registry.capacity)
            await self._play_busy(start)
            self.end_reason = "busy"
            return False
        self.live = live
        assert channel.http is not None
        bot = BotClient(channel.rasa_url, channel.http)
        self.session = CallSession(start, self.send, channel.engines, channel.config, bot, live)
        try:
            await channel.save_recording(self.session, live, opening=True)
        except Exception:  # the call itself must go on; only its crash recovery is lost
            log.exception("call %s: could not note the call as open", start.call_sid)
        await self.session.begin()
        return True

    async def _on_media(self, event: Event) -> bool:
        media = event.media
        assert media is not None
        if self.session is None:
            self.media_before_start += 1
            if self.media_before_start == 1:
                log.warning("line %s: media before start, dropped until the call starts", self.peer)
            if self.media_before_start >= NO_START_FRAMES:
                log.warning("line %s: no start after %d media frames, closing", self.peer, self.media_before_start)
                self.end_reason = "no_start"
                return False
            return True
        if len(media.payload) != FRAME_SAMPLES and not self.sizes_warned:
            self.sizes_warned = True
            log.warning("call %s: media payload of %d bytes (expected %d): re-framed", self.session.call_sid,
                        len(media.payload), FRAME_SAMPLES)
        await self._fill_gap(media.timestamp_ms)
        self.media_frames += max(1, len(media.payload) // FRAME_SAMPLES)
        await self.session.on_media(media.payload)
        return True

    async def _fill_gap(self, timestamp_ms: int | None) -> None:
        """Lost packets: the provider's timestamps run on; silence keeps our clock on theirs."""
        if timestamp_ms is None or self.session is None:
            return
        if self.first_timestamp is None:
            self.first_timestamp = timestamp_ms
        missing = (timestamp_ms - self.first_timestamp) // FRAME_MS - self.media_frames
        if missing > 0:
            await self.session.on_gap(min(missing, MAX_GAP_FRAMES))
            self.media_frames += missing

    async def _on_dtmf(self, event: Event) -> bool:
        if self.session and event.digit:
            await self.session.on_dtmf(event.digit)
        return True

    async def _on_mark(self, event: Event) -> bool:
        if self.session and event.mark:
            self.session.on_mark(event.mark)
        return True

    async def _on_stop(self, event: Event) -> bool:
        self.end_reason = "caller_hangup"
        return False

    async def _play_busy(self, start: Start) -> None:
        """Over capacity: the busy message, paced as speech, then the line is released."""
        engines = self.channel.engines
        assert engines is not None
        _, audio = engines.prompt("busy")
        started = time.perf_counter()
        for i, frame in enumerate(frames(audio, FRAME_SAMPLES)):
            await self.send(media_message(start.stream_sid, ulaw_encode(frame)))
            delay = started + (i + 1) * FRAME_MS / 1000 - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await self.send(mark_message(start.stream_sid, "busy"))

    async def close(self) -> None:
        session, live = self.session, self.live
        if session is not None and live is not None:
            reason = session.end_reason or self.end_reason
            await session.finish(reason)
            try:
                await self.channel.save_recording(session, live)
            except Exception:  # the WAV and the transcript journal stay on disk for the next start's recovery
                log.exception("call %s: recording not saved", session.call_sid)
            self.channel.registry.release(live)
            log.info("call %s ended (%s) after %.1f s, %d bad messages, %d out of order", session.call_sid,
                     live.end_reason, live.duration_s, self.bad, self.out_of_order)
        if not self.ws.closed:
            await self.ws.close()


def slot_labels() -> dict[str, Any]:
    spec = load_slot_spec()
    return {"slots": [{"name": s.name, "label": s.label} for s in spec.slots]}
