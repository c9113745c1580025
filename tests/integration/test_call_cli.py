"""`claimbot call` against the stack's web app, whose phone channel recognizes with the real (Korean)
Vosk model: the simulator dials, plays WAV turns through an impaired line and reports. No Chinese model
exists here, so no report can complete and the command must say so with a non-zero exit."""

from __future__ import annotations

import pytest

from bot.cli import main
from telephony.audio_codec import write_wav
from telephony.tts import Synthesizer

pytestmark = pytest.mark.slow


def test_call_plays_wav_turns_prints_the_transcript_and_fails_without_a_ticket(phone_stack, tmp_path, capsys):
    wav = tmp_path / "turn.wav"
    write_wav(wav, Synthesizer(voice="ko").synthesize("안녕하세요 보험 청구를 하고 싶습니다"), 8000)
    url = phone_stack.replace("http", "ws") + "/media-stream"
    code = main(["call", "--url", url, "--wav", str(wav), str(wav), "--speed", "4",
                 "--line", "band,snr=20,loss=1,jitter=5,echo=100ms@-20dB"])
    out = capsys.readouterr().out
    assert "机器人：您好" in out, out
    assert "来电人" in out or out.count("机器人") >= 2, out
    assert code == 1 and "报案未完成" in out


def test_call_to_a_closed_port_fails_clearly(capsys):
    code = main(["call", "--url", "ws://127.0.0.1:9/media-stream", "--scenario", "data/scenarios/dev.yml"])
    captured = capsys.readouterr()
    assert code == 1 and "失败" in captured.out, captured
