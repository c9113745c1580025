"""Measures echo control end to end: does the bot interrupt itself, and does a real barge-in get through?

Bot turns (Mandarin from espeak-ng, 2-5 s each, cut from a long synthesized passage) are played through a
simulated speakerphone line (`PhoneLine`: echo at a set delay and level, band limit, noise, μ-law) into
`EchoControl` and the `Endpointer`, exactly as a call session wires them. With no caller speech, every "start"
is a false barge-in. In a second pass a caller sentence (another voice, same active level as the bot unless
`caller_db` says otherwise) begins during each turn, and the time from its onset to "start" is the detection
delay. Turns are grouped into calls so that each call starts with an unlearned echo path, as a real call does.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from telephony.audio_codec import (
    FRAME_MS,
    FRAME_SAMPLES,
    LINE_RATE,
    frames,
    read_wav,
    resample,
    to_int16,
    ulaw_decode,
    ulaw_encode,
)
from telephony.echo_control import EchoControl
from telephony.endpointer import Endpointer, band_level_db
from telephony.line_impairments import LineProfile, PhoneLine

BOT_TEXT = (
    "您好，这里是理赔报案服务，请问您是要报案吗。请告诉我出险人的姓名。请说一下出险人的身份证号码。"
    "请问事故是哪一天发生的。请问是在哪家医院就诊的。医生的诊断是什么。请问您和出险人是什么关系。"
    "请留一个方便联系的手机号码。我来复述一下您的报案信息，请您核对。如果信息无误请说对，需要修改请说要改哪一项。"
    "您的报案已经提交，报案号稍后会以短信发送给您。理赔需要准备病历、发票和费用清单。"
    "请问还有其他需要帮助的吗。抱歉，我没有听清楚，请您再说一遍。正在为您转接人工客服，请稍候。"
    "请问事故发生的原因是什么，是意外还是疾病。请问出险人现在是否还在住院治疗。"
)
CALLER_SENTENCES = (
    "我要报案", "我父亲前天在家里摔倒了", "现在在市第一人民医院住院", "他叫王建国", "身份证号我一会儿报给你",
    "医生说是股骨骨折，需要做手术", "我的手机号是一三八零零一三八零零零", "不对，日期说错了，是上个月二十号",
    "对，没有问题", "谢谢你", "我想问一下理赔大概需要多长时间", "等一下，我找一下病历", "喂，你能听到吗",
    "我是他女儿", "是交通事故，被电动车撞了", "转人工",
)


def espeak_speech(text: str, voice: str = "cmn", speed_wpm: int = 175, pitch: int = 50,
                  ssml: bool = False) -> np.ndarray:
    """Line audio (8 kHz int16) of a text spoken by espeak-ng; espeak-ng must be installed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        markup = ["-m"] if ssml else []
        subprocess.run(
            ["espeak-ng", *markup, "-v", voice, "-s", str(speed_wpm), "-p", str(pitch), "-w", str(path), text],
            check=True, capture_output=True, timeout=120,
        )
        pcm, rate = read_wav(path)
    return resample(pcm, rate, LINE_RATE)


@cache
def bot_passage() -> np.ndarray:
    return espeak_speech(BOT_TEXT)


@cache
def caller_passage() -> np.ndarray:
    """The caller's sentences with pauses between them, so each barge-in can begin where a sentence begins."""
    pause = '<break time="500ms"/>'
    text = "<speak>" + pause.join(f"{sentence}。" for sentence in CALLER_SENTENCES) + "</speak>"
    return espeak_speech(text, voice="cmn+f3", speed_wpm=190, pitch=65, ssml=True)


def active_level_db(pcm: np.ndarray) -> float:
    """Level of the speech frames only (band level of frames within 20 dB of the loudest), in dBFS."""
    levels = np.array([band_level_db(frame) for frame in frames(pcm)])
    active = levels[levels > levels.max() - 20.0]
    return float(10.0 * np.log10(np.mean(10.0 ** (active / 10.0))))


def cut_segments(passage: np.ndarray, count: int, min_s: float, max_s: float, rng: np.random.Generator,
                 level_db: float, after_pause_ms: int = 0) -> list[np.ndarray]:
    """`count` pieces of a passage at random places, each starting on a speech frame (one that follows at least
    `after_pause_ms` of pause, when given) and scaled to an active speech level of `level_db`."""
    levels = np.array([band_level_db(frame) for frame in frames(passage)])
    active = active_level_db(passage)
    pause = round(after_pause_ms / FRAME_MS)
    if pause:
        quiet = levels < active - 30.0
        quiet_before = np.convolve(quiet, np.ones(pause), mode="full")[: len(levels)]  # quiet frames in [i-pause+1, i]
        onsets = np.flatnonzero(~quiet[1:] & (quiet_before[:-1] >= pause)) + 1
    else:
        onsets = np.flatnonzero(levels > active - 15.0)
    out = []
    for _ in range(count):
        length = round(rng.uniform(min_s, max_s) * LINE_RATE)
        candidates = onsets[onsets * FRAME_SAMPLES + length <= len(passage)]
        start = int(rng.choice(candidates)) * FRAME_SAMPLES
        piece = passage[start:start + length].astype(np.float64)
        piece *= 10.0 ** ((level_db - active_level_db(to_int16(piece))) / 20.0)
        out.append(to_int16(piece))
    return out


@dataclass
class _Call:
    line: PhoneLine
    echo: EchoControl
    endpointer: Endpointer

    def tick(self, bot: np.ndarray | None, caller: np.ndarray | None) -> str | None:
        """One 20 ms of the call: the bot sends `bot`, the caller says `caller`; → the endpointer's event."""
        if bot is None:
            self.echo.note_idle()
            heard = None
        else:
            self.echo.played(bot)
            heard = ulaw_decode(ulaw_encode(bot))  # the caller's phone plays the μ-law the bot sent
        said = caller if caller is not None else np.zeros(FRAME_SAMPLES, dtype=np.int16)
        cleaned, threshold = self.echo.process(self.line.caller_frame(said, heard))
        return self.endpointer.feed(cleaned, threshold)


def _new_call(echo_db: float, delay_ms: float, snr_db: float | None, seed: int) -> _Call:
    profile = LineProfile(snr_db=snr_db, echo_delay_ms=delay_ms, echo_db=echo_db, seed=seed)
    return _Call(PhoneLine(profile), EchoControl(), Endpointer())


def _frame_list(pcm: np.ndarray) -> list[np.ndarray]:
    return list(frames(pcm))


def false_barge_ins(turns: int = 100, echo_db: float = -20.0, delay_ms: float = 100.0, seed: int = 0, *,
                    snr_db: float | None = 30.0, caller_db: float = 0.0, barge_in_turns: int | None = None,
                    turns_per_call: int = 10, gap_s: float = 1.0, bot_level_db: float = -20.0) -> dict:
    """Runs `turns` bot turns with no caller speech and `barge_in_turns` (default: as many) with a caller
    talking over the bot `caller_db` relative to the bot's level; returns counts and detection delays (ms)."""
    rng = np.random.default_rng(seed)
    bot_turns = cut_segments(bot_passage(), turns, 2.0, 5.0, rng, bot_level_db)
    gap = round(gap_s * 1000 / FRAME_MS)

    false_turns = false_starts = 0
    call = None
    for index, turn in enumerate(bot_turns):
        if index % turns_per_call == 0:
            call = _new_call(echo_db, delay_ms, snr_db, seed * 1000 + index)
            for _ in range(gap):
                call.tick(None, None)
        starts = sum(call.tick(frame, None) == "start" for frame in _frame_list(turn))
        starts += sum(call.tick(None, None) == "start" for _ in range(gap))
        false_starts += starts
        false_turns += starts > 0

    count = turns if barge_in_turns is None else barge_in_turns
    delays: list[float] = []
    missed = early = 0
    bot_for_barge = cut_segments(bot_passage(), count, 3.0, 5.0, rng, bot_level_db)
    callers = cut_segments(caller_passage(), count, 1.5, 2.5, rng, bot_level_db + caller_db, after_pause_ms=300)
    for index in range(count):
        if index % turns_per_call == 0:
            call = _new_call(echo_db, delay_ms, snr_db, seed * 1000 + 500 + index)
            # the call has been going: one uninterrupted turn first, so the echo path is learned as in a real call
            for frame in _frame_list(bot_for_barge[(index + 1) % count]):
                call.tick(frame, None)
            for _ in range(gap):
                call.tick(None, None)
        bot_frames = _frame_list(bot_for_barge[index])
        onset = int(rng.integers(10, max(11, len(bot_frames) - 50)))  # caller starts 0.2 s .. 1 s before the end
        caller_frames = _frame_list(callers[index])
        detected = None
        for tick in range(len(bot_frames) + gap):
            stopped = detected is not None
            bot = bot_frames[tick] if tick < len(bot_frames) and not stopped else None
            k = tick - onset
            caller = caller_frames[k] if 0 <= k < len(caller_frames) else None
            event = call.tick(bot, caller)
            if event == "start" and detected is None:
                if k < 0:
                    early += 1
                detected = (k + 1) * FRAME_MS
                call.echo.clear()
        for _ in range(round(30_000 / FRAME_MS)):  # let the caller's utterance end before the next turn
            if not call.endpointer.in_speech:
                break
            call.tick(None, None)
        if detected is None:
            missed += 1
        elif detected > 0:
            delays.append(float(detected))
    baseline = _baseline_delays(callers, snr_db, seed)
    arr = np.array(delays) if delays else np.array([np.nan])
    return {
        "turns": turns,
        "echo_db": echo_db,
        "delay_ms": delay_ms,
        "snr_db": snr_db,
        "false_start_turns": false_turns,
        "false_starts": false_starts,
        "barge_in_turns": count,
        "caller_db": caller_db,
        "barge_in_detected": len(delays),
        "barge_in_missed": missed,
        "barge_in_early_start": early,
        "detection_delay_ms": delays,
        "detection_p50_ms": float(np.percentile(arr, 50)),
        "detection_p95_ms": float(np.percentile(arr, 95)),
        "baseline_p50_ms": float(np.percentile(baseline, 50)) if baseline else float("nan"),
        "baseline_p95_ms": float(np.percentile(baseline, 95)) if baseline else float("nan"),
    }


def _baseline_delays(callers: list[np.ndarray], snr_db: float | None, seed: int) -> list[float]:
    """The same caller sentences with the bot silent: the endpointer's own delay, to compare against."""
    delays = []
    for index, caller in enumerate(callers):
        call = _new_call(-120.0, 0.0, snr_db, seed * 1000 + 900 + index)
        for _ in range(25):
            call.tick(None, None)
        for k, frame in enumerate(_frame_list(caller)):
            if call.tick(None, frame) == "start":
                delays.append(float((k + 1) * FRAME_MS))
                break
    return delays
