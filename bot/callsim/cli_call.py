"""The `claimbot call` command: builds the call plans from its arguments and runs them."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import yaml

from bot.callsim.call_runner import CallPlan, print_summary, run_calls
from bot.settings import load_settings
from telephony.config import load_phone_config
from telephony.line_impairments import LineProfile, parse_profile
from telephony.tts import Synthesizer


def _plans(args: argparse.Namespace) -> list[CallPlan]:
    if args.wav:
        missing = [w for w in args.wav if not Path(w).is_file()]
        if missing:
            raise ValueError(f"找不到 WAV 文件：{'、'.join(missing)}")
        return [CallPlan(wavs=[Path(w) for w in args.wav]) for _ in range(args.calls)]
    if args.mic:
        return [CallPlan(microphone=True)]
    path = Path(args.scenario or "data/scenarios/dev.yml")
    scenarios = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if args.scenario_id:
        scenarios = [s for s in scenarios if s.get("id") == args.scenario_id]
        if not scenarios:
            raise ValueError(f"{path} 里没有场景 {args.scenario_id}")
    return [CallPlan(scenario=scenarios[i % len(scenarios)]) for i in range(args.calls)]


def run_call_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    ws_url = args.url or f"ws://{settings.host}:{settings.web_port}/media-stream"
    http_base = ws_url.replace("wss://", "https://").replace("ws://", "http://").rsplit("/media-stream", 1)[0]
    try:
        plans = _plans(args)
        profile = parse_profile(args.line) if args.line else LineProfile(band_limit=False, ulaw=False)
    except (ValueError, OSError) as exc:
        print(f"参数有误：{exc}", file=sys.stderr)
        return 2
    config = load_phone_config()
    synth = Synthesizer(config.tts_engine, config.tts_voice, config.tts_rate, config.tts_cache_dir)
    results = asyncio.run(run_calls(ws_url, http_base, plans, profile=profile, speed=args.speed, synth=synth))
    return print_summary(results)
