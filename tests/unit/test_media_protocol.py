"""Media-stream messages as Twilio Media Streams sends them: each event parses, each malformed message is
refused with a Chinese reason (the line logs it and carries on), and what goes back has the exact shape."""

from __future__ import annotations

import base64
import json
import re

import pytest

from telephony.media_protocol import (
    EXPECTED_ENCODING,
    EXPECTED_RATE,
    MAX_PAYLOAD_BYTES,
    ProtocolError,
    clear_message,
    mark_message,
    media_message,
    parse_message,
)

STREAM = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALL = "CA5a2f8e9c1b4d4e6f8a0b2c4d6e8f0a1b"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FRAME = bytes(range(160))  # 20 ms of μ-law


def dumps(msg: object) -> str:
    return json.dumps(msg, ensure_ascii=False)


def start_message(custom: dict[str, str] | None = None, **start_fields: object) -> dict:
    body = {"accountSid": "AC0123", "streamSid": STREAM, "callSid": CALL, "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": custom if custom is not None else {"caller": "13812345678"}}
    body.update(start_fields)
    return {"event": "start", "sequenceNumber": "1", "start": body, "streamSid": STREAM}


def media_body(payload: str, **fields: object) -> dict:
    return {"event": "media", "sequenceNumber": "3", "streamSid": STREAM,
            "media": {"track": "inbound", "chunk": "2", "timestamp": "40", "payload": payload, **fields}}


# --- what the line sends -------------------------------------------------------------------------------


def test_connected() -> None:
    event = parse_message(dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    assert event.kind == "connected"
    assert event.sequence is None
    assert (event.start, event.media, event.digit, event.mark) == (None, None, None, None)


def test_start_with_caller_parameter_and_media_format() -> None:
    event = parse_message(dumps(start_message({"caller": "13812345678", "lang": "zh"})))
    assert event.kind == "start"
    assert event.sequence == 1
    start = event.start
    assert start is not None
    assert (start.stream_sid, start.call_sid, start.caller) == (STREAM, CALL, "13812345678")
    assert start.custom == {"caller": "13812345678", "lang": "zh"}
    assert (start.encoding, start.sample_rate, start.channels) == ("audio/x-mulaw", 8000, 1)


def test_start_takes_caller_from_twilio_from_parameter() -> None:
    event = parse_message(dumps(start_message({"From": "+8613812345678"})))
    assert event.start is not None
    assert event.start.caller == "+8613812345678"


def test_start_reports_the_format_the_provider_announced() -> None:
    msg = start_message({}, mediaFormat={"encoding": "audio/x-l16", "sampleRate": "16000", "channels": "2"})
    start = parse_message(dumps(msg)).start
    assert start is not None
    assert (start.encoding, start.sample_rate, start.channels) == ("audio/x-l16", 16000, 2)
    assert start.caller == ""


def test_start_without_media_format_assumes_the_line_format() -> None:
    msg = start_message({})
    del msg["start"]["mediaFormat"]
    start = parse_message(dumps(msg)).start
    assert start is not None
    assert (start.encoding, start.sample_rate, start.channels) == (EXPECTED_ENCODING, EXPECTED_RATE, 1)


def test_start_stream_sid_may_come_from_the_envelope_only() -> None:
    msg = start_message()
    del msg["start"]["streamSid"]
    start = parse_message(dumps(msg)).start
    assert start is not None
    assert start.stream_sid == STREAM


def test_media_with_base64_payload_timestamp_chunk_and_track() -> None:
    event = parse_message(dumps(media_body(base64.b64encode(FRAME).decode())))
    assert event.kind == "media"
    assert event.sequence == 3
    media = event.media
    assert media is not None
    assert media.payload == FRAME
    assert (media.timestamp_ms, media.chunk, media.track) == (40, 2, "inbound")


def test_media_without_timing_fields_defaults_to_inbound() -> None:
    msg = {"event": "media", "media": {"payload": base64.b64encode(FRAME).decode()}}
    media = parse_message(dumps(msg)).media
    assert media is not None
    assert (media.timestamp_ms, media.chunk, media.track) == (None, None, "inbound")


def test_media_of_exactly_one_second_is_accepted() -> None:
    payload = bytes(MAX_PAYLOAD_BYTES)
    media = parse_message(dumps(media_body(base64.b64encode(payload).decode()))).media
    assert media is not None
    assert len(media.payload) == MAX_PAYLOAD_BYTES


def test_message_may_arrive_as_bytes() -> None:
    raw = dumps(media_body(base64.b64encode(FRAME).decode())).encode("utf-8")
    media = parse_message(raw).media
    assert media is not None
    assert media.payload == FRAME


@pytest.mark.parametrize("digit", [*"0123456789", "*", "#", "A", "D"])
def test_dtmf_keys(digit: str) -> None:
    event = parse_message(dumps({"event": "dtmf", "streamSid": STREAM, "sequenceNumber": "5",
                                 "dtmf": {"track": "inbound_track", "digit": digit}}))
    assert (event.kind, event.digit, event.sequence) == ("dtmf", digit, 5)


def test_mark() -> None:
    event = parse_message(dumps({"event": "mark", "sequenceNumber": "4", "streamSid": STREAM,
                                 "mark": {"name": "提示语-3"}}))
    assert (event.kind, event.mark, event.sequence) == ("mark", "提示语-3", 4)


def test_stop() -> None:
    event = parse_message(dumps({"event": "stop", "sequenceNumber": "9", "streamSid": STREAM,
                                 "stop": {"accountSid": "AC0123", "callSid": CALL}}))
    assert (event.kind, event.sequence) == ("stop", 9)


def test_unreadable_sequence_number_is_none_not_an_error() -> None:
    assert parse_message(dumps({"event": "stop", "sequenceNumber": "x"})).sequence is None


# --- what the line must not send -----------------------------------------------------------------------


def _without(msg: dict, key: str) -> dict:
    del msg["start"][key]
    return msg


MALFORMED = {
    "not JSON": ("{event: media", "JSON"),
    "invalid UTF-8 bytes": (b"\xff\xfe{", "JSON"),
    "JSON array": (dumps([{"event": "media"}]), "JSON 对象"),
    "JSON string": (dumps("media"), "JSON 对象"),
    "unknown event": (dumps({"event": "hangup"}), "未知"),
    "no event": (dumps({"streamSid": STREAM}), "未知"),
    "start without body": (dumps({"event": "start", "streamSid": STREAM}), "start"),
    "start without callSid": (dumps(_without(start_message(), "callSid")), "callSid"),
    "start with blank callSid": (dumps(start_message(callSid="  ")), "callSid"),
    "start without streamSid": (dumps({"event": "start", "start": {"callSid": CALL}}), "streamSid"),
    "media without body": (dumps({"event": "media"}), "payload"),
    "media without payload": (dumps({"event": "media", "media": {"track": "inbound"}}), "payload"),
    "media payload not a string": (dumps(media_body(123)), "payload"),  # type: ignore[arg-type]
    "invalid base64 characters": (dumps(media_body("!!!!")), "base64"),
    "base64 missing padding": (dumps(media_body("AAA")), "base64"),
    "empty payload": (dumps(media_body("")), "长度 0"),
    "payload over one second": (dumps(media_body(base64.b64encode(bytes(MAX_PAYLOAD_BYTES + 1)).decode())),
                                f"长度 {MAX_PAYLOAD_BYTES + 1}"),
    "dtmf invalid key": (dumps({"event": "dtmf", "dtmf": {"digit": "E"}}), "按键"),
    "dtmf two keys": (dumps({"event": "dtmf", "dtmf": {"digit": "12"}}), "按键"),
    "dtmf empty key": (dumps({"event": "dtmf", "dtmf": {"digit": ""}}), "按键"),
    "dtmf without body": (dumps({"event": "dtmf"}), "按键"),
    "mark without name": (dumps({"event": "mark", "mark": {}}), "name"),
    "mark with empty name": (dumps({"event": "mark", "mark": {"name": ""}}), "name"),
    "mark name not a string": (dumps({"event": "mark", "mark": {"name": 7}}), "name"),
    "mark without body": (dumps({"event": "mark"}), "name"),
}


@pytest.mark.parametrize(("raw", "fragment"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_message_is_refused_with_a_chinese_reason(raw: str | bytes, fragment: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_message(raw)
    reason = str(info.value)
    assert CHINESE.search(reason), reason
    assert fragment in reason


def test_protocol_error_is_a_value_error() -> None:
    assert issubclass(ProtocolError, ValueError)


# Bug: a field that should be an object but is a string escapes as AttributeError instead of ProtocolError
# (media_protocol.py lines 72, 111, 116 call .get on it); media_stream._Line._message only catches
# ProtocolError, so one such message ends the connection instead of being logged as a bad message.
NON_OBJECT_FIELDS = {
    "dtmf body is a string": {"event": "dtmf", "dtmf": "5"},
    "mark body is a string": {"event": "mark", "mark": "done"},
    "mediaFormat is a string": start_message(mediaFormat="audio/x-mulaw"),
}


@pytest.mark.parametrize("msg", list(NON_OBJECT_FIELDS.values()), ids=list(NON_OBJECT_FIELDS))
def test_non_object_field_is_a_protocol_error(msg: dict) -> None:
    with pytest.raises(ProtocolError):
        parse_message(dumps(msg))


# --- what goes back to the line ------------------------------------------------------------------------


def test_media_message_shape() -> None:
    text = media_message(STREAM, FRAME)
    assert json.loads(text) == {"event": "media", "streamSid": STREAM,
                                "media": {"payload": base64.b64encode(FRAME).decode("ascii")}}
    assert base64.b64decode(json.loads(text)["media"]["payload"], validate=True) == FRAME


def test_mark_message_shape() -> None:
    assert json.loads(mark_message(STREAM, "提示语-3")) == {"event": "mark", "streamSid": STREAM,
                                                          "mark": {"name": "提示语-3"}}


def test_clear_message_shape() -> None:
    assert json.loads(clear_message(STREAM)) == {"event": "clear", "streamSid": STREAM}


def test_outbound_media_and_mark_parse_back_as_inbound_events() -> None:
    """What the bot sends is the same shape the line echoes back, so the parser reads it too."""
    media = parse_message(media_message(STREAM, FRAME)).media
    assert media is not None
    assert media.payload == FRAME
    assert parse_message(mark_message(STREAM, "end-of-prompt")).mark == "end-of-prompt"
