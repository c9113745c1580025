// The call page: a browser takes the place of the phone network and speaks the Twilio Media Streams protocol to
// the bot's /media-stream socket. The AudioContext runs at the line rate (8 kHz) so the browser does all the
// resampling; G.711 μ-law goes through the tables the server publishes, so the codec lives in one Python module.
// window.callPage is a plain object of counters and flags for the browser test: it asserts on it, not on timing.
"use strict";

(() => {
  const LINE_RATE = 8000;
  const FRAME_SAMPLES = 160;
  const FRAME_SECONDS = FRAME_SAMPLES / LINE_RATE;
  const FRAME_MS = 20;
  const POLL_MS = 400;
  const FINAL_POLLS = 15; // after hang-up, polls for the server's end of the call (ticket number, reason)
  const STATUS_RECHECK_MS = 5000;
  const JITTER_SECONDS = 0.08; // playback starts this far ahead after the queue ran dry, to ride out network jitter
  const VOICE_PEAK = 500; // an int16 peak above this makes a sent frame count as voiced (test hook only)

  const STATUS_TEXT = {
    idle: "准备就绪",
    unavailable: "暂时无法拨打",
    connecting: "正在接通…",
    active: "通话中",
    ended: "已挂断",
    busy: "线路繁忙",
    failed: "未接通",
  };

  // Why a call ended (the server's end_reason), for the line under the ticket; others are shown as given.
  const END_REASONS = {
    completed: "通话正常结束",
    caller_hangup: "您挂断了电话",
    disconnected: "连接中断",
    no_start: "连接中断",
    bad_input: "线路数据异常",
    unsupported_format: "音频格式不受支持",
    not_ready: "报案热线暂不可用",
    busy: "线路繁忙",
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $("status"),
    notice: $("notice"),
    dial: $("dial"),
    hangup: $("hangup"),
    mute: $("mute"),
    keypad: $("keypad"),
    transcript: $("transcript"),
    partial: $("partial"),
    ticket: $("ticket"),
    endReason: $("end-reason"),
    stage: $("stage"),
    draft: $("draft"),
  };

  const hook = {
    state: "idle",
    statusText: STATUS_TEXT.idle,
    ready: null,
    muted: false,
    callSid: null,
    streamSid: null,
    framesSent: 0,
    voicedFramesSent: 0,
    mutedFramesSent: 0,
    framesReceived: 0,
    framesPlayed: 0,
    framesCleared: 0,
    marksReceived: 0,
    marksEchoed: 0,
    lastMarkEchoed: null,
    clears: 0,
    dtmfSent: 0,
    serverState: null,
    transcript: [],
    partial: "",
    draft: {},
    ticketNumber: null,
    endReason: null,
    lastError: null,
  };
  window.callPage = hook;

  let tables = null; // {encode: Uint8Array(65536), decode: Float32Array(256)}
  let slots = []; // [{name, label}] in the order of the slot list
  let stageLabels = {};
  let call = null; // the call in progress (or being connected)
  let statusTimer = null;

  // ---------- small helpers ----------

  async function getJson(url) {
    const resp = await fetch(url, { cache: "no-store" });
    if (!resp.ok) {
      const err = new Error(`${url}: HTTP ${resp.status}`);
      err.status = resp.status;
      throw err;
    }
    return resp.json();
  }

  function randomSid(prefix) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function toBase64(bytes) {
    return btoa(String.fromCharCode.apply(null, bytes));
  }

  function fromBase64(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function noteError(where, err) {
    hook.lastError = `${where}: ${err && err.name ? err.name + ": " : ""}${err && err.message ? err.message : err}`;
    console.warn(hook.lastError);
  }

  function showNotice(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = false;
  }

  function clearNotice() {
    ui.notice.textContent = "";
    ui.notice.hidden = true;
  }

  function setState(state) {
    hook.state = state;
    hook.statusText = STATUS_TEXT[state];
    ui.status.dataset.state = state;
    ui.status.textContent = STATUS_TEXT[state];
    const inCall = state === "connecting" || state === "active";
    ui.dial.disabled = inCall || state === "unavailable" || hook.ready !== true;
    ui.hangup.disabled = !inCall;
    ui.mute.disabled = state !== "active";
    for (const key of ui.keypad.querySelectorAll("button")) key.disabled = state !== "active";
    if (!inCall) setMuted(false);
  }

  function setMuted(muted) {
    hook.muted = muted;
    ui.mute.textContent = muted ? "取消静音" : "静音";
    ui.mute.setAttribute("aria-pressed", String(muted));
    ui.mute.classList.toggle("on", muted);
  }

  // ---------- start-up: service status, slot labels, codec tables ----------

  async function loadTables() {
    if (!tables) {
      const t = await getJson("/api/phone/ulaw-tables");
      if (!t.encode || t.encode.length !== 65536 || !t.decode || t.decode.length !== 256) {
        throw new Error("μ-law 表格式不对");
      }
      tables = {
        encode: Uint8Array.from(t.encode),
        decode: Float32Array.from(t.decode, (v) => v / 32768),
      };
    }
    return tables;
  }

  async function loadSlots() {
    try {
      const data = await getJson("/api/slots");
      slots = data.slots || [];
      for (const st of data.stages || []) stageLabels[st.name] = st.label;
    } catch (err) {
      noteError("slots", err);
      slots = [];
    }
    renderDraft({});
  }

  async function checkStatus() {
    let status;
    try {
      status = await getJson("/api/phone/status");
    } catch (err) {
      noteError("status", err);
      status = { ready: false, reason: "连不上报案服务：请确认服务已经启动，稍后会自动重试。" };
    }
    hook.ready = status.ready === true;
    if (call) return;
    if (hook.ready) {
      if (hook.state === "unavailable" || hook.state === "idle") {
        clearNotice();
        setState("idle");
      }
      clearInterval(statusTimer);
      statusTimer = null;
    } else {
      showNotice(status.reason || "报案热线暂时不可用，请稍后再试。");
      setState("unavailable");
      if (!statusTimer) statusTimer = setInterval(checkStatus, STATUS_RECHECK_MS);
    }
  }

  // ---------- microphone ----------

  function micMessage(err) {
    const name = err && err.name;
    if (name === "NotAllowedError" || name === "PermissionDeniedError" || name === "SecurityError") {
      return "麦克风权限被拒绝：请在地址栏左侧允许本页使用麦克风，然后重新拨打。";
    }
    if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
      return "没有找到麦克风：请接上麦克风或耳机后重新拨打。";
    }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      return "麦克风打不开：可能正被别的程序占用，关掉后再试。";
    }
    if (name === "InsecureContext") {
      return "浏览器不允许本页使用麦克风：请用 https 或本机地址（localhost）打开本页。";
    }
    return "无法使用麦克风，请检查设备后重试。";
  }

  async function openMicrophone() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      const err = new Error("getUserMedia is not available on this page");
      err.name = "InsecureContext";
      throw err;
    }
    return navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: false,
    });
  }

  // ---------- the call ----------

  function resetCounters() {
    Object.assign(hook, {
      framesSent: 0, voicedFramesSent: 0, mutedFramesSent: 0, framesReceived: 0, framesPlayed: 0,
      framesCleared: 0, marksReceived: 0, marksEchoed: 0, lastMarkEchoed: null, clears: 0, dtmfSent: 0,
      serverState: null, transcript: [], partial: "", draft: {}, ticketNumber: null, endReason: null,
      lastError: null,
    });
  }

  async function dial() {
    if (call || hook.ready !== true) return;
    clearNotice();
    resetCounters();
    renderCall({ transcript: [], partial: "", draft: {} });
    const c = {
      callSid: randomSid("CA"),
      streamSid: randomSid("MZ"),
      ctx: null, stream: null, source: null, node: null, ws: null,
      seq: 0, chunk: 0, started: false, admitted: false, over: false, polling: false, finalPolls: 0,
      play: { pending: [], marks: [], nextTime: 0, scheduled: 0, played: 0 },
    };
    call = c;
    hook.callSid = c.callSid;
    hook.streamSid = c.streamSid;
    setState("connecting");

    let resumed;
    try {
      // Made inside the click so autoplay rules let it run.
      c.ctx = new AudioContext({ sampleRate: LINE_RATE, latencyHint: "interactive" });
      resumed = c.ctx.resume();
    } catch (err) {
      fail(c, "浏览器不支持电话音质的音频，请换用新版 Chrome 或 Edge。", err);
      return;
    }

    try {
      c.stream = await openMicrophone();
    } catch (err) {
      fail(c, micMessage(err), err);
      return;
    }
    if (call !== c) return releaseMedia(c);

    try {
      await loadTables();
      await c.ctx.audioWorklet.addModule("/static/mic-worklet.js");
      await resumed;
      c.source = c.ctx.createMediaStreamSource(c.stream);
      c.node = new AudioWorkletNode(c.ctx, "mic-frames", {
        numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: "explicit",
      });
    } catch (err) {
      fail(c, "通话组件加载失败：请刷新页面后重试（建议使用新版 Chrome 或 Edge）。", err);
      return;
    }
    if (call !== c) return releaseMedia(c);
    c.node.port.onmessage = (e) => sendFrame(c, e.data);
    c.source.connect(c.node);
    openSocket(c);
  }

  function fail(c, message, err) {
    noteError("dial", err);
    if (call !== c) {
      releaseMedia(c); // hung up while connecting: the page already says so
      return;
    }
    showNotice(message);
    endLocally(c);
    setState("failed");
  }

  function send(c, message) {
    if (c.ws && c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify(message));
  }

  function nextSeq(c) {
    c.seq += 1;
    return String(c.seq);
  }

  function openSocket(c) {
    const url = new URL("/media-stream", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = c.ws = new WebSocket(url.href);
    } catch (err) {
      noteError("socket", err);
      lineBusy(c);
      return;
    }
    ws.onopen = () => {
      if (call !== c) {
        ws.close();
        return;
      }
      send(c, { event: "connected", protocol: "Call", version: "1.0.0" });
      send(c, {
        event: "start",
        sequenceNumber: nextSeq(c),
        streamSid: c.streamSid,
        start: {
          streamSid: c.streamSid,
          callSid: c.callSid,
          accountSid: "browser",
          tracks: ["inbound"],
          customParameters: { caller: "browser", channel: "browser" },
          mediaFormat: { encoding: "audio/x-mulaw", sampleRate: LINE_RATE, channels: 1 },
        },
      });
      c.started = true;
      setState("active");
      startPolling(c);
    };
    ws.onmessage = (e) => {
      try {
        onServerMessage(c, JSON.parse(e.data));
      } catch (err) {
        noteError("message", err);
      }
    };
    ws.onerror = () => {
      hook.lastError = "socket: WebSocket error";
    };
    ws.onclose = (ev) => {
      if (call !== c) return;
      if (!c.started) {
        lineBusy(c);
        return;
      }
      // The server ended the call: let what it said last play out, then stop.
      c.started = false;
      call = null;
      releaseMic(c);
      whenPlaybackDrained(c, () => closeAudio(c));
      serverHungUp(c, ev.code).catch((err) => noteError("close", err));
    };
  }

  async function serverHungUp(c, code) {
    // A call the server never admitted (it was full and played its busy message) is unknown to /api/calls.
    let busy = code === 1013;
    if (!busy && !c.admitted) {
      try {
        await getJson(`/api/calls/${encodeURIComponent(c.callSid)}`);
        c.admitted = true;
      } catch (err) {
        busy = err.status === 404;
      }
    }
    if (busy) {
      c.polling = false;
      showNotice("线路繁忙：现在打进来的电话较多，请稍后再拨。");
      setState("busy");
    } else {
      setState("ended");
      finishPolling(c);
    }
  }

  function lineBusy(c) {
    showNotice("线路繁忙：暂时接不通报案热线，请稍后再拨。");
    endLocally(c);
    setState("busy");
  }

  function hangUp() {
    const c = call;
    if (!c) return;
    if (c.started) {
      send(c, {
        event: "stop",
        sequenceNumber: nextSeq(c),
        streamSid: c.streamSid,
        stop: { accountSid: "browser", callSid: c.callSid },
      });
    }
    const wasStarted = c.started;
    endLocally(c);
    setState("ended");
    if (wasStarted) finishPolling(c);
  }

  function endLocally(c) {
    c.started = false;
    if (call === c) call = null;
    if (c.ws) {
      c.ws.onclose = null;
      c.ws.onmessage = null;
      if (c.ws.readyState === WebSocket.OPEN || c.ws.readyState === WebSocket.CONNECTING) c.ws.close(1000);
    }
    stopPlayback(c);
    releaseMedia(c);
  }

  function releaseMic(c) {
    if (c.node) {
      c.node.port.onmessage = null;
      c.node.disconnect();
    }
    if (c.source) c.source.disconnect();
    if (c.stream) for (const track of c.stream.getTracks()) track.stop();
  }

  function closeAudio(c) {
    if (c.ctx && c.ctx.state !== "closed") c.ctx.close().catch(() => {});
  }

  function releaseMedia(c) {
    releaseMic(c);
    closeAudio(c);
  }

  // ---------- caller audio out ----------

  function sendFrame(c, samples) {
    if (!c.started || !tables) return;
    const encode = tables.encode;
    const bytes = new Uint8Array(FRAME_SAMPLES);
    if (hook.muted) {
      bytes.fill(encode[32768]); // μ-law of 0: silence keeps the line clocked while muted
      hook.mutedFramesSent += 1;
    } else {
      let peak = 0;
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        let s = Math.round(samples[i] * 32768);
        if (s > 32767) s = 32767;
        else if (s < -32768) s = -32768;
        const mag = s < 0 ? -s : s;
        if (mag > peak) peak = mag;
        bytes[i] = encode[s + 32768];
      }
      if (peak >= VOICE_PEAK) hook.voicedFramesSent += 1;
    }
    c.chunk += 1;
    send(c, {
      event: "media",
      sequenceNumber: nextSeq(c),
      streamSid: c.streamSid,
      media: {
        track: "inbound",
        chunk: String(c.chunk),
        timestamp: String((c.chunk - 1) * FRAME_MS),
        payload: toBase64(bytes),
      },
    });
    hook.framesSent += 1;
  }

  function sendDtmf(digit) {
    const c = call;
    if (!c || !c.started) return;
    send(c, { event: "dtmf", streamSid: c.streamSid, sequenceNumber: nextSeq(c), dtmf: { track: "inbound_track", digit } });
    hook.dtmfSent += 1;
    const key = ui.keypad.querySelector(`button[data-digit="${CSS.escape(digit)}"]`);
    if (key) {
      key.classList.add("pressed");
      setTimeout(() => key.classList.remove("pressed"), 150);
    }
  }

  // ---------- bot audio in ----------

  function onServerMessage(c, msg) {
    if (msg.event === "media" && msg.media && msg.media.payload) {
      hook.framesReceived += 1;
      playFrame(c, fromBase64(msg.media.payload));
    } else if (msg.event === "mark" && msg.mark) {
      hook.marksReceived += 1;
      queueMark(c, msg.mark.name);
    } else if (msg.event === "clear") {
      clearPlayback(c);
    }
  }

  function playFrame(c, ulaw) {
    const ctx = c.ctx;
    if (!ctx || ctx.state === "closed" || !tables) return;
    const decode = tables.decode;
    const samples = new Float32Array(ulaw.length);
    for (let i = 0; i < ulaw.length; i++) samples[i] = decode[ulaw[i]];
    const buffer = ctx.createBuffer(1, samples.length, LINE_RATE);
    buffer.copyToChannel(samples, 0);
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(ctx.destination);
    const p = c.play;
    const now = ctx.currentTime;
    if (p.nextTime < now + 0.005) p.nextTime = now + JITTER_SECONDS;
    src.start(p.nextTime);
    p.nextTime += samples.length / LINE_RATE;
    p.scheduled += 1;
    const entry = { src, seq: p.scheduled, cancelled: false };
    p.pending.push(entry);
    src.onended = () => {
      if (entry.cancelled) return;
      const at = p.pending.indexOf(entry);
      if (at >= 0) p.pending.splice(at, 1);
      if (entry.seq > p.played) p.played = entry.seq;
      hook.framesPlayed += 1;
      echoPlayedMarks(c);
      if (p.pending.length === 0 && p.onDrained) {
        const done = p.onDrained;
        p.onDrained = null;
        done();
      }
    };
  }

  function echoMark(c, name) {
    if (!c.ws || c.ws.readyState !== WebSocket.OPEN) return;
    send(c, { event: "mark", streamSid: c.streamSid, sequenceNumber: nextSeq(c), mark: { name } });
    hook.marksEchoed += 1;
    hook.lastMarkEchoed = name;
  }

  function queueMark(c, name) {
    const p = c.play;
    if (p.pending.length === 0) {
      echoMark(c, name); // nothing left to play: the mark's point has been reached
    } else {
      p.marks.push({ name, seq: p.scheduled });
    }
  }

  function echoPlayedMarks(c) {
    const p = c.play;
    while (p.marks.length && p.marks[0].seq <= p.played) echoMark(c, p.marks.shift().name);
  }

  function dropQueued(c) {
    const p = c.play;
    for (const entry of p.pending) {
      entry.cancelled = true;
      try {
        entry.src.stop();
      } catch {
        // already stopped
      }
    }
    hook.framesCleared += p.pending.length;
    p.pending = [];
    p.nextTime = 0;
    p.played = p.scheduled;
  }

  function clearPlayback(c) {
    // Barge-in: drop all queued bot audio at once; like Twilio, the marks of the dropped audio come back now.
    hook.clears += 1;
    dropQueued(c);
    const marks = c.play.marks;
    c.play.marks = [];
    for (const m of marks) echoMark(c, m.name);
  }

  function stopPlayback(c) {
    dropQueued(c);
    c.play.marks = [];
    c.play.onDrained = null;
  }

  function whenPlaybackDrained(c, done) {
    if (c.play.pending.length === 0) done();
    else c.play.onDrained = done;
  }

  // ---------- transcript and draft ticket ----------

  function startPolling(c) {
    if (c.polling) return;
    c.polling = true;
    (async () => {
      while (c.polling) {
        await pollOnce(c);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
  }

  function finishPolling(c) {
    c.over = true;
    c.finalPolls = FINAL_POLLS;
    startPolling(c);
  }

  async function pollOnce(c) {
    let data = null;
    try {
      data = await getJson(`/api/calls/${encodeURIComponent(c.callSid)}`);
    } catch (err) {
      if (err.status !== 404) noteError("poll", err);
    }
    if (data) c.admitted = true;
    if (data && hook.callSid === c.callSid) renderCall(data);
    if (c.over) {
      c.finalPolls -= 1;
      if ((data && data.state === "ended") || c.finalPolls <= 0) c.polling = false;
    }
  }

  function formatTime(t) {
    if (typeof t !== "number" || !isFinite(t)) return "";
    const s = Math.max(0, Math.floor(t));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function transcriptLine(entry) {
    const li = document.createElement("li");
    const role = entry.role === "bot" ? "bot" : "caller";
    li.className = `line ${role}`;
    if (entry.kind) li.dataset.kind = entry.kind;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = role === "bot" ? "机器人" : "我";
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = formatTime(entry.t);
    const text = document.createElement("span");
    text.className = "text";
    if (entry.kind === "dtmf") text.textContent = `按键 ${entry.text}`;
    else if (entry.kind === "barge_in") text.textContent = entry.text ? `（插话）${entry.text}` : "（插话）";
    else text.textContent = entry.text;
    li.append(who, when, text);
    return li;
  }

  function renderTranscript(entries) {
    const shown = ui.transcript.children;
    // Lines only ever get added; rebuild when the server's list is not a continuation of what is shown.
    let same = shown.length <= entries.length;
    for (let i = 0; same && i < shown.length; i++) {
      if (shown[i].dataset.key !== JSON.stringify(entries[i])) same = false;
    }
    if (!same) ui.transcript.replaceChildren();
    for (let i = ui.transcript.children.length; i < entries.length; i++) {
      const li = transcriptLine(entries[i]);
      li.dataset.key = JSON.stringify(entries[i]);
      ui.transcript.append(li);
      li.scrollIntoView({ block: "nearest" });
    }
  }

  function renderDraft(draft) {
    const names = slots.length ? slots : Object.keys(draft).map((name) => ({ name, label: name }));
    if (ui.draft.children.length !== names.length * 2) {
      ui.draft.replaceChildren();
      for (const slot of names) {
        const dt = document.createElement("dt");
        dt.textContent = slot.label;
        const dd = document.createElement("dd");
        dd.dataset.slot = slot.name;
        ui.draft.append(dt, dd);
      }
    }
    for (const dd of ui.draft.querySelectorAll("dd")) {
      const value = draft[dd.dataset.slot];
      const has = value !== undefined && value !== null && value !== "";
      let text = has ? String(value) : "—";
      if (has && dd.dataset.slot === "diagnosis" && draft.diagnosis_icd10) text += `（ICD-10 ${draft.diagnosis_icd10}）`;
      dd.textContent = text;
      dd.classList.toggle("empty", !has);
    }
  }

  function renderCall(data) {
    const transcript = Array.isArray(data.transcript) ? data.transcript : [];
    hook.serverState = data.state || null;
    hook.transcript = transcript;
    hook.partial = data.partial || "";
    hook.draft = data.draft || {};
    hook.ticketNumber = data.ticket_number || null;
    hook.endReason = data.end_reason || null;

    renderTranscript(transcript);
    ui.partial.textContent = hook.partial;
    ui.partial.hidden = !hook.partial;
    renderDraft(hook.draft);

    const stage = data.stage ? stageLabels[data.stage] || "" : ""; // internal stage names are not shown
    ui.stage.textContent = stage ? `当前进度：${stage}` : "";
    ui.stage.hidden = !stage;

    ui.ticket.textContent = hook.ticketNumber ? `报案号：${hook.ticketNumber}` : "";
    ui.ticket.hidden = !hook.ticketNumber;

    // A call that ends early still leaves a partial ticket under its number; say so rather than "done".
    let reason = "";
    const completed = data.end_reason === "completed";
    if (data.state === "ended") {
      const why = data.end_reason_text || END_REASONS[data.end_reason] || data.end_reason || "";
      if (completed) reason = "报案已登记，通话结束。";
      else if (hook.ticketNumber) reason = `报案未完成（${why || "通话中断"}），已说的内容已保存在这个报案号下。`;
      else reason = `报案未完成${why ? "：" + why : ""}。`;
    }
    ui.endReason.textContent = reason;
    ui.endReason.hidden = !reason;
    ui.endReason.classList.toggle("done", completed);
  }

  // ---------- wiring ----------

  ui.dial.addEventListener("click", () => {
    dial().catch((err) => {
      noteError("dial", err);
      if (call) fail(call, "拨打失败，请刷新页面后重试。", err);
    });
  });
  ui.hangup.addEventListener("click", hangUp);
  ui.mute.addEventListener("click", () => {
    if (hook.state === "active") setMuted(!hook.muted);
  });
  ui.keypad.addEventListener("click", (e) => {
    const key = e.target.closest("button[data-digit]");
    if (key && !key.disabled) sendDtmf(key.dataset.digit);
  });
  document.addEventListener("keydown", (e) => {
    if (hook.state !== "active" || e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^[0-9*#]$/.test(e.key)) sendDtmf(e.key);
  });
  window.addEventListener("pagehide", hangUp);

  setState("idle"); // 拨打 stays disabled until the service says it is ready
  loadSlots();
  checkStatus();
  loadTables().catch((err) => noteError("tables", err)); // fetched again when dialling if this failed
})();
