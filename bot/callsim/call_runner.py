"""`claimbot call`: dials the phone channel as a caller would and reports what happened.

A call's turns come from a scenario (the claims contract format; each answer chosen like the evaluation's
simulated caller from the bot's last question, then spoken by espeak-ng), from WAV files played one per
turn, or from the microphone. Line impairments come from a profile string (see telephony.line_impairments).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from bot.callsim.phone_caller import CallResult, PhoneCaller
from bot.client import BotReply
from bot.eval.simulated_caller import SimulatedCaller
from bot.privacy import mask_id, mask_phone
from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, pcm_from_bytes, read_wav, resample
from telephony.line_impairments import LineProfile
from telephony.tts import Synthesizer

MAX_TURNS = 14


@dataclass
class CallPlan:
    """What one simulated call says: a scenario, WAV files, or the microphone."""
    scenario: dict[str, Any] | None = None
    wavs: list[Path] | None = None
    microphone: bool = False


def reply_from_view(view: dict[str, Any], scenario: dict[str, Any]) -> BotReply:
    """The bot's last reply as the simulated caller needs it, from the call's live view. The view masks the
    ID and phone: where the masked form matches what the caller said, the caller takes it as right."""
    draft = dict(view.get("draft") or {})
    for slot, mask in (("insured_id", mask_id), ("contact_phone", mask_phone)):
        expected = (scenario.get("expect") or {}).get(slot)
        if expected and draft.get(slot) == mask(str(expected)):
            draft[slot] = expected
    meta = {"stage": view.get("stage"), "asking": view.get("asking") or []}
    if view.get("stage") == "confirm":
        meta["draft"] = draft
    return BotReply(texts=[], meta=meta)


def _wav_turn(path: Path) -> np.ndarray:
    pcm, rate = read_wav(path)
    return resample(pcm, rate, LINE_RATE)


class TranscriptPrinter:
    """Prints the call's new transcript lines as they appear in the server's live view."""

    def __init__(self, label: str, out: Callable[[str], None]) -> None:
        self.label = label
        self.seen = 0
        self.out = out

    def show(self, view: dict[str, Any]) -> None:
        lines = view.get("transcript") or []
        for entry in lines[self.seen:]:
            who = {"bot": "机器人", "caller": "来电人"}.get(entry.get("role"), entry.get("role"))
            kind = {"dtmf": "（按键）", "barge_in": "（插话）", "prompt": ""}.get(entry.get("kind"), "")
            if entry.get("kind") == "barge_in":
                self.out(f"{self.label}[{entry['t']:7.2f}s] {who}{kind}")
            else:
                self.out(f"{self.label}[{entry['t']:7.2f}s] {who}{kind}：{entry.get('text', '')}")
        self.seen = len(lines)


async def _microphone_turns(caller: PhoneCaller) -> None:
    """Streams the microphone (ALSA's arecord) into the call until the call ends."""
    if not shutil.which("arecord"):
        raise RuntimeError("没有找到麦克风录音工具 arecord（alsa-utils），无法用麦克风通话")
    proc = await asyncio.create_subprocess_exec("arecord", "-q", "-f", "S16_LE", "-r", str(LINE_RATE), "-c", "1",
                                                "-t", "raw", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        while not caller.closed.is_set():
            chunk = await proc.stdout.read(FRAME_SAMPLES * 2)
            if not chunk:
                err = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"麦克风不可用：{err.strip() or 'arecord 没有输出'}")
            caller.outgoing.append(pcm_from_bytes(chunk))
            await caller.tick()
    finally:
        if proc.returncode is None:
            proc.kill()


async def run_call(ws_url: str, http_base: str, plan: CallPlan, *, profile: LineProfile | None, speed: float,
                   caller_number: str, synth: Synthesizer, label: str = "",
                   out: Callable[[str], None] = print) -> CallResult:
    now = str(plan.scenario.get("now") or "") if plan.scenario else None
    caller = PhoneCaller(ws_url, http_base, caller=caller_number, now=now or None, profile=profile, speed=speed)
    printer = TranscriptPrinter(label, out)
    try:
        async with aiohttp.ClientSession() as http:
            await caller.dial(http)
            if plan.microphone:
                await _microphone_turns(caller)
            else:
                ok = await caller.speak_and_wait(None)
                turns = _turns(plan, synth)
                text_or_audio = next(turns, None) if ok else None
                for _ in range(MAX_TURNS):
                    printer.show(await caller.fetch_view(http))
                    if text_or_audio is None or caller.closed.is_set():
                        break
                    view = caller.result.view
                    if view.get("phase") == "closed":
                        break
                    if not await caller.speak_and_wait(text_or_audio):
                        break
                    text_or_audio = _next_turn(turns, reply_from_view(await caller.fetch_view(http),
                                                                     plan.scenario or {}))
                await caller.run_for(800)
            if not caller.closed.is_set():
                await caller.hang_up()
            else:
                caller.result.ended_by = "server"
            await asyncio.sleep(0.5)
            printer.show(await caller.fetch_view(http))
    except (aiohttp.ClientError, OSError, RuntimeError) as exc:
        caller.result.error = f"{type(exc).__name__}: {exc}"
        caller.result.ended_by = caller.result.ended_by or "error"
    return caller.result


def _next_turn(turns, reply: BotReply) -> np.ndarray | None:
    try:
        return turns.send(reply)
    except StopIteration:
        return None


def _turns(plan: CallPlan, synth: Synthesizer):
    """A generator of the caller's turns as audio: it is sent the bot's last reply and yields the answer."""
    if plan.wavs is not None:
        for path in plan.wavs:
            yield _wav_turn(path)
        return
    scenario = plan.scenario or {}
    simulated = SimulatedCaller(scenario)
    text = str(scenario.get("opening") or "我要报案")
    while True:
        reply = yield synth.synthesize(text)
        text = simulated.reply_to(reply)


async def run_calls(ws_url: str, http_base: str, plans: list[CallPlan], *, profile: LineProfile | None,
                    speed: float, synth: Synthesizer, out: Callable[[str], None] = print) -> list[CallResult]:
    """Several calls at once (load): each prints its lines with a label."""
    jobs = [run_call(ws_url, http_base, plan, profile=profile, speed=speed, caller_number=f"1380000{i:04d}",
                     synth=synth, label=f"[{i + 1}] " if len(plans) > 1 else "", out=out)
            for i, plan in enumerate(plans)]
    return await asyncio.gather(*jobs)


def call_failed(result: CallResult) -> str | None:
    """Why a call counts as failed (for the exit code), or None."""
    if result.error:
        return result.error
    if result.view.get("end_reason") == "busy" or (not result.view and result.bot_frames):
        return "线路繁忙，呼叫被拒绝"
    if not result.view:
        return "服务器没有这通电话的记录"
    if not result.ticket_number:
        return "通话结束但没有生成报案号"
    if result.view.get("end_reason") != "completed":
        return f"报案未完成（{result.view.get('end_reason')}），只留下部分工单 {result.ticket_number}"
    return None


def print_summary(results: list[CallResult], out: Callable[[str], None] = print) -> int:
    failures = 0
    for i, result in enumerate(results, 1):
        why = call_failed(result)
        status = result.view.get("end_reason") or result.ended_by
        number = result.ticket_number or "-"
        out(f"通话 {i}：报案号 {number}，结束原因 {status}" + (f"，失败：{why}" if why else ""))
        failures += why is not None
    return 1 if failures else 0


def eprint(text: str) -> None:
    print(text, file=sys.stderr)
