"""The browser phone page (/call) against the phone server, in headless Chromium with a fake microphone (slow).

Chromium's fake capture device plays a WAV of a Mandarin caller made with espeak-ng, so the page's real path is
exercised: getUserMedia → 8 kHz AudioContext → worklet → μ-law table → Media Streams socket, and back to the
speakers. The page keeps counters on `window.callPage`; the tests wait for them to move instead of sleeping.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, Playwright, WebSocket, expect, sync_playwright

from telephony.audio_codec import FRAME_SAMPLES, read_wav, ulaw_decode, write_wav

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CALLER_SAYS = "你好，我父亲昨天在家里摔倒了，现在住院了，我想报案。"
# The caller keeps quiet while the greeting plays (so it is not barged in on), then speaks once; Chromium loops
# the file, and the long tail keeps the repeat out of the test.
QUIET_BEFORE_S = 15
QUIET_AFTER_S = 60
WAIT_MS = 60_000  # upper bound for anything the bot has to synthesize or recognize first


@dataclass
class Wire:
    """The Media Streams messages as they crossed the page's socket, decoded."""
    sockets: list[str] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_socket(ws: WebSocket) -> None:
            self.sockets.append(ws.url)
            ws.on("framesent", lambda payload: self.sent.append(json.loads(payload)))
            ws.on("framereceived", lambda payload: self.received.append(json.loads(payload)))
        page.on("websocket", on_socket)

    def sent_events(self, event: str) -> list[dict]:
        return [m for m in self.sent if m.get("event") == event]


def _espeak(text: str, out: Path) -> None:
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(out), text], check=True, capture_output=True)


@pytest.fixture(scope="module")
def caller_wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """'turn': quiet, one utterance, long quiet; 'talking': the utterance alone, looped by Chromium."""
    if not Path(CHROMIUM).exists() or shutil.which("espeak-ng") is None:
        pytest.fail("these tests need Debian's chromium and espeak-ng (apt-get install chromium espeak-ng)")
    folder = tmp_path_factory.mktemp("caller")
    talking = folder / "talking.wav"
    _espeak(CALLER_SAYS, talking)
    speech, rate = read_wav(talking)
    turn = folder / "turn.wav"
    write_wav(turn, np.concatenate([np.zeros(QUIET_BEFORE_S * rate, dtype=np.int16), speech,
                                    np.zeros(QUIET_AFTER_S * rate, dtype=np.int16)]), rate)
    return {"turn": turn, "talking": talking}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


def _browser(playwright: Playwright, *extra: str) -> Browser:
    # launch() gives every browser a fresh temporary profile, so no permission is remembered between tests.
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra])


def _mic_browser(playwright: Playwright, wav: Path) -> Browser:
    return _browser(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-audio-capture={wav}")


def _hook(page: Page) -> dict:
    return page.evaluate("window.callPage")


def _wait(page: Page, condition: str, timeout: int = WAIT_MS) -> None:
    """Waits until a JS condition on `p` (= window.callPage) holds."""
    page.wait_for_function(f"(() => {{ const p = window.callPage; return p && ({condition}); }})()", timeout=timeout)


def _open(browser: Browser, base_url: str, wire: Wire) -> Page:
    page = browser.new_context().new_page()
    wire.attach(page)
    page.goto(f"{base_url}/call")
    expect(page).to_have_title("拨打报案热线")
    _wait(page, "p.ready === true", timeout=10_000)
    expect(page.locator("#dial")).to_be_enabled()
    return page


def _is_silence(media: dict) -> bool:
    return not ulaw_decode(base64.b64decode(media["media"]["payload"])).any()


def test_call_plays_the_greeting_echoes_marks_and_hangs_up(playwright, phone_stack: str, caller_wavs):
    browser = _mic_browser(playwright, caller_wavs["turn"])
    wire = Wire()
    try:
        page = _open(browser, phone_stack, wire)
        expect(page.locator("#draft dt")).to_have_count(9)
        page.click("#dial")
        expect(page.locator("#status")).to_have_text("通话中")
        _wait(page, "p.framesSent > 0")

        # The bot's greeting: its audio is played, its text is in the transcript, its mark comes back.
        _wait(page, "p.framesPlayed > 0")
        _wait(page, "p.transcript.some(e => e.role === 'bot' && e.text)")
        greeting = next(e["text"] for e in _hook(page)["transcript"] if e["role"] == "bot" and e["text"])
        expect(page.locator("#transcript .line.bot .text").first).to_have_text(greeting)
        _wait(page, "p.marksEchoed > 0")

        # The caller's voice from the fake microphone reaches the line.
        _wait(page, "p.voicedFramesSent > 0")

        page.click("#hangup")
        expect(page.locator("#status")).to_have_text("已挂断")
        _wait(page, "p.serverState === 'ended'")
        hook = _hook(page)
        assert hook["ticketNumber"] or hook["endReason"]
        shown = page.locator("#ticket") if hook["ticketNumber"] else page.locator("#end-reason")
        expect(shown).to_be_visible()
    finally:
        browser.close()

    # What went over the wire is the Media Streams protocol.
    assert wire.sent[0] == {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    start = wire.sent[1]
    assert start["event"] == "start" and start["start"]["callSid"] == hook["callSid"]
    assert start["start"]["mediaFormat"] == {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
    media = wire.sent_events("media")
    assert media and all(len(base64.b64decode(m["media"]["payload"])) == FRAME_SAMPLES for m in media)
    assert [int(m["media"]["chunk"]) for m in media] == list(range(1, len(media) + 1))
    marks_in = {m["mark"]["name"] for m in wire.received if m.get("event") == "mark"}
    marks_out = [m["mark"]["name"] for m in wire.sent_events("mark")]
    assert marks_out and set(marks_out) <= marks_in
    assert wire.sent[-1]["event"] == "stop" and wire.sent[-1]["stop"]["callSid"] == hook["callSid"]


def test_mute_keeps_the_line_clocked_with_silence(playwright, phone_stack: str, caller_wavs):
    browser = _mic_browser(playwright, caller_wavs["talking"])
    wire = Wire()
    try:
        page = _open(browser, phone_stack, wire)
        page.click("#dial")
        expect(page.locator("#status")).to_have_text("通话中")
        _wait(page, "p.voicedFramesSent > 0")

        page.click("#mute")
        expect(page.locator("#mute")).to_have_text("取消静音")
        hook = _hook(page)
        assert hook["muted"] is True
        _wait(page, f"p.framesSent > {hook['framesSent'] + 50}")
        after = _hook(page)
        assert after["voicedFramesSent"] == hook["voicedFramesSent"]
        assert after["mutedFramesSent"] >= 50
        muted = [m for m in wire.sent_events("media") if int(m["media"]["chunk"]) > hook["framesSent"]]
        assert len(muted) >= 25 and all(_is_silence(m) for m in muted)

        page.click("#mute")
        expect(page.locator("#mute")).to_have_text("静音")
        _wait(page, f"!p.muted && p.voicedFramesSent > {after['voicedFramesSent']}")
        page.click("#hangup")
        expect(page.locator("#status")).to_have_text("已挂断")
    finally:
        browser.close()


def test_refused_microphone_shows_why_and_sends_nothing(playwright, phone_stack: str):
    # No fake-UI flag: the permission prompt is answered "deny", as a person refusing it would.
    browser = _browser(playwright, "--use-fake-device-for-media-stream", "--deny-permission-prompts")
    wire = Wire()
    try:
        page = _open(browser, phone_stack, wire)
        page.click("#dial")
        expect(page.locator("#notice")).to_contain_text("麦克风权限被拒绝")
        expect(page.locator("#status")).to_have_text("未接通")
        expect(page.locator("#dial")).to_be_enabled()
        hook = _hook(page)
        assert hook["framesSent"] == 0 and hook["state"] == "failed"
        assert wire.sockets == [] and wire.sent == []
    finally:
        browser.close()


def test_line_not_ready_explains_and_disables_dialling(playwright, phone_stack: str):
    # A scripted status answer stands in for a server without a speech model.
    reason = "没有配置语音识别模型，电话线路暂不可用。"
    browser = _browser(playwright)
    try:
        page = browser.new_context().new_page()
        page.route("**/api/phone/status", lambda route: route.fulfill(
            json={"ready": False, "reason": reason}))
        page.goto(f"{phone_stack}/call")
        expect(page.locator("#notice")).to_have_text(reason)
        expect(page.locator("#status")).to_have_text("暂时无法拨打")
        expect(page.locator("#dial")).to_be_disabled()
    finally:
        browser.close()
