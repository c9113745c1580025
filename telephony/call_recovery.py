"""Calls that a crash of the web process cut off, found and finished at its next start.

Each call is saved as `in_progress` when it opens, and its WAV and transcript journal grow on disk as it
goes. At start, every call still open is made whole: the WAV header is rewritten, the transcript read back,
and the dialogue told that the line dropped, which stores the partial ticket (通话中断) and a callback
task, exactly as for a caller who hangs up. If the dialogue server lost the conversation too (it keeps
trackers in memory), the caller's own words are first said to it again, so the ticket still has them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.client import BotClient
from bot.privacy import mask_phone
from bot.store.recording_store import RecordingRecord, RecordingStore, expiry
from telephony.recording import journal_path, read_journal, recover_wav

log = logging.getLogger("claimbot.phone")

END_REASON = "crash_recovered"
RASA_WAIT_S = 300.0  # the web app may start before the dialogue server has loaded its model
CALLER_INPUTS = ("final", "dtmf")


async def recover_open_calls(store: RecordingStore, bot: BotClient, retention_days: int,
                             wait_s: float = RASA_WAIT_S) -> int:
    """Finishes every call left open; returns how many. Calls that fail stay open for the next start."""
    loop = asyncio.get_running_loop()
    calls = await loop.run_in_executor(None, store.open_calls)
    if not calls:
        return 0
    log.warning("%d call(s) were cut off by a restart; recovering them", len(calls))
    if not await _dialogue_up(bot, wait_s):
        log.error("dialogue server not reachable within %.0f s: %d cut-off call(s) wait for the next start",
                  wait_s, len(calls))
        return 0
    done = 0
    for record in calls:
        try:
            await _recover(record, store, bot, retention_days)
            done += 1
        except Exception:
            log.exception("call %s: recovery failed; it stays open for the next start", record.call_sid)
    return done


async def _dialogue_up(bot: BotClient, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            async with bot.session.get(bot.rasa_url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                if resp.status == 200:
                    return True
        except (aiohttp.ClientError, asyncio.TimeoutError):
            pass
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(1.0)


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
    ended = record.started_at + timedelta(seconds=duration)
    saved = replace(record, transcript=transcript, duration_s=duration, end_reason=END_REASON, ended_at=ended,
                    expires_at=expiry(ended, retention_days))
    await loop.run_in_executor(None, store.save, saved)
    journal_path(wav).unlink(missing_ok=True)
    log.warning("call %s (caller %s) cut off by a restart after %.1f s: recording kept, ticket %s%s", sid,
                mask_phone(record.caller or "") or "-", duration, (reply.meta or {}).get("ticket_number") or "-",
                f", {replayed} caller turns told again to the dialogue" if replayed else "")
