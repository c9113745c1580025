"""A crash of the web process mid-call loses nothing: at its restart the cut-off call's recording is made
whole, and the dialogue stores the partial ticket (通话中断) with a callback, as for a caller who hangs up."""

from __future__ import annotations

import asyncio
import time
import uuid
import wave
from pathlib import Path

import aiohttp
import numpy as np
import pytest
import yaml

from bot.callsim.phone_caller import PhoneCaller
from bot.claims.ticket_draft import STATUS_INTERRUPTED
from bot.client import BotClient
from bot.store.models import now_utc
from bot.store.recording_store import IN_PROGRESS, RecordingRecord, RecordingStore, expiry
from bot.store.ticket_store import TicketStore
from telephony.audio_codec import FRAME_SAMPLES
from telephony.call_recovery import END_REASON, recover_open_calls
from telephony.recording import CallRecording
from telephony.tts import Synthesizer

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def _wait_recovered(call_sid: str, timeout_s: float = 120.0) -> RecordingRecord:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        record = RecordingStore().get(call_sid)
        if record is not None and record.end_reason == END_REASON:
            return record
        time.sleep(0.5)
    raise AssertionError(f"call {call_sid} not recovered: {RecordingStore().get(call_sid)}")


def test_a_web_process_crash_mid_call_keeps_the_recording_and_leaves_a_partial_ticket(services):
    """SIGKILL of the real web process while a caller is on the line (Korean model, see the phone tests);
    the stack restarts it, and the restarted web app finishes the call the crash cut off."""
    base = services.settings.web_url
    speech = Synthesizer(voice="ko").synthesize("안녕하세요 보험 청구를 하고 싶습니다")

    async def call_then_crash() -> PhoneCaller:
        caller = PhoneCaller(base.replace("http", "ws") + "/media-stream", base, speed=1.0)
        async with aiohttp.ClientSession() as http:
            await caller.dial(http)
            assert await caller.speak_and_wait(None), "no greeting"
            assert await caller.speak_and_wait(speech, timeout_s=30)
            caller.say(speech)
            await caller.run_for(1000)  # mid-sentence
            services.procs["web"].kill()  # no clean-up of any kind runs
            services.procs["web"].wait()
        return caller

    try:
        caller = asyncio.run(call_then_crash())
        assert RecordingStore().get(caller.call_sid).end_reason == IN_PROGRESS
    finally:
        assert services.restart_exited() == ["web"]  # the later tests need the web app back either way

    record = _wait_recovered(caller.call_sid)
    with wave.open(record.wav_path) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 8000)
        seconds = w.getnframes() / 8000
    assert seconds == pytest.approx(record.duration_s) and seconds > len(speech) / 8000 + 1.0
    assert [t["role"] for t in record.transcript][:1] == ["bot"], record.transcript
    assert not Path(record.wav_path).with_suffix(".transcript.jsonl").exists()
    ticket = TicketStore().get_by_conversation(caller.call_sid)
    assert ticket is not None and ticket.status == STATUS_INTERRUPTED
    callbacks = TicketStore().callbacks_for(ticket.number)
    assert [c.phone for c in callbacks] == [caller.caller]


def test_a_call_the_dialogue_server_lost_as_well_is_told_again_from_the_journal(stack, tmp_path):
    """The dialogue keeps its trackers in memory: had it restarted too, the caller's journaled words are said
    to it again, so the partial ticket still holds what the caller said."""
    scenario = yaml.safe_load((REPO / "data/scenarios/dev.yml").read_text(encoding="utf-8"))[0]
    answers = scenario["answers"]
    call_sid = f"CA{uuid.uuid4().hex}"
    recording = CallRecording(tmp_path, call_sid)
    recording.note_call(now=scenario["now"], caller="13911112222")
    recording.say("bot", "您好，这里是理赔报案热线。")
    said = ["opening", "insured_name", "insured_id", "reporter_relation", "contact_phone", "diagnosis"]
    for n, text in enumerate([scenario["opening"], *(answers[slot] for slot in said[1:])]):
        for _ in range(50):
            recording.write(np.full(FRAME_SAMPLES, n, dtype=np.int16), None)
        recording.say("caller", text)
        recording.say("bot", "好的。")
    recording._wav._file.flush()  # the crash: the header is never patched, the journal stays
    started = now_utc()
    RecordingStore().save(RecordingRecord(
        call_sid=call_sid, conversation_id=call_sid, caller="13911112222", wav_path=str(recording.path),
        transcript=[], duration_s=0.0, end_reason=IN_PROGRESS, started_at=started, ended_at=started,
        expires_at=expiry(started, 180)))

    async def recover(rasa_url: str) -> int:
        async with aiohttp.ClientSession() as http:
            return await recover_open_calls(RecordingStore(), BotClient(rasa_url, http), 180, now_utc(), rounds=1)

    # While the dialogue server cannot be reached, the call stays open with its journal, for the next round.
    assert asyncio.run(recover("http://127.0.0.1:9")) == 0
    assert RecordingStore().get(call_sid).end_reason == IN_PROGRESS and recording.journal.exists()
    assert asyncio.run(recover(stack.rasa_url)) >= 1
    record = RecordingStore().get(call_sid)
    assert record.end_reason == END_REASON and record.duration_s == pytest.approx(len(said))
    assert [t["text"] for t in record.transcript if t["role"] == "caller"] == [scenario["opening"],
                                                                               *(answers[s] for s in said[1:])]
    ticket = TicketStore().get_by_conversation(call_sid)
    assert ticket is not None and ticket.status == STATUS_INTERRUPTED
    expect = scenario["expect"]
    for slot in said[1:-1]:
        assert ticket.values[slot] == expect[slot], (slot, ticket.values)
    assert ticket.icd10 == expect["diagnosis"]
    assert [c.phone for c in TicketStore().callbacks_for(ticket.number)] == [expect["contact_phone"]]
