"""The web app served beside Rasa: health, a ticket list for analysts and its JSON API.

Personal data is masked here: the full ID and phone belong to the analyst workspace (a later issue),
which will sit behind a login.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from aiohttp import web

from bot.privacy import install_pii_filter, mask_id, mask_phone
from bot.settings import load_settings
from bot.store.recording_store import RecordingStore
from bot.store.ticket_store import TicketRecord, TicketStore
from bot.web.call_page import add_call_page_routes
from telephony.audio_codec import ulaw_tables
from telephony.channel_setup import build_phone_channel
from telephony.media_stream import PhoneChannel, slot_labels

log = logging.getLogger("claimbot.web")
STORE = web.AppKey("store", TicketStore)
RECORDINGS = web.AppKey("recordings", RecordingStore)

COLUMNS = [("number", "报案号"), ("status", "状态"), ("claim_type", "理赔类型"), ("priority", "优先级"),
           ("insured_name", "出险人"), ("insured_id", "身份证号"), ("diagnosis", "诊断"), ("hospital", "医院"),
           ("contact_phone", "联系电话"), ("created_at", "创建时间")]


def masked(record: TicketRecord) -> dict:
    data = record.to_dict()
    values = dict(data.get("values") or {})
    if values.get("insured_id"):
        values["insured_id"] = mask_id(values["insured_id"])
    if values.get("contact_phone"):
        values["contact_phone"] = mask_phone(values["contact_phone"])
    data["values"] = values
    data.pop("items", None)
    data.pop("transcript", None)
    return data


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def api_tickets(request: web.Request) -> web.Response:
    status = request.query.get("status") or None
    try:
        limit = max(1, min(int(request.query.get("limit", "50")), 500))
    except ValueError:
        return web.json_response({"error": "limit 必须是数字"}, status=400)
    records = request.app[STORE].list(status=status, limit=limit)
    return web.json_response({"tickets": [masked(r) for r in records]})


async def api_ticket(request: web.Request) -> web.Response:
    record = request.app[STORE].get(request.match_info["number"])
    if record is None:
        return web.json_response({"error": "没有这个报案号"}, status=404)
    data = masked(record)
    data["recordings"] = [{"call_sid": r.call_sid, "duration_s": round(r.duration_s, 2), "end_reason": r.end_reason,
                           "started_at": r.started_at.isoformat(), "expires_at": r.expires_at.isoformat(),
                           "wav": f"/api/recordings/{r.call_sid}.wav"}
                          for r in request.app[RECORDINGS].for_ticket(record.number)]
    return web.json_response(data)


async def api_recording_wav(request: web.Request) -> web.StreamResponse:
    """The call's stereo WAV (caller left, bot right). Access control comes with the analyst login."""
    rec = request.app[RECORDINGS].get(request.match_info["call_sid"])
    if rec is None or not Path(rec.wav_path).is_file():
        return web.json_response({"error": "没有这段录音（可能已过保存期）"}, status=404)
    return web.FileResponse(rec.wav_path, headers={"Content-Type": "audio/wav"})


async def index(request: web.Request) -> web.Response:
    rows = []
    for r in request.app[STORE].list(limit=100):
        d = masked(r)
        cells = []
        for key, _ in COLUMNS:
            value = d.get(key) if key in d else d["values"].get(key)
            if key == "diagnosis" and d.get("icd10"):
                value = f"{value or ''} {d['icd10']}"
            cells.append(f"<td>{html.escape(str(value or ''))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in COLUMNS)
    body = "\n".join(rows) or f"<tr><td colspan='{len(COLUMNS)}'>暂无报案</td></tr>"
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>报案工单</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
</head><body><h1>报案工单</h1><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"""
    return web.Response(text=page, content_type="text/html")


async def api_slots(request: web.Request) -> web.Response:
    return web.json_response(slot_labels())


async def api_ulaw_tables(request: web.Request) -> web.Response:
    return web.json_response(ulaw_tables(), headers={"Cache-Control": "max-age=86400"})


def make_app(store: TicketStore | None = None, phone: PhoneChannel | None = None) -> web.Application:
    app = web.Application()
    app[STORE] = store or TicketStore()
    app[RECORDINGS] = RecordingStore(app[STORE].url)
    app.add_routes([web.get("/", index), web.get("/healthz", healthz), web.get("/api/tickets", api_tickets),
                    web.get("/api/tickets/{number}", api_ticket), web.get("/api/slots", api_slots),
                    web.get("/api/phone/ulaw-tables", api_ulaw_tables),
                    web.get("/api/recordings/{call_sid}.wav", api_recording_wav)])
    if phone is not None:
        app.add_routes(phone.routes())
        app.on_startup.append(phone.on_startup)
        app.on_cleanup.append(phone.on_cleanup)
    add_call_page_routes(app)
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_pii_filter()
    settings = load_settings()
    web.run_app(make_app(phone=build_phone_channel(settings.rasa_url)), host=settings.host, port=settings.web_port,
                print=None)


if __name__ == "__main__":
    main()
