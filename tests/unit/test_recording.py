"""Call recordings: the stereo WAV written tick by tick (caller left, bot right), its timed transcript, and
the database rows that find it by ticket and purge it, file included, after the retention period."""

from __future__ import annotations

import wave
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from bot.claims.ticket_draft import SHANGHAI, SlotValue, TicketDraft
from bot.store.models import UTC
from bot.store.models import CallRecording as RecordingRow
from bot.store.recording_store import IN_PROGRESS, RecordingRecord, RecordingStore, expiry
from bot.store.ticket_store import TicketStore
from telephony.audio_codec import FRAME_SAMPLES, LINE_RATE, pcm_from_bytes, write_wav
from telephony.recording import CallRecording, journal_path, read_journal, recover_wav

ENDED = datetime(2026, 3, 14, 10, 35, tzinfo=SHANGHAI)


def caller_frame(n: int) -> np.ndarray:
    return (np.arange(FRAME_SAMPLES, dtype=np.int16) + 1000 * n).astype(np.int16)


def bot_frame(n: int) -> np.ndarray:
    return np.full(FRAME_SAMPLES, -500 - n, dtype=np.int16)


def read_stereo(path: Path) -> tuple[tuple[int, int, int, int], np.ndarray]:
    with wave.open(str(path), "rb") as w:
        params = (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes())
        data = pcm_from_bytes(w.readframes(w.getnframes())).reshape(-1, 2)
    return params, data


# --- the WAV file and transcript ------------------------------------------------------------------------


def test_ticks_become_stereo_caller_left_bot_right(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path / "rec", "CA123")
    rec.write(caller_frame(0), bot_frame(0))
    rec.write(caller_frame(1), None)  # bot silent in this tick
    rec.write(caller_frame(2), bot_frame(2))
    rec.close()

    params, data = read_stereo(rec.path)
    assert params == (2, 2, LINE_RATE, 3 * FRAME_SAMPLES)
    np.testing.assert_array_equal(data[:, 0], np.concatenate([caller_frame(0), caller_frame(1), caller_frame(2)]))
    np.testing.assert_array_equal(data[:, 1], np.concatenate([bot_frame(0), np.zeros(FRAME_SAMPLES), bot_frame(2)]))


def test_frame_count_and_seconds_follow_the_line_clock(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path, "CA123")
    assert (rec.frames, rec.seconds) == (0, 0.0)
    for n in range(50):
        rec.write(caller_frame(n), None)
    assert rec.frames == 50
    assert rec.seconds == pytest.approx(1.0)
    rec.close()


def test_header_has_the_real_length_right_after_close(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path, "CA123")
    for n in range(7):
        rec.write(caller_frame(n), bot_frame(n))
    rec.close()
    params, _ = read_stereo(rec.path)
    assert params[3] == 7 * FRAME_SAMPLES
    assert rec.path.stat().st_size == 44 + 7 * FRAME_SAMPLES * 4  # RIFF header + 16-bit stereo frames


def test_empty_call_is_a_valid_empty_wav(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path, "CA-empty")
    rec.close()
    params, data = read_stereo(rec.path)
    assert params == (2, 2, LINE_RATE, 0)
    assert data.size == 0


def test_writes_after_close_are_ignored_and_close_is_idempotent(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path, "CA123")
    rec.write(caller_frame(0), None)
    rec.close()
    rec.write(caller_frame(1), bot_frame(1))
    rec.close()
    assert rec.frames == 1
    params, _ = read_stereo(rec.path)
    assert params[3] == FRAME_SAMPLES


def test_file_name_is_the_call_sid_made_safe(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "b"
    rec = CallRecording(directory, "../CA 1/x")
    rec.close()
    assert directory.is_dir()
    assert rec.path.parent == directory
    assert rec.path.name == ".._CA_1_x.wav"


def test_transcript_entries_carry_the_call_time(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path, "CA123")
    rec.say("bot", "您好，这里是理赔报案热线。")
    for n in range(25):
        rec.write(caller_frame(n), None)
    rec.say("caller", "我爸摔了一跤", kind="partial")
    rec.say("caller", "我爸昨天摔了一跤", start_s=0.123456, confidence=0.87)
    rec.close()
    assert rec.transcript == [
        {"role": "bot", "text": "您好，这里是理赔报案热线。", "kind": "final", "t": 0.0},
        {"role": "caller", "text": "我爸摔了一跤", "kind": "partial", "t": 0.5},
        {"role": "caller", "text": "我爸昨天摔了一跤", "kind": "final", "t": 0.12, "confidence": 0.87},
    ]


def test_a_crashed_writer_leaves_audio_and_transcript_that_recovery_makes_whole(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path, "CAcrash")
    rec.note_call(now="2026-03-14T10:30:00+08:00", caller="13812345678")
    rec.say("bot", "您好")
    for n in range(100):
        rec.write(caller_frame(n), bot_frame(n))
    rec.say("caller", "我爸昨天摔了一跤", start_s=0.5)
    rec._wav._file.flush()  # what the OS has when the process dies: the header was never patched
    with wave.open(str(rec.path), "rb") as w:
        assert w.getnframes() == FRAME_SAMPLES  # the wave module wrote the first frame's length, never patched
    with journal_path(rec.path).open("a", encoding="utf-8") as journal:
        journal.write('{"role": "caller", "text": "我')  # torn by the crash
    assert recover_wav(rec.path) == pytest.approx(2.0)
    params, data = read_stereo(rec.path)
    assert params == (2, 2, LINE_RATE, 100 * FRAME_SAMPLES)
    assert np.array_equal(data[-FRAME_SAMPLES:, 0], caller_frame(99))
    assert np.array_equal(data[-FRAME_SAMPLES:, 1], bot_frame(99))
    facts, transcript = read_journal(journal_path(rec.path))
    assert facts == {"now": "2026-03-14T10:30:00+08:00", "caller": "13812345678"}
    assert transcript == rec.transcript


def test_the_journal_goes_once_the_transcript_is_saved(tmp_path: Path) -> None:
    rec = CallRecording(tmp_path, "CAdone")
    rec.say("bot", "您好")
    rec.close()
    assert read_journal(rec.journal)[1] == rec.transcript
    rec.discard_journal()
    assert not rec.journal.exists() and rec.path.exists()
    assert read_journal(rec.journal) == ({}, [])
    assert recover_wav(tmp_path / "missing.wav") == 0.0 and not (tmp_path / "missing.wav").exists()
    died_at_once = tmp_path / "at-once.wav"
    died_at_once.write_bytes(b"RIFF")
    assert recover_wav(died_at_once) == 0.0
    assert read_stereo(died_at_once)[0] == (2, 2, LINE_RATE, 0)


# --- the database rows ----------------------------------------------------------------------------------


@pytest.fixture
def store(store_url: str):
    recordings = RecordingStore(store_url)
    yield recordings
    recordings.close()


def make_record(call_sid: str, wav_path: Path | str, conversation_id: str | None = None,
                ended: datetime = ENDED, retention_days: int = 30, **changes: object) -> RecordingRecord:
    record = RecordingRecord(
        call_sid=call_sid, conversation_id=conversation_id or call_sid, caller="13812345678",
        wav_path=str(wav_path), transcript=[{"role": "bot", "text": "您好", "kind": "final", "t": 0.0}],
        duration_s=62.4, end_reason="hangup", started_at=ended - timedelta(seconds=62.4), ended_at=ended,
        expires_at=expiry(ended, retention_days))
    for key, value in changes.items():
        setattr(record, key, value)
    return record


def wav_file(directory: Path, name: str) -> Path:
    path = directory / f"{name}.wav"
    write_wav(path, np.zeros((FRAME_SAMPLES, 2), dtype=np.int16), LINE_RATE)
    return path


def row_count(store: RecordingStore) -> int:
    with store.sessions() as session:
        return session.execute(select(func.count()).select_from(RecordingRow)).scalar_one()


def test_save_and_get_round_trip(store: RecordingStore, tmp_path: Path) -> None:
    record = make_record("CA1", tmp_path / "CA1.wav")
    store.save(record)
    again = store.get("CA1")
    assert again == record
    assert again.started_at.tzinfo is not None
    assert again.to_dict()["ended_at"] == "2026-03-14T10:35:00+08:00"
    assert store.get("CA-missing") is None


def test_save_is_idempotent_per_call_sid(store: RecordingStore, tmp_path: Path) -> None:
    store.save(make_record("CA1", tmp_path / "CA1.wav"))
    final = make_record("CA1", tmp_path / "CA1.wav", end_reason="bot_done", duration_s=75.0,
                        transcript=[{"role": "caller", "text": "好的", "kind": "final", "t": 70.1}])
    store.save(final)
    store.save(final)
    assert row_count(store) == 1
    assert store.get("CA1") == final


def test_for_ticket_finds_recordings_by_conversation(store: RecordingStore, store_url: str, tmp_path: Path) -> None:
    draft = TicketDraft(conversation_id="conv-7", call_started_at=datetime(2026, 3, 14, 10, 30))
    draft.set_item("insured_name", SlotValue("张建国", 0.95, "他叫张建国，弓长张"))
    tickets = TicketStore(store_url)
    try:
        number = tickets.create_ticket(draft, now=ENDED).number
    finally:
        tickets.close()

    later = make_record("CA-2", tmp_path / "b.wav", "conv-7", ended=ENDED + timedelta(hours=1))
    earlier = make_record("CA-1", tmp_path / "a.wav", "conv-7")
    store.save(later)
    store.save(earlier)
    store.save(make_record("CA-3", tmp_path / "c.wav", "conv-other"))

    assert [r.call_sid for r in store.for_ticket(number)] == ["CA-1", "CA-2"]
    assert store.for_ticket("BA-20260314-999999") == []


def test_purge_removes_expired_rows_and_their_files(store: RecordingStore, tmp_path: Path) -> None:
    now = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
    expired = make_record("CA-old", wav_file(tmp_path, "old"), expires_at=now - timedelta(days=1))
    due_now = make_record("CA-due", wav_file(tmp_path, "due"), expires_at=now)
    file_gone = make_record("CA-gone", tmp_path / "never-written.wav", expires_at=now - timedelta(days=3))
    kept = make_record("CA-new", wav_file(tmp_path, "new"), expires_at=now + timedelta(seconds=1))
    for record in (expired, due_now, file_gone, kept):
        store.save(record)

    assert store.purge_expired(now) == 3
    assert not Path(expired.wav_path).exists()
    assert not Path(due_now.wav_path).exists()
    assert Path(kept.wav_path).exists()
    assert [store.get(sid) for sid in ("CA-old", "CA-due", "CA-gone")] == [None, None, None]
    assert store.get("CA-new") == kept
    assert row_count(store) == 1
    assert store.purge_expired(now) == 0


def test_expiry_adds_the_retention_days() -> None:
    assert expiry(ENDED, 90) == datetime(2026, 6, 12, 10, 35, tzinfo=SHANGHAI)


def test_naive_datetimes_are_refused(store: RecordingStore, tmp_path: Path) -> None:
    naive = make_record("CA1", tmp_path / "CA1.wav", ended_at=datetime(2026, 3, 14, 10, 35))
    with pytest.raises(StatementError, match="naive datetime"):
        store.save(naive)


def test_open_calls_are_the_ones_saved_in_progress(store: RecordingStore, tmp_path: Path) -> None:
    store.save(make_record("CA1", tmp_path / "1.wav"))
    store.save(make_record("CA2", tmp_path / "2.wav", end_reason=IN_PROGRESS, duration_s=0.0))
    assert [r.call_sid for r in store.open_calls()] == ["CA2"]
    store.save(make_record("CA2", tmp_path / "2.wav", end_reason="crash_recovered"))
    assert store.open_calls() == []
