"""One phone call: caller audio in, the claim dialogue in the middle, bot audio out.

The line's incoming 20 ms frames are the call's clock. Each incoming frame lets one outgoing frame go,
so the bot's audio is paced in real time on a real line, runs as fast as the caller's audio in an
accelerated simulation, and both sides of the recording stay in step for any length of call.

Per incoming frame: in-band DTMF detection, echo control against what the bot is playing, endpointing,
and (while the caller speaks) streaming recognition on a thread of the call's own. A finished utterance,
a keypad entry or a long silence becomes one turn for the dialogue, handled in order by one task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bot.client import BotClient, BotReply
from bot.privacy import mask_phone
from nlu.id_number import check_char
from nlu.text_normalizer import normalize_text
from telephony.audio_codec import FRAME_MS, FRAME_SAMPLES, frames, ulaw_decode, ulaw_encode
from telephony.call_registry import LiveCall
from telephony.config import PhoneConfig
from telephony.dtmf import DtmfCollector, DtmfDetector
from telephony.echo_control import EchoControl
from telephony.endpointer import Endpointer, EndpointerConfig
from telephony.engines import PhoneEngines, speech_pieces
from telephony.media_protocol import Start, clear_message, mark_message, media_message
from telephony.recording import CallRecording

log = logging.getLogger("claimbot.phone")

SHANGHAI = ZoneInfo("Asia/Shanghai")
DIGIT_SLOTS = ("insured_id", "contact_phone")
PREROLL_FRAMES = 15          # audio kept from before the speech start, so the first syllable is not lost
PARTIAL_EVERY_FRAMES = 10
Send = Callable[[str], Awaitable[None]]


@dataclass
class TurnTimer:
    """Where the response time of one turn goes (wall clock, ms), from the caller's last speech frame."""
    last_speech_at: float
    endpointed_at: float = 0.0
    recognized_at: float = 0.0
    answered_at: float = 0.0
    synthesized_at: float = 0.0
    first_frame_at: float = 0.0
    audio_s: float = 0.0
    recognizer_cpu_s: float = 0.0
    kind: str = "speech"

    def as_dict(self) -> dict[str, Any]:
        def ms(a: float, b: float) -> float | None:
            return round((b - a) * 1000, 1) if a and b else None
        return {"kind": self.kind,
                "endpointing_ms": ms(self.last_speech_at, self.endpointed_at),
                "recognition_ms": ms(self.endpointed_at, self.recognized_at),
                "dialogue_ms": ms(self.recognized_at, self.answered_at),
                "synthesis_ms": ms(self.answered_at, self.synthesized_at),
                "response_ms": ms(self.last_speech_at, self.first_frame_at),
                "audio_s": round(self.audio_s, 3), "recognizer_cpu_s": round(self.recognizer_cpu_s, 4)}


@dataclass
class Turn:
    kind: str                      # speech | dtmf | silence | start
    text: str = ""
    timer: TurnTimer | None = None
    finish: asyncio.Future | None = None   # the recognizer's final result, for speech


@dataclass
class Playback:
    """Queued outgoing audio: frames and the marks between replies."""
    items: deque = field(default_factory=deque)   # ("audio", frame, timer|None) | ("mark", name)

    @property
    def playing(self) -> bool:
        return any(kind == "audio" for kind, *_ in self.items)


class CallSession:
    def __init__(self, start: Start, send: Send, engines: PhoneEngines, config: PhoneConfig, bot: BotClient,
                 live: LiveCall) -> None:
        self.start_msg = start
        self.sid = start.stream_sid
        self.call_sid = start.call_sid
        self.send = send
        self.engines = engines
        self.config = config
        self.bot = bot
        self.live = live
        self.recognizer = engines.acquire_recognizer()
        self.endpointer = Endpointer(EndpointerConfig(end_silence_ms=config.end_silence_ms))
        self.echo = EchoControl()
        self.dtmf_detector = DtmfDetector()
        self.keypad = DtmfCollector()
        self.recording = CallRecording(config.recordings_dir, start.call_sid)
        live.transcript = self.recording.transcript
        self.asr_thread = ThreadPoolExecutor(1, f"asr-{start.call_sid[:8]}")
        self.playback = Playback()
        self.turns: asyncio.Queue[Turn] = asyncio.Queue()
        self.worker: asyncio.Task | None = None
        self.frame_no = 0
        self.arrivals: deque[float] = deque(maxlen=200)   # wall time each recent frame arrived
        self.preroll: deque[np.ndarray] = deque(maxlen=PREROLL_FRAMES)
        self.in_speech = False
        self.settled = False           # the recognizer finalized the words before the caller's current pause
        self.held: list[np.ndarray] = []  # the pause's audio since then, fed on only if the caller goes on
        self.speech_started_frame = 0
        self.quiet_frames = 0          # frames with neither bot audio, caller speech nor a pending turn
        self.busy_turns = 0            # turns queued or being handled
        self.last_key_frame = -10_000
        self.asking: list[str] = []
        self.asked_before: set[str] = set()
        self.keypad_offered: set[str] = set()
        self.phase = "collecting"
        self.closing = False
        self.ended = asyncio.Event()
        self.end_reason = ""
        self.mark_seq = 0
        self.marks_acknowledged = 0
        self.partial_future: asyncio.Future | None = None
        self.reply_no = 0

    # -- the line ------------------------------------------------------------------------------

    async def begin(self) -> None:
        self.recording.note_call(now=self._metadata("start")["now"])
        self.worker = asyncio.create_task(self._dialogue_worker(), name=f"dialogue-{self.call_sid}")
        await self.turns.put(Turn("start"))
        self.busy_turns += 1
        log.info("call %s started (caller %s)", self.call_sid, mask_phone(self.start_msg.caller) or "-")

    async def on_media(self, payload: bytes) -> None:
        pcm = ulaw_decode(payload)
        for frame in frames(pcm, FRAME_SAMPLES):
            await self._tick(frame)

    async def on_gap(self, missing_frames: int) -> None:
        """Frames the line lost: silence in their place keeps the clock and the recording in step."""
        silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        for _ in range(missing_frames):
            await self._tick(silence)

    async def on_dtmf(self, digit: str) -> None:
        await self._key(digit)

    def on_mark(self, name: str) -> None:
        self.marks_acknowledged += 1

    async def _tick(self, frame: np.ndarray) -> None:
        self.frame_no += 1
        now = time.perf_counter()
        self.arrivals.append(now)
        bot_frame = await self._play_one()
        if bot_frame is not None:
            self.echo.played(bot_frame)
        else:
            self.echo.note_idle()
        self.recording.write(frame, bot_frame)
        digit = self.dtmf_detector.feed(frame)
        if digit:
            await self._key(digit)
        elif self.keypad.pending:
            timed_out = self.keypad.poll()  # digits keyed without `#`: taken as they are after a pause
            if timed_out:
                await self._submit_keys(timed_out)
        keying = self.frame_no - self.last_key_frame < 25
        clean, threshold = self.echo.process(frame)
        event = self.endpointer.feed(clean, threshold)
        self.preroll.append(frame)
        if event == "start" and not keying:
            await self._speech_started()
        elif event == "end" and self.in_speech:
            self._speech_ended(now)
        elif self.in_speech:
            self._listen(frame)
        self._count_quiet()
        self.live.cpu_s += time.perf_counter() - now

    # -- caller speech ---------------------------------------------------------------------------

    async def _speech_started(self) -> None:
        self.in_speech = True
        self.settled = False
        self.held.clear()
        self.quiet_frames = 0
        self.speech_started_frame = self.frame_no
        for f in self.preroll:
            self._feed(f)
        if self.playback.playing:
            await self._barge_in()

    def _listen(self, frame: np.ndarray) -> None:
        """A frame inside the caller's utterance. Once a pause reaches `settle_ms` the recognizer settles what
        it heard, so the end of the turn finds the words ready; the rest of the pause waits in `held`."""
        pause_ms = self.endpointer.trailing_silence_ms
        if pause_ms == 0:
            for held in self.held:
                self._feed(held)
            self.held.clear()
            self.settled = False
            self._feed(frame)
        elif self.settled:
            self.held.append(frame)
        else:
            self._feed(frame)
            if self.config.settle_ms and pause_ms >= self.config.settle_ms:
                self.settled = True
                settling = asyncio.get_running_loop().run_in_executor(self.asr_thread, self.recognizer.settle)
                settling.add_done_callback(self._settle_done)

    def _settle_done(self, future: asyncio.Future) -> None:
        if not future.cancelled() and future.exception() is not None:  # finish() still decodes what is left
            log.error("call %s: recognizer could not settle: %r", self.call_sid, future.exception())

    def _feed(self, frame: np.ndarray) -> None:
        future = asyncio.get_running_loop().run_in_executor(self.asr_thread, self.recognizer.accept, frame)
        if self.frame_no % PARTIAL_EVERY_FRAMES == 0:
            future.add_done_callback(self._partial_done)

    def _partial_done(self, future: asyncio.Future) -> None:
        if not future.cancelled() and future.exception() is None and self.in_speech:
            self.live.partial = future.result() or ""

    def _speech_ended(self, now: float) -> None:
        self.in_speech = False
        self.settled = False
        self.held.clear()  # the pause that ended the turn: nothing more to recognize
        silence_frames = self.config.end_silence_ms // FRAME_MS
        last_speech = self.arrivals[-silence_frames - 1] if len(self.arrivals) > silence_frames else self.arrivals[0]
        timer = TurnTimer(last_speech_at=last_speech, endpointed_at=now)
        finish = asyncio.get_running_loop().run_in_executor(self.asr_thread, self.recognizer.finish)
        self.busy_turns += 1
        self.turns.put_nowait(Turn("speech", timer=timer, finish=finish))

    async def _barge_in(self) -> None:
        """The caller talks over the bot: stop playing at once and listen."""
        self.playback.items.clear()
        self.echo.clear()
        await self.send(clear_message(self.sid))
        self.recording.say("caller", "", kind="barge_in")
        self.live.barge_ins += 1
        log.info("call %s: barge-in at %.1f s", self.call_sid, self.recording.seconds)

    # -- keypad ------------------------------------------------------------------------------------

    async def _key(self, digit: str) -> None:
        self.last_key_frame = self.frame_no
        if self.in_speech:  # the tone itself started an "utterance": it is not speech
            self.in_speech = False
            self.endpointer.reset()
            await asyncio.get_running_loop().run_in_executor(self.asr_thread, self.recognizer.reset)
        if self.playback.playing:
            await self._barge_in()
        self.quiet_frames = 0
        if digit == "*":
            self.keypad.clear()
            await self._say_prompt("keypad_restart")
            return
        entered = self.keypad.add(digit)
        if entered:
            await self._submit_keys(entered)

    async def _submit_keys(self, entered: str) -> None:
        if "insured_id" in self.asking and len(entered) == 17:
            entered += check_char(entered) if check_char(entered) == "X" else ""  # a keypad has no X
        self.recording.say("caller", entered, kind="dtmf")
        self.busy_turns += 1
        await self.turns.put(Turn("dtmf", text=entered, timer=TurnTimer(last_speech_at=time.perf_counter(),
                                                                        kind="dtmf")))

    # -- silence -------------------------------------------------------------------------------------

    def _count_quiet(self) -> None:
        if self.in_speech or self.busy_turns or self.playback.items or self.closing or self.keypad.pending:
            self.quiet_frames = 0
            return
        self.quiet_frames += 1
        if self.quiet_frames * FRAME_MS >= self.config.no_input_s * 1000:
            self.quiet_frames = 0
            self.busy_turns += 1
            self.turns.put_nowait(Turn("silence", timer=TurnTimer(last_speech_at=time.perf_counter(),
                                                                  kind="silence")))

    # -- the dialogue --------------------------------------------------------------------------------

    def _metadata(self, kind: str) -> dict[str, Any]:
        return {"now": datetime.now(SHANGHAI).isoformat(timespec="seconds"), "caller": self.start_msg.caller,
                "channel": "phone", "call_sid": self.call_sid, "input": kind, **self._custom_metadata()}

    def _custom_metadata(self) -> dict[str, Any]:
        now = self.start_msg.custom.get("now")
        return {"now": now} if now else {}

    async def _dialogue_worker(self) -> None:
        while True:
            turn = await self.turns.get()
            try:
                await self._handle(turn)
            except asyncio.CancelledError:
                raise
            except Exception:  # one failed turn must not end the call: say so and keep listening
                log.exception("call %s: turn failed", self.call_sid)
                await self._say_prompt("system_error")
            finally:
                self.busy_turns = max(0, self.busy_turns - 1)

    async def _handle(self, turn: Turn) -> None:
        timer = turn.timer
        if turn.kind == "start":
            reply = await self.bot.start_call(self.call_sid, **self._metadata("start"))
            await self._speak(reply, None)
            return
        if turn.kind == "speech":
            result = await turn.finish
            if timer:
                timer.recognized_at = time.perf_counter()
                timer.audio_s, timer.recognizer_cpu_s = result.audio_s, result.cpu_s
            self.live.recognizer_audio_s += result.audio_s
            self.live.recognizer_cpu_s += result.cpu_s
            self.live.partial = ""
            text = normalize_text(result.text)
            if not text:
                log.info("call %s: noise or unintelligible speech (%.1f s), no turn", self.call_sid, result.audio_s)
                return
            self.recording.say("caller", text, start_s=self.speech_started_frame * FRAME_MS / 1000)
            message = text
        elif turn.kind == "dtmf":
            message = turn.text
        else:
            message = "/caller_silent"
        if timer and not timer.recognized_at:
            timer.endpointed_at = timer.recognized_at = timer.last_speech_at
        reply = await self.bot.send(self.call_sid, message, self._metadata(turn.kind))
        if timer:
            timer.answered_at = time.perf_counter()
        await self._speak(reply, timer)

    async def _speak(self, reply: BotReply, timer: TurnTimer | None) -> None:
        """Synthesizes the reply sentence by sentence, queueing each as soon as it is ready, then a mark."""
        meta = reply.meta or {}
        self.phase = meta.get("phase") or self.phase
        self.asking = list(meta.get("asking") or [])
        texts = [piece for text in reply.texts for piece in speech_pieces(text)]
        texts += self._keypad_offer()
        self.recognizer.set_digits_mode(any(slot in DIGIT_SLOTS for slot in self.asking))
        self.keypad.clear()
        self.live.update_from_reply(meta, reply.text)
        if texts:
            self.recording.say("bot", "".join(texts))
        loop = asyncio.get_running_loop()
        for i, text in enumerate(texts):
            audio = await loop.run_in_executor(self.engines.synth_pool, self.engines.speech, text)
            if i == 0 and timer:
                timer.synthesized_at = time.perf_counter()
            self._queue_audio(audio, timer if i == 0 else None)
        self.reply_no += 1
        self.playback.items.append(("mark", f"reply-{self.reply_no}"))
        if self.phase == "closed":
            self.closing = True
        if timer:
            self.live.pending_timers.append(timer)
        asyncio.create_task(self.live.refresh_draft(self.bot, self.call_sid))

    def _keypad_offer(self) -> list[str]:
        """After a failed spoken attempt at an ID or phone number, offer the keypad (once per item)."""
        offers = []
        for slot in DIGIT_SLOTS:
            if slot in self.asking and slot in self.asked_before and slot not in self.keypad_offered:
                self.keypad_offered.add(slot)
                offers.append(self.engines.prompt("keypad_offer")[0])
        self.asked_before |= set(self.asking)
        return offers

    async def _say_prompt(self, key: str) -> None:
        text, audio = self.engines.prompt(key)
        self.recording.say("bot", text, kind="prompt")
        self._queue_audio(audio, None)
        self.reply_no += 1
        self.playback.items.append(("mark", f"prompt-{self.reply_no}"))

    def _queue_audio(self, audio: np.ndarray, timer: TurnTimer | None) -> None:
        for i, frame in enumerate(frames(audio, FRAME_SAMPLES)):
            self.playback.items.append(("audio", frame, timer if i == 0 else None))

    async def _play_one(self) -> np.ndarray | None:
        """Sends the next outgoing frame (and any marks before it); None when nothing is playing."""
        items = self.playback.items
        while items and items[0][0] == "mark":
            _, name = items.popleft()
            await self.send(mark_message(self.sid, name))
            if not self.playback.playing and self.closing and not self.busy_turns:
                asyncio.get_running_loop().call_later(self.config.hangup_after_close_ms / 1000,
                                                      self._hang_up, "completed")
        if not items:
            return None
        _, frame, timer = items.popleft()
        await self.send(media_message(self.sid, ulaw_encode(frame)))
        if timer is not None:
            timer.first_frame_at = time.perf_counter()
            self.live.add_turn_metrics(timer)
        return frame

    def _hang_up(self, reason: str) -> None:
        if not self.ended.is_set():
            self.end_reason = self.end_reason or reason
            self.ended.set()

    # -- the end ---------------------------------------------------------------------------------------

    async def finish(self, reason: str) -> None:
        """The call is over (hang-up, stop, error): keep every word said, then the ticket and recording."""
        self.end_reason = self.end_reason or reason
        try:
            if self.in_speech:  # hung up mid-sentence: what was said still counts
                self.in_speech = False
                timer = TurnTimer(last_speech_at=time.perf_counter())
                finish = asyncio.get_running_loop().run_in_executor(self.asr_thread, self.recognizer.finish)
                self.busy_turns += 1
                await self.turns.put(Turn("speech", timer=timer, finish=finish))
            await self._drain_turns()
            if self.phase != "closed":
                reply = await self.bot.send(self.call_sid, "/call_dropped", self._metadata("hangup"))
                self.live.update_from_reply(reply.meta or {}, "")
                log.info("call %s dropped before the report was done: partial ticket %s", self.call_sid,
                         (reply.meta or {}).get("ticket_number"))
        except Exception:
            log.exception("call %s: could not close the dialogue", self.call_sid)
        finally:
            if self.worker:
                self.worker.cancel()
            self.recording.close()
            self.asr_thread.shutdown(wait=False, cancel_futures=True)
            # The recognizer goes back to the pool only once its thread has stopped using it.
            await asyncio.get_running_loop().run_in_executor(None, self.asr_thread.shutdown)
            self.engines.release_recognizer(self.recognizer)
            self.live.end(self.end_reason, self.recording)

    async def _drain_turns(self, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.busy_turns and time.monotonic() < deadline and self.worker and not self.worker.done():
            await asyncio.sleep(0.02)
