"""The media-stream message shapes of cloud telephony providers (Twilio Media Streams is the reference):
parsing what the line sends, with a clear reason for whatever is malformed, and building what goes back.

From the line: connected, start, media (base64 G.711 μ-law, 8 kHz mono, 20 ms), dtmf, mark, stop.
To the line: media, mark, clear.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

EXPECTED_ENCODING = "audio/x-mulaw"
EXPECTED_RATE = 8000
MAX_PAYLOAD_BYTES = 8000  # one second: a provider sends 160; more than this is not a media frame
DTMF_KEYS = set("0123456789*#ABCD")


class ProtocolError(ValueError):
    """A message the channel cannot use; the text says why, for the log."""


@dataclass
class Start:
    stream_sid: str
    call_sid: str
    caller: str
    custom: dict[str, str] = field(default_factory=dict)
    encoding: str = EXPECTED_ENCODING
    sample_rate: int = EXPECTED_RATE
    channels: int = 1


@dataclass
class Media:
    payload: bytes
    timestamp_ms: int | None
    chunk: int | None
    track: str


@dataclass
class Event:
    kind: str                     # connected | start | media | dtmf | mark | stop
    sequence: int | None = None
    start: Start | None = None
    media: Media | None = None
    digit: str | None = None
    mark: str | None = None


def _object(msg: dict[str, Any], key: str) -> dict[str, Any]:
    """A field that must be a JSON object (absent counts as empty)."""
    value = msg.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProtocolError(f"{key} 字段应当是 JSON 对象")
    return value


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse_start(msg: dict[str, Any]) -> Start:
    body = msg.get("start")
    if not isinstance(body, dict):
        raise ProtocolError("start 消息缺少 start 字段")
    stream_sid = str(body.get("streamSid") or msg.get("streamSid") or "").strip()
    call_sid = str(body.get("callSid") or "").strip()
    if not stream_sid or not call_sid:
        raise ProtocolError("start 消息缺少 streamSid 或 callSid")
    custom = body.get("customParameters") or {}
    custom = {str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {}
    fmt = _object(body, "mediaFormat")
    caller = custom.get("caller") or custom.get("From") or custom.get("from") or str(body.get("from") or "")
    return Start(stream_sid=stream_sid[:64], call_sid=call_sid[:64], caller=caller[:32], custom=custom,
                 encoding=str(fmt.get("encoding") or EXPECTED_ENCODING),
                 sample_rate=_int_or_none(fmt.get("sampleRate")) or EXPECTED_RATE,
                 channels=_int_or_none(fmt.get("channels")) or 1)


def _parse_media(msg: dict[str, Any]) -> Media:
    body = msg.get("media")
    if not isinstance(body, dict) or not isinstance(body.get("payload"), str):
        raise ProtocolError("media 消息缺少 payload")
    try:
        payload = base64.b64decode(body["payload"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError("media payload 不是合法的 base64") from exc
    if not payload or len(payload) > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"media payload 长度 {len(payload)} 字节，不是 20 毫秒的音频帧")
    return Media(payload=payload, timestamp_ms=_int_or_none(body.get("timestamp")),
                 chunk=_int_or_none(body.get("chunk")), track=str(body.get("track") or "inbound"))


def parse_message(raw: str | bytes) -> Event:
    """One text frame from the line → Event; ProtocolError for anything malformed or unknown."""
    try:
        msg = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError("消息不是 JSON") from exc
    if not isinstance(msg, dict):
        raise ProtocolError("消息不是 JSON 对象")
    kind = msg.get("event")
    sequence = _int_or_none(msg.get("sequenceNumber"))
    if kind == "connected":
        return Event("connected", sequence)
    if kind == "start":
        return Event("start", sequence, start=_parse_start(msg))
    if kind == "media":
        return Event("media", sequence, media=_parse_media(msg))
    if kind == "dtmf":
        digit = str(_object(msg, "dtmf").get("digit") or "")
        if digit not in DTMF_KEYS or len(digit) != 1:
            raise ProtocolError(f"dtmf 按键无效：{digit!r}")
        return Event("dtmf", sequence, digit=digit)
    if kind == "mark":
        name = _object(msg, "mark").get("name")
        if not isinstance(name, str) or not name:
            raise ProtocolError("mark 消息缺少 name")
        return Event("mark", sequence, mark=name)
    if kind == "stop":
        return Event("stop", sequence)
    raise ProtocolError(f"未知的事件类型：{str(kind)[:40]!r}")


def media_message(stream_sid: str, payload: bytes) -> str:
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"payload": base64.b64encode(payload).decode("ascii")}})


def mark_message(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})
