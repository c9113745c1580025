"""Whole calls over the media-stream endpoint, through the real Rasa and action servers.

The caller's words reach the dialogue through the ScriptedRecognizer, a FAKE at the recognizer
interface (no Chinese model exists here); the caller's audio still travels the whole line: μ-law,
endpointing, echo control and DTMF detection are the real ones, and the bot's replies are synthesized.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import wave
from collections import deque
from pathlib import Path

import aiohttp
import numpy as np
import pytest
import yaml

from bot.callsim.call_runner import reply_from_view
from bot.callsim.phone_caller import PhoneCaller
from bot.claims.ticket_draft import STATUS_HANDOFF, STATUS_INTERRUPTED, STATUS_PENDING_REVIEW
from bot.eval.simulated_caller import SimulatedCaller
from bot.privacy import mask_id
from bot.store.recording_store import RecordingStore
from bot.store.ticket_store import TicketStore
from telephony.config import load_phone_config
from telephony.line_impairments import LineProfile
from telephony.model_location import configured_model_path
from telephony.tts import Synthesizer
from tests.integration.phone_harness import ScriptedLines, get_json, phone_server, shared_synthesizer

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# Read before the stack fixture points CLAIMBOT_VOSK_MODEL at the Korean model for the web app.
CHINESE_MODEL = os.environ.get("CLAIMBOT_TEST_ZH_MODEL") or configured_model_path()
SPEED = 8.0
# Echo runs in real time: an accelerated simulator's playout jitters by a few frames, which a real line's
# echo path does not do.
ECHO_SPEED = 1.0  # the line runs 8× real time: the server's clock is the line, so nothing else changes


@pytest.fixture(scope="module")
def scenario() -> dict:
    return yaml.safe_load((REPO / "data/scenarios/dev.yml").read_text(encoding="utf-8"))[0]


@pytest.fixture(scope="module")
def synth_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tts-cache")


async def _report_by_phone(base: str, script, scenario: dict, synth_cache: Path, *, profile=None,
                           keypad: dict[str, str] | None = None, max_turns: int = 12,
                           speed: float = SPEED) -> PhoneCaller:
    """One caller who answers like the evaluation's simulated caller, speaking each answer on the line."""
    synth = shared_synthesizer(synth_cache)
    caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, now=scenario["now"], speed=speed,
                         profile=profile)
    simulated = SimulatedCaller(scenario)
    async with aiohttp.ClientSession() as http:
        await caller.dial(http)
        assert await caller.speak_and_wait(None), "no greeting"
        text = scenario["opening"]
        for _ in range(max_turns):
            view = await caller.fetch_view(http)
            if view.get("phase") == "closed" or caller.closed.is_set():
                break
            asking = view.get("asking") or []
            slot = next((s for s in asking if keypad and s in keypad), None)
            if slot:
                for key in keypad.pop(slot):
                    await caller.send_dtmf(key)
                    await caller.run_for(100)
                ok = await caller.speak_and_wait(None)
            else:
                script.append(text)
                ok = await caller.speak_and_wait(synth.synthesize(text))
            if not ok:
                break
            view = await caller.fetch_view(http)
            text = simulated.reply_to(reply_from_view(view, scenario))
        for _ in range(10):  # a finished report: the bot says goodbye and releases the line
            await caller.run_for(1000)
        await caller.end(http)
    return caller


def test_a_claim_reported_by_phone_becomes_a_ticket_with_its_recording(stack, tmp_path, synth_cache, scenario):
    lines = ScriptedLines()

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _channel):
            script = lines.new_call()
            return await _report_by_phone(base, script, scenario, synth_cache)

    caller = asyncio.run(run())
    view = caller.result.view
    assert view["state"] == "ended" and view["end_reason"] == "completed", json.dumps(view, ensure_ascii=False)
    number = view["ticket_number"]
    ticket = TicketStore().get(number)
    assert ticket is not None and ticket.status == STATUS_PENDING_REVIEW
    assert ticket.values["insured_id"] == scenario["expect"]["insured_id"]
    assert caller.result.bot_frames > 100 and caller.result.marks, "the bot's speech and marks came back"
    assert caller.result.clears == 0, "no barge-in without caller speech over the bot"
    # Digits grammar was on exactly while the ID or phone was asked.
    heard = lines.recognizers[0].heard
    assert any(on for _, on in heard) and not all(on for _, on in heard)
    recordings = RecordingStore().for_ticket(number)
    assert len(recordings) == 1
    rec = recordings[0]
    with wave.open(rec.wav_path) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 8000)
        assert abs(w.getnframes() / 8000 - rec.duration_s) < 0.05
    ticket_view = asyncio.run(get_json(f"{stack.web_url}/api/tickets/{number}"))
    assert ticket_view["recordings"][0]["call_sid"] == caller.call_sid
    roles = [t["role"] for t in rec.transcript if t["kind"] == "final"]
    assert roles[0] == "bot" and "caller" in roles
    assert all(a["t"] <= b["t"] for a, b in zip(rec.transcript, rec.transcript[1:]))


def test_a_caller_who_hangs_up_mid_report_leaves_a_partial_ticket_and_a_callback(stack, tmp_path, synth_cache,
                                                                                  scenario):
    lines = ScriptedLines()

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _):
            script = lines.new_call()
            synth = shared_synthesizer(synth_cache)
            caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, now=scenario["now"],
                                 speed=SPEED, caller="13912345678")
            async with aiohttp.ClientSession() as http:
                await caller.dial(http)
                await caller.speak_and_wait(None)
                script.append("我爸爸张建国脑梗住院了")
                await caller.speak_and_wait(synth.synthesize("我爸爸张建国脑梗住院了"))
                script.append("他的身份证号是")
                caller.say(synth.synthesize("他的身份证号是"))
                await caller.run_for(600)  # mid-sentence
                await caller.end(http, settle_s=1.0)
            return caller

    caller = asyncio.run(run())
    view = caller.result.view
    assert view["end_reason"] == "caller_hangup"
    ticket = TicketStore().get(view["ticket_number"])
    assert ticket.status == STATUS_INTERRUPTED
    assert ticket.values["insured_name"] == "张建国"
    assert TicketStore().callbacks_for(ticket.number)[0].phone == "13912345678"
    assert any(t["text"] == "他的身份证号是" for t in ticket.transcript), "the words said while hanging up count"


def test_keypad_entry_fills_the_id_with_star_restarting(stack, tmp_path, synth_cache, scenario):
    lines = ScriptedLines()
    id_number = scenario["expect"]["insured_id"]

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _):
            script = lines.new_call()
            return await _report_by_phone(base, script, scenario, synth_cache,
                                          keypad={"insured_id": "12*" + id_number + "#"})

    caller = asyncio.run(run())
    ticket = TicketStore().get(caller.result.view["ticket_number"])
    assert ticket.values["insured_id"] == id_number
    assert any(t["kind"] == "dtmf" and t["text"] == id_number for t in caller.result.view["transcript"])


def test_silence_is_reprompted_then_handed_off(stack, tmp_path, synth_cache):
    lines = ScriptedLines()

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _):
            lines.new_call()
            caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, speed=20.0,
                                 profile=LineProfile(band_limit=True, snr_db=15.0, seed=5))  # line noise, no words
            async with aiohttp.ClientSession() as http:
                await caller.dial(http)
                for _ in range(200):  # up to 200 s of line time, silent
                    await caller.run_for(1000)
                    if caller.closed.is_set():
                        break
                await asyncio.sleep(0.5)
                await caller.fetch_view(http)
            return caller

    caller = asyncio.run(run())
    view = caller.result.view
    bot_lines = [t["text"] for t in view["transcript"] if t["role"] == "bot"]
    assert sum(t.startswith("没听到您说话") for t in bot_lines) == 2, bot_lines
    assert "信息已保存" in bot_lines[-1]
    assert view["end_reason"] == "completed"
    assert TicketStore().get(view["ticket_number"]).status == STATUS_HANDOFF


def test_speakerphone_echo_does_not_interrupt_the_bot(stack, tmp_path, synth_cache, scenario):
    lines = ScriptedLines()
    profile = LineProfile(band_limit=True, snr_db=30.0, echo_delay_ms=100.0, echo_db=-20.0, seed=3)

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _):
            script = lines.new_call()
            return await _report_by_phone(base, script, scenario, synth_cache, profile=profile, speed=ECHO_SPEED)

    caller = asyncio.run(run())
    assert caller.result.view["ticket_number"]
    assert caller.result.clears == 0 and caller.result.view["barge_ins"] == 0


def test_caller_speech_over_the_bot_stops_playback_and_is_the_next_turn(stack, tmp_path, synth_cache):
    lines = ScriptedLines()

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _):
            script = lines.new_call()
            synth = shared_synthesizer(synth_cache)
            caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, speed=SPEED)
            async with aiohttp.ClientSession() as http:
                await caller.dial(http)
                while caller.result.bot_frames < 30:  # the greeting is playing
                    await caller.tick()
                script.append("我要报案，我妈妈骨折了")
                await caller.speak_and_wait(synth.synthesize("我要报案，我妈妈骨折了"))
                await caller.end(http)
            return caller

    caller = asyncio.run(run())
    view = caller.result.view
    assert caller.result.clears >= 1 and view["barge_ins"] >= 1
    assert any(t["role"] == "caller" and "骨折" in t["text"] for t in view["transcript"])


def test_a_pause_shorter_than_the_end_silence_keeps_one_turn_with_every_word(stack, tmp_path, synth_cache):
    """The recognizer settles in each pause (so the end of the turn finds the words ready); when the caller
    goes on, the pause's held audio is fed after all, and the turn is still one utterance."""
    config = load_phone_config()
    lines = ScriptedLines()
    synth = shared_synthesizer(synth_cache)
    def trimmed(text: str) -> np.ndarray:  # espeak's own lead-in and trailing silence would lengthen the pause
        pcm = synth.synthesize(text)
        loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
        return pcm[loud[0]:loud[-1] + 1]

    first, second = trimmed("我要报案"), trimmed("我妈妈骨折了")
    pause = np.zeros(8 * (config.end_silence_ms - 60), dtype=np.int16)  # settles, then the caller goes on

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _):
            script = lines.new_call()
            caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, speed=SPEED)
            async with aiohttp.ClientSession() as http:
                await caller.dial(http)
                assert await caller.speak_and_wait(None)
                script.append("我要报案，我妈妈骨折了")
                assert await caller.speak_and_wait(np.concatenate([first, pause, second]))
                await caller.end(http)
            return caller

    caller = asyncio.run(run())
    rec = lines.recognizers[0]
    assert [text for text, _ in rec.heard] == ["我要报案，我妈妈骨折了"]
    assert rec.settles >= 2, "settled in the pause that went on and in the one that ended the turn"
    spoken_s = (len(first) + len(pause) + len(second)) / 8000
    # Fed: all of the speech and the inner pause (whose held part would be 140 ms short), some 200 ms from
    # before the onset, and the final pause only up to the settle point; the rest of it is dropped.
    extra_s = rec.fed_s[0] - spoken_s
    assert config.settle_ms / 1000 + 0.13 < extra_s < config.settle_ms / 1000 + 0.32, (rec.fed_s, spoken_s)
    speech_turns = [t for t in caller.result.view["metrics"]["turns"] if t["kind"] == "speech"]
    assert len(speech_turns) == 1


def test_bad_input_is_logged_and_the_call_goes_on(stack, tmp_path, synth_cache, caplog):
    lines = ScriptedLines()

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache, max_calls=2) as (base, ch):
            ws_url = base.replace("http", "ws") + "/media-stream"
            lines.new_call()
            good = PhoneCaller(ws_url, base, speed=SPEED)
            async with aiohttp.ClientSession() as http:
                await good.dial(http)
                await good.run_for(400)
                assert good.ws is not None
                for junk in ["{not json", json.dumps({"event": "dance"}), json.dumps([1, 2]),
                             json.dumps({"event": "media", "media": {"payload": "@@@"}}),
                             json.dumps({"event": "media", "media": {"payload": ""}}),
                             json.dumps({"event": "dtmf", "dtmf": {"digit": "Z"}})]:
                    await good.ws.send_str(junk)
                await good.ws.send_bytes(b"\x00\x01")
                good.sequence -= 5  # frames out of order: dropped
                await good.run_for(200)
                good.sequence += 10
                assert await good.speak_and_wait(None), "the call goes on after bad input"
                # A stream that never sends start is closed; it does not count against capacity.
                async with http.ws_connect(ws_url) as nostart:
                    payload = json.dumps({"event": "media", "media": {"payload": "f" * 216}})
                    for _ in range(260):
                        await nostart.send_str(payload)
                    msg = await nostart.receive(timeout=10)
                    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
                # Over capacity (2): the third caller hears the busy message, then the line closes.
                lines.new_call()
                second = PhoneCaller(ws_url, base, speed=SPEED)
                await second.dial(http)
                third = PhoneCaller(ws_url, base, speed=SPEED)
                await third.dial(http)
                await asyncio.wait_for(third.closed.wait(), 30)
                assert third.result.bot_frames > 50 and third.result.marks == [] or third.heard
                await second.hang_up()
                await good.hang_up()
                await asyncio.sleep(0.5)
                await good.fetch_view(http)
                return good, third, ch

    good, _third, channel = asyncio.run(run())
    assert channel.registry.refused == 1
    assert good.result.view["end_reason"] == "caller_hangup"
    text = caplog.text
    for expected in ("不是 JSON", "未知的事件类型", "base64", "乱序", "二进制", "no start", "refused"):
        assert expected in text, expected


def test_the_real_vosk_recognizer_on_the_line_streams_partials_and_ends_at_endpoints(phone_stack):
    """The stack's own web app recognizes with the real Korean Vosk model (no Chinese model here): Korean
    speech from espeak-ng through the μ-law line. It recognizes espeak's Korean poorly, so this asserts what
    holds: partials stream while the caller speaks, a final result arrives at each endpoint as one turn, the
    audio length and recognizer time add up, and the dialogue answers."""
    synth = Synthesizer(voice="ko")
    sentence = synth.synthesize("안녕하세요 보험 청구를 하고 싶습니다 아버지가 병원에 입원했어요")

    async def run():
        caller = PhoneCaller(phone_stack.replace("http", "ws") + "/media-stream", phone_stack, speed=1.0,
                             profile=LineProfile(band_limit=True, snr_db=30.0, seed=1))
        partials = set()
        async with aiohttp.ClientSession() as http:
            await caller.dial(http)
            assert await caller.speak_and_wait(None)
            caller.say(sentence)
            while caller.outgoing:
                await caller.run_for(200)
                partials.add((await caller.fetch_view(http)).get("partial") or "")
            assert await caller.speak_and_wait(None, timeout_s=30)
            await caller.end(http)
        return caller, partials

    caller, partials = asyncio.run(run())
    view = caller.result.view
    assert len(partials - {""}) >= 2, f"partials should stream: {partials}"
    speech = [t for t in view["metrics"]["turns"] if t["kind"] == "speech"]
    assert len(speech) == 1, view["metrics"]
    turn = speech[0]
    spoken_s = len(sentence) / 8000
    assert spoken_s - 0.3 < turn["audio_s"] < spoken_s + 1.0, (turn, spoken_s)
    assert 0 < turn["recognizer_cpu_s"] < turn["audio_s"]
    assert turn["endpointing_ms"] > 0 and turn["response_ms"] >= turn["endpointing_ms"]
    bot_turns = [t for t in view["transcript"] if t["role"] == "bot"]
    assert len(bot_turns) >= 2, "the dialogue answered the recognized turn"


@pytest.mark.skipif(not CHINESE_MODEL, reason="no Chinese Vosk model configured (CLAIMBOT_VOSK_MODEL or "
                    "`claimbot models install`): Chinese speech end to end cannot run on this machine")
def test_a_chinese_report_end_to_end_with_the_real_chinese_model(stack, tmp_path, synth_cache, scenario):
    from telephony.engines import vosk_engines

    engines = vosk_engines(load_phone_config(), model_path=CHINESE_MODEL)

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, engines.recognizer_factory, synth_cache) as (base, _):
            return await _report_by_phone(base, deque(), scenario, synth_cache)

    caller = asyncio.run(run())
    ticket = TicketStore().get(caller.result.view["ticket_number"])
    assert ticket is not None and ticket.values["insured_name"] == scenario["expect"]["insured_name"]


def test_keypad_is_offered_after_a_failed_spoken_attempt_and_in_band_tones_work(stack, tmp_path, synth_cache,
                                                                                scenario):
    lines = ScriptedLines()
    id_number = scenario["expect"]["insured_id"]

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, _):
            script = lines.new_call()
            synth = shared_synthesizer(synth_cache)
            simulated = SimulatedCaller(scenario)
            caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, now=scenario["now"], speed=SPEED)
            async with aiohttp.ClientSession() as http:
                await caller.dial(http)
                await caller.speak_and_wait(None)
                text = scenario["opening"]
                for _ in range(8):
                    script.append(text)
                    await caller.speak_and_wait(synth.synthesize(text))
                    view = await caller.fetch_view(http)
                    offered = any("按键" in t["text"] for t in view["transcript"] if t["role"] == "bot")
                    if "insured_id" in view["asking"] and offered:
                        break
                    text = "号码是一一零一零一" if "insured_id" in view["asking"] else simulated.answer(view["asking"])
                caller.key(id_number + "#", in_band=True)
                await caller.speak_and_wait(None)
                await caller.end(http)
            return caller

    caller = asyncio.run(run())
    view = caller.result.view
    bot_lines = [t["text"] for t in view["transcript"] if t["role"] == "bot"]
    assert sum("按键" in t for t in bot_lines) == 1, bot_lines
    keyed = [t["text"] for t in view["transcript"] if t["kind"] == "dtmf"]
    assert keyed == [id_number], view["transcript"]
    assert view["draft"]["insured_id"] == mask_id(id_number)


def test_a_thirty_minute_call_keeps_both_sides_of_the_recording_in_step(stack, tmp_path, synth_cache):
    """30 minutes of line, accelerated; near the end the caller speaks and the bot answers. The recording
    must be exactly 30 minutes on both channels, and the bot's answer must sit in it where the caller's phone
    played it (no drift after half an hour)."""
    lines = ScriptedLines()
    minutes = 30

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache,
                                no_input_s=float(minutes * 60 + 60)) as (base, _):
            script = lines.new_call()
            synth = shared_synthesizer(synth_cache)
            caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, speed=1000.0)
            async with aiohttp.ClientSession() as http:
                await caller.dial(http)
                await caller.speak_and_wait(None)
                while caller.result.frames_sent < (minutes * 60 - 30) * 50:
                    await caller.run_for(1000)
                script.append("我要报案")
                heard_before = len(caller.bot_audio)
                await caller.speak_and_wait(synth.synthesize("我要报案"))
                first = next(i for i, f in enumerate(caller.bot_audio[heard_before:], heard_before) if f.any())
                played_at = caller.heard_at[first]
                await caller.run_for((minutes * 60 * 50 - caller.result.frames_sent) * 20)
                await caller.hang_up()
                await asyncio.sleep(1.0)
            return caller, played_at

    caller, played_at = asyncio.run(run())
    rec = RecordingStore().get(caller.call_sid)
    with wave.open(rec.wav_path) as w:
        total = w.getnframes()
        w.setpos((played_at - 50) * 160)
        window = np.frombuffer(w.readframes(160 * 60), dtype="<i2").reshape(-1, 2)
    assert abs(total - minutes * 60 * 8000) <= 160, total
    bot = np.abs(window[:, 1].astype(int)).reshape(60, 160).max(axis=1)
    recorded_at = played_at - 50 + int(np.argmax(bot > 0))
    assert bot.any(), "the reply is in the recording near where the phone played it"
    assert 0 <= played_at - recorded_at <= 10, (played_at, recorded_at)


def test_a_stream_in_another_encoding_is_refused_cleanly(stack, tmp_path, synth_cache, caplog):
    lines = ScriptedLines()

    async def run():
        async with phone_server(stack.rasa_url, tmp_path, lines.factory, synth_cache) as (base, channel):
            async with aiohttp.ClientSession() as http, http.ws_connect(base.replace("http", "ws")
                                                                        + "/media-stream") as ws:
                await ws.send_str(json.dumps({"event": "start", "start": {
                    "streamSid": "MZ1", "callSid": "CA-l16", "customParameters": {},
                    "mediaFormat": {"encoding": "audio/l16", "sampleRate": 16000, "channels": 1}}}))
                msg = await ws.receive(timeout=10)
            return msg, channel

    msg, channel = asyncio.run(run())
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert channel.registry.get("CA-l16") is None
    assert "only audio/x-mulaw" in caplog.text


def test_status_says_the_channel_is_ready_and_when_it_is_warm(phone_stack):
    deadline = time.monotonic() + 120
    status = asyncio.run(get_json(f"{phone_stack}/api/phone/status"))
    while not status["warm"] and time.monotonic() < deadline:
        time.sleep(0.5)
        status = asyncio.run(get_json(f"{phone_stack}/api/phone/status"))
    assert status["ready"] and status["warm"] and status["reason"] == ""
    assert status["capacity"] == load_phone_config().max_calls
