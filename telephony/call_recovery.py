"""Calls that a crash of the web process cut off, found and finished after its restart.

Each call is saved as `in_progress` when it opens, and its WAV and transcript journal grow on disk as it
goes. After a start, every call still open from before it is made whole: the WAV header is patched, the
transcript read back, and the dialogue told that the line dropped, which stores the partial ticket
(通话中断) and a callback task, exactly as for a caller who hangs up. If the dialogue server lost the
conversation too (it keeps trackers in memory), the caller's own words are first said to it again, so the
ticket still has them. A call whose ticket could not be stored (dialogue or action server down) stays open
and is tried again, so nothing is marked done that is not.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from bot.client import BotClient
from bot.privacy import mask_phone
from bot.store.recording_store import RecordingRecord, RecordingStore, expiry
from telephony.recording import journal_path, read_journal, recover_wav

log = logging.getLogger("claimbot.phone")

END_REASON = "crash_recovered"
RETRY_S = (5.0, 15.0, 30.0, 60.0, 300.0)  # waits between rounds while calls remain; the last one repeats
CALLER_INPUTS = ("final", "dtmf")


class NotStored(RuntimeError):
    """The dialogue answered but stored no ticket (its action server is down or still starting)."""


async def recover_open_calls(store: RecordingStore, bot: BotClient, retention_days: int, booted_at: datetime,
                             rounds: int | None = None) -> int:
    """Finishes the calls left open by a process that ran before `booted_at`; returns how many.

    Calls opened since belong to this process and are left alone. Rounds repeat while some remain (`rounds`
    limits them; None: until all are done or the web app stops)."""
    loop = asyncio.get_running_loop()
    done, attempt = 0, 0
    while True:
        calls = [c for c in await loop.run_in_executor(None, store.open_calls)
                 if c.started_at < booted_at]
        if not calls:
            return done
        if attempt == 0:
            log.warning("%d call(s) were cut off by a restart; recovering them", len(calls))
        for record in calls:
            try:
                await _recover(record, store, bot, retention_days)
                done += 1
            except (NotStored, aiohttp.ClientError, asyncio.TimeoutError) as exc:  # open for the next round
                log.warning("call %s not recovered yet (%s): trying again", record.call_sid, str(exc) or repr(exc))
            except Exception:
                log.exception("call %s not recovered yet: trying again", record.call_sid)
        attempt += 1
        if rounds is not None and attempt >= rounds:
            return done
        await asyncio.sleep(RETRY_S[min(attempt - 1, len(RETRY_S) - 1)])


async def _recover(record: RecordingRecord, store: RecordingStore, bot: BotClient, retention_days: int) -> None:
    loop = asyncio.get_running_loop()
    wav = Path(record.wav_path)
    duration = await loop.run_in_executor(None, recover_wav, wav)
    facts, transcript = read_journal(journal_path(wav))
    sid = record.call_sid
    metadata = {"now": facts.get("now") or record.started_at.isoformat(), "caller": record.caller or "",
                "channel": "phone", "call_sid": sid, "input": "recovered"}
    replayed = 0
    if not (await bot.slots(sid)).get("phase"):  # the dialogue server restarted as well
        await bot.start_call(sid, **metadata)
        for entry in transcript:
            if entry.get("role") == "caller" and entry.get("kind") in CALLER_INPUTS and entry.get("text"):
                await bot.send(sid, entry["text"], metadata)
                replayed += 1
    reply = await bot.send(sid, "/call_dropped", metadata)
    ticket = (reply.meta or {}).get("ticket_number")
    if not ticket:
        raise NotStored("对话服务没有保存工单")
    ended = record.started_at + timedelta(seconds=duration)
    saved = replace(record, transcript=transcript, duration_s=duration, end_reason=END_REASON, ended_at=ended,
                    expires_at=expiry(ended, retention_days))
    await loop.run_in_executor(None, store.save, saved)
    journal_path(wav).unlink(missing_ok=True)
    log.warning("call %s (caller %s) cut off by a restart after %.1f s: recording kept, ticket %s%s", sid,
                mask_phone(record.caller or "") or "-", duration, ticket,
                f", {replayed} caller turns told again to the dialogue" if replayed else "")
