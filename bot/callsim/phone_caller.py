"""A simulated caller on the media-stream endpoint, speaking the same protocol a telephony provider does.

It dials (connected, start), keeps 20 ms μ-law frames flowing both ways for the whole call, plays the
bot's audio on its own timeline (echoing marks as they are reached, dropping the queue on `clear`, and
feeding an echo of it back on a speakerphone profile), says its turns through the simulated line, waits
for the bot to finish before answering, and keys digits on request.

Pacing: `speed=1` is real time; higher values run the line that much faster (the server's clock is the
line, so an accelerated call behaves like a real one, only sooner). One difference: when accelerated, the
phone's playout of the bot's audio jitters by a few frames against the server's clock, and so does a
simulated speakerphone echo; echo measurements therefore run in real time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np

from telephony.audio_codec import FRAME_MS, FRAME_SAMPLES, frames, ulaw_decode, ulaw_encode
from telephony.dtmf import dtmf_tone
from telephony.line_impairments import LineProfile, PhoneLine

SILENCE = np.zeros(FRAME_SAMPLES, dtype=np.int16)


@dataclass
class CallResult:
    call_sid: str
    ended_by: str = ""                  # server | caller | error
    error: str = ""
    frames_sent: int = 0
    frames_lost: int = 0
    bot_frames: int = 0
    marks: list[str] = field(default_factory=list)
    clears: int = 0
    busy: bool = False
    view: dict[str, Any] = field(default_factory=dict)   # the server's live view of the call at its end

    @property
    def ticket_number(self) -> str | None:
        return self.view.get("ticket_number")


class PhoneCaller:
    def __init__(self, ws_url: str, http_base: str, *, caller: str = "13800000000", now: str | None = None,
                 profile: LineProfile | None = None, speed: float = 1.0, call_sid: str | None = None) -> None:
        self.ws_url = ws_url
        self.http_base = http_base.rstrip("/")
        self.caller = caller
        self.now = now
        self.line = PhoneLine(profile or LineProfile(band_limit=False, ulaw=False))
        self.speed = max(speed, 0.01)
        self.call_sid = call_sid or f"CA{uuid.uuid4().hex}"
        self.stream_sid = f"MZ{uuid.uuid4().hex}"
        self.result = CallResult(self.call_sid)
        self.heard: deque = deque()            # ("audio", frame) | ("mark", name): the bot as the phone plays it
        self.outgoing: deque[np.ndarray] = deque()
        self.sequence = 0
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.closed = asyncio.Event()
        self.replies_done = 0                  # bot replies fully played (marks reached)
        self.bot_audio: list[np.ndarray] = []  # every bot frame as the caller heard it
        self.heard_at: list[int] = []          # the tick (frames sent so far) at which each was heard
        self.on_frame: Callable[[], Awaitable[None]] | None = None

    # -- the protocol -----------------------------------------------------------------------------

    def _msg(self, event: str, **body: Any) -> str:
        self.sequence += 1
        return json.dumps({"event": event, "sequenceNumber": str(self.sequence), "streamSid": self.stream_sid, **body})

    async def dial(self, session: aiohttp.ClientSession) -> None:
        self.ws = await session.ws_connect(self.ws_url, max_msg_size=1 << 20)
        await self.ws.send_str(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        custom = {"caller": self.caller, **({"now": self.now} if self.now else {})}
        await self.ws.send_str(self._msg("start", start={
            "streamSid": self.stream_sid, "callSid": self.call_sid, "accountSid": "simulator",
            "tracks": ["inbound"], "customParameters": custom,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}))
        asyncio.create_task(self._receive())

    async def _receive(self) -> None:
        assert self.ws is not None
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                data = json.loads(msg.data)
                kind = data.get("event")
                if kind == "media":
                    self.heard.append(("audio", ulaw_decode(base64.b64decode(data["media"]["payload"]))))
                    self.result.bot_frames += 1
                elif kind == "mark":
                    self.heard.append(("mark", data["mark"]["name"]))
                elif kind == "clear":
                    self.result.clears += 1
                    self.heard = deque(item for item in self.heard if item[0] == "mark")
                    self.replies_done = max(self.replies_done, 0)
        finally:
            self.closed.set()

    # -- one tick of the line -------------------------------------------------------------------------

    async def tick(self) -> None:
        """20 ms: the phone plays one bot frame (echoing marks it reaches) and sends one caller frame."""
        assert self.ws is not None
        heard = None
        while self.heard and self.heard[0][0] == "mark":
            _, name = self.heard.popleft()
            self.result.marks.append(name)
            self.replies_done += 1
            await self._send(self._msg("mark", mark={"name": name}))
        if self.heard:
            heard = self.heard.popleft()[1]
            self.bot_audio.append(heard)
            self.heard_at.append(self.result.frames_sent)
        mine = self.outgoing.popleft() if self.outgoing else SILENCE
        line_frame = self.line.caller_frame(mine, heard)
        self.result.frames_sent += 1
        if self.line.lost():
            self.result.frames_lost += 1
        else:
            await self._send(self._msg("media", media={
                "track": "inbound", "chunk": str(self.result.frames_sent),
                "timestamp": str((self.result.frames_sent - 1) * FRAME_MS),
                "payload": base64.b64encode(ulaw_encode(line_frame)).decode("ascii")}))
        await asyncio.sleep(max(FRAME_MS / 1000 / self.speed + self.line.jitter_delay_s() / self.speed, 0) or 0)

    async def _send(self, text: str) -> None:
        if self.ws is not None and not self.ws.closed:
            try:
                await self.ws.send_str(text)
            except ConnectionResetError:
                self.closed.set()

    @property
    def bot_speaking(self) -> bool:
        return any(kind == "audio" for kind, _ in self.heard)

    # -- what the caller does ----------------------------------------------------------------------

    def say(self, audio: np.ndarray, trailing_silence_ms: int = 0) -> None:
        self.outgoing.extend(frames(audio, FRAME_SAMPLES))
        self.outgoing.extend([SILENCE] * (trailing_silence_ms // FRAME_MS))

    def key(self, keys: str, tone_ms: int = 80, gap_ms: int = 80, in_band: bool = False) -> list[str]:
        """Keys digits: in-band as tones in the audio, or returns them for out-of-band `dtmf` events."""
        if in_band:
            for k in keys:
                self.say(dtmf_tone(k, tone_ms), trailing_silence_ms=gap_ms)
            return []
        return list(keys)

    async def send_dtmf(self, digit: str) -> None:
        await self._send(self._msg("dtmf", dtmf={"track": "inbound_track", "digit": digit}))

    async def run_for(self, ms: int) -> None:
        for _ in range(max(1, ms // FRAME_MS)):
            if self.closed.is_set():
                return
            await self.tick()

    async def speak_and_wait(self, audio: np.ndarray | None, timeout_s: float = 60.0, pause_ms: int = 400) -> bool:
        """Says the audio, then keeps the line going until the bot has answered and finished speaking.
        False when the call ended (or the bot stayed silent past the timeout)."""
        done_before = self.replies_done
        if audio is not None:
            self.say(audio)
        deadline = time.monotonic() + timeout_s
        while not self.closed.is_set() and time.monotonic() < deadline:
            await self.tick()
            if not self.outgoing and self.replies_done > done_before and not self.bot_speaking:
                await self.run_for(pause_ms)
                return not self.closed.is_set()
        return False

    async def hang_up(self) -> None:
        await self._send(self._msg("stop", stop={"accountSid": "simulator", "callSid": self.call_sid}))
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        self.result.ended_by = self.result.ended_by or "caller"

    async def end(self, session: aiohttp.ClientSession, settle_s: float = 0.5) -> dict[str, Any]:
        """Hangs up if the line is still open, lets the server finish the call, and returns its final view."""
        if not self.closed.is_set():
            await self.hang_up()
        await asyncio.sleep(settle_s)
        return await self.fetch_view(session)

    async def fetch_view(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        async with session.get(f"{self.http_base}/api/calls/{self.call_sid}") as resp:
            view = await resp.json() if resp.status == 200 else {}
        self.result.view = view
        return view
