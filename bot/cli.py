"""`claimbot`: the one command for training, serving, talking to and measuring the claim bot."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from bot.model_commands import add_models_parser

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

log = logging.getLogger("claimbot")


def _cmd_train(args: argparse.Namespace) -> int:
    from bot.training import train

    path = train(force=args.force)
    print(path)
    return 0


def _cmd_build_domain(args: argparse.Namespace) -> int:
    from bot.domain_gen import write_domain_slots

    print("domain/slots.yml", "updated" if write_domain_slots() else "unchanged")
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from bot.store.db import database_url
    from bot.store.seed import seed_demo_data

    url = database_url()
    added = seed_demo_data(url)
    print(f"demo data in {url}: {added} policies added")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from bot.stack import Stack
    from bot.store.db import database_url
    from bot.store.seed import seed_demo_data

    phone_problem = _phone_model_problem()
    if phone_problem and args.phone:
        print(f"电话通道无法启动：{phone_problem}", file=sys.stderr)
        return 2
    seed_demo_data(database_url())
    stack = Stack(with_web=not args.no_web)
    took = stack.start()
    s = stack.settings
    print(f"就绪（{took:.1f} 秒）：Rasa {s.rasa_url}  动作服务 {s.action_url}  网页 {s.web_url}", flush=True)
    print("用另一个终端运行 `claimbot chat` 开始报案；Ctrl+C 停止全部服务。", flush=True)
    if args.no_web:
        pass
    elif phone_problem:
        print(f"电话通道未启用：{phone_problem}", flush=True)
    else:
        print(f"电话通道：ws://{s.host}:{s.web_port}/media-stream ；网页拨打 {s.web_url}/call", flush=True)
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stopping:
            try:
                for name in stack.restart_exited():
                    print(f"{name} 意外退出，已重启", flush=True)
            except RuntimeError as exc:
                print(f"停止全部服务：{exc}", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
    finally:
        stack.stop()
    return 0


def _phone_model_problem() -> str | None:
    """Why the phone channel cannot start (no recognizer model configured), or None."""
    from telephony.model_location import configured_model_path, missing_model_parts

    path = configured_model_path()
    if not path:
        return ("没有配置语音识别模型：请设置 CLAIMBOT_VOSK_MODEL=<模型目录>，"
                "或运行 `claimbot models install <模型zip或目录>`")
    missing = missing_model_parts(path)
    if missing:
        return f"CLAIMBOT_VOSK_MODEL 指向的 {path} 不是完整的 Vosk 模型（缺少 {'、'.join(missing)}）"
    return None


def _cmd_call(args: argparse.Namespace) -> int:
    from bot.callsim.cli_call import run_call_command

    return run_call_command(args)


def _cmd_bench_calls(args: argparse.Namespace) -> int:
    from bot.bench.call_bench import run

    return run(args)


def _cmd_chat(args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    return asyncio.run(run_chat(args.url, args.now))


def _cmd_eval_claims(args: argparse.Namespace) -> int:
    from bot.eval.claims_eval import evaluate
    from bot.stack import running_stack

    with running_stack() as settings:
        report = evaluate(Path(args.file), settings.rasa_url, concurrency=args.concurrency)
    return _write_report(report, Path(args.json), ("failures", "per_slot"))


def _cmd_eval_terms(args: argparse.Namespace) -> int:
    from bot.eval.terms_eval import cross_validate, evaluate

    file = Path(args.file)
    report = (cross_validate(file, args.folds, args.only, args.spoken) if args.folds > 1
              else evaluate(file, spoken=args.spoken))
    return _write_report(report, Path(args.json), ("failures", "per_category"))


def _write_report(report: dict, out: Path, detail_keys: tuple[str, ...]) -> int:
    """The whole report to `out`; its totals, without the detail, on one line."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k not in detail_keys}, ensure_ascii=False))
    return 0


def _cmd_bench_nlu(args: argparse.Namespace) -> int:
    from bot.bench.nlu_bench import run

    return run(args.repeat)


def _cmd_bench_dialogue(args: argparse.Namespace) -> int:
    from bot.bench.dialogue_bench import run

    return run(args.concurrency, args.conversations, args.think)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="claimbot", description="智能报案机器人")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train the Rasa model (skipped when the cached model is current)")
    t.add_argument("--force", action="store_true")
    t.set_defaults(func=_cmd_train)

    sub.add_parser("build-domain", help="regenerate domain/slots.yml from data/slots/slots.yml").set_defaults(
        func=_cmd_build_domain)
    sub.add_parser("seed", help="load the demo policies into the database").set_defaults(func=_cmd_seed)

    s = sub.add_parser("serve", help="run Rasa server, action server and web app together")
    s.add_argument("--no-web", action="store_true")
    s.add_argument("--phone", action="store_true", help="require the phone channel (fail when no model is set)")
    s.set_defaults(func=_cmd_serve)

    c = sub.add_parser("chat", help="report a claim by typing, as a caller would")
    c.add_argument("--url", default=None, help="Rasa server URL (default from settings)")
    c.add_argument("--now", default=None, help="pretend the call happens at this time, e.g. '2026-03-14 10:30'")
    c.set_defaults(func=_cmd_chat)

    e = sub.add_parser("eval", help="evaluations")
    esub = e.add_subparsers(dest="what", required=True)
    ec = esub.add_parser("claims", help="simulated callers from a scenario file")
    ec.add_argument("file")
    ec.add_argument("--json", required=True, help="where to write the report")
    ec.add_argument("--concurrency", type=int, default=4)
    ec.set_defaults(func=_cmd_eval_claims)
    et = esub.add_parser("terms", help="diagnosis strings → ICD-10 category (terms contract)")
    et.add_argument("file", help="TSV with a header naming the columns text and category")
    et.add_argument("--json", required=True, help="where to write the report")
    et.add_argument("--folds", type=int, default=0,
                    help="cross-validate: train the classifier on all but one part of FILE, score that part")
    et.add_argument("--only", type=int, default=None, help="with --folds: score only the first N parts")
    et.add_argument("--spoken", action="store_true", help="score the strings as a caller says them, recognizer-style")
    et.set_defaults(func=_cmd_eval_terms)

    b = sub.add_parser("bench", help="benchmarks (print percentiles)")
    bsub = b.add_subparsers(dest="what", required=True)
    bn = bsub.add_parser("nlu", help="NLU parse latency per utterance, in process")
    bn.add_argument("--repeat", type=int, default=3)
    bn.set_defaults(func=_cmd_bench_nlu)
    bd = bsub.add_parser("dialogue", help="text-in to reply-out latency through the servers")
    bd.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    bd.add_argument("--conversations", type=int, default=40)
    bd.add_argument("--think", type=float, nargs="+", default=[0.0, 3.0],
                    help="seconds each simulated caller pauses between turns (0 = back-to-back requests; "
                         "a phone caller needs about 3 s to hear a prompt and answer)")
    bd.set_defaults(func=_cmd_bench_dialogue)
    bc = bsub.add_parser("calls", help="phone calls: response latency split, recognizer RTF, CPU and memory")
    bc.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    bc.add_argument("--turns", type=int, default=12, help="caller turns per concurrency level and call")
    bc.add_argument("--line", default="band,snr=25", help="line impairments, e.g. 'band,snr=15,echo=100ms@-20dB'")
    bc.add_argument("--echo-turns", type=int, default=100, help="bot turns for the false barge-in count (0: skip)")
    bc.add_argument("--caller-nice", type=int, default=10,
                    help="niceness of the simulated callers, so the load generator yields to the system (0: none)")
    bc.set_defaults(func=_cmd_bench_calls)
    add_models_parser(sub)

    k = sub.add_parser("call", help="dial the phone channel as a simulated caller")
    k.add_argument("--url", default=None, help="media-stream URL (default ws://<host>:<web port>/media-stream)")
    src = k.add_mutually_exclusive_group()
    src.add_argument("--scenario", help="claims-contract scenario file; the caller answers like the evaluation")
    src.add_argument("--wav", nargs="+", help="WAV files, one per caller turn")
    src.add_argument("--mic", action="store_true", help="speak through this machine's microphone")
    k.add_argument("--id", dest="scenario_id", help="which scenario of the file (default: the first)")
    k.add_argument("--line", default="", help="impairments: band,snr=15,loss=2,jitter=20,echo=100ms@-20dB")
    k.add_argument("--speed", type=float, default=1.0, help="1 = real time; 10 = ten times faster")
    k.add_argument("--calls", type=int, default=1, help="calls at once (load)")
    k.set_defaults(func=_cmd_call)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.privacy import install_pii_filter

    install_pii_filter()
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        log.debug("failed", exc_info=True)
        print(f"claimbot 出错：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
