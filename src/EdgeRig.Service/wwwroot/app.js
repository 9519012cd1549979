// EdgeRig dashboard: polls the rig's JSON endpoints with the bearer token kept in sessionStorage.
"use strict";
const TOKEN_KEY = "edgerig.token";
const $ = (id) => document.getElementById(id);
const state = { status: null, statusAt: 0, imu: [], busy: false, timers: [] };

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(path, options = {}) {
  const headers = { Authorization: "Bearer " + token(), ...(options.body ? { "Content-Type": "application/json" } : {}) };
  const response = await fetch(path, { ...options, headers, cache: "no-store" });
  if (response.status === 401) { logout("Your token was refused; log in again."); throw new Error("unauthorized"); }
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

const json = async (path, options) => (await api(path, options)).json();
const post = (path, body) => json(path, { method: "POST", body: JSON.stringify(body || {}) });

function showLogin(message) {
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = shownText(message);
  $("token").focus();
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.timers.forEach(clearInterval);
  state.timers = [];
  showLogin(message);
}

async function login(candidate) {
  const response = await fetch("/api/whoami", { headers: { Authorization: "Bearer " + candidate }, cache: "no-store" });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    showLogin(body.error || "Login failed (" + response.status + ")");
    return;
  }
  const who = await response.json();
  sessionStorage.setItem(TOKEN_KEY, candidate);
  $("who").textContent = shownText(who.name + " · " + who.role);
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  start();
}

function start() {
  refreshStatus(); refreshPreview(); refreshSessions();
  state.timers.push(setInterval(refreshStatus, 1000));
  state.timers.push(setInterval(refreshPreview, 400));
  state.timers.push(setInterval(refreshSessions, 5000));
  state.timers.push(setInterval(renderElapsed, 250));
}

const fmtBytes = (b) => {
  if (b < 0) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return b.toFixed(i ? 1 : 0) + " " + units[i];
};
const fmtClock = (s) => {
  s = Math.max(0, Math.floor(s));
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, "0")).join(":");
};
const fmtLeft = (s) => s == null ? "" : s > 86400 * 2 ? Math.round(s / 86400) + " days left" : s > 3600 ? (s / 3600).toFixed(1) + " h left" : Math.round(s / 60) + " min left";
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = shownText(text); return e; };

async function refreshStatus() {
  try {
    const s = await json("/api/status");
    state.status = s; state.statusAt = performance.now();
    renderStatus(s);
  } catch (e) { if (e.message !== "unauthorized") $("action-error").textContent = "Rig unreachable: " + shownText(e.message); }
}

function renderStatus(s) {
  $("rig-name").textContent = shownText(s.rig);
  document.title = (s.recording ? "● " : "") + "EdgeRig " + s.rig;
  const badge = $("state");
  badge.textContent = s.recording ? "RECORDING" : "IDLE";
  badge.className = "state " + (s.recording ? "recording" : "idle");
  $("session-name").textContent = shownText(s.recording ? (s.sessionName || s.sessionId) : (s.lastStopReason ? "last stop: " + s.lastStopReason : "ready"));
  const qa = $("qa");
  qa.hidden = !s.qaVerdict;
  if (s.qaVerdict) {
    qa.className = "small " + (s.qaVerdict === "pass" ? "ok" : s.qaVerdict === "warn" ? "warn" : "bad");
    qa.textContent = shownText("QA " + s.qaVerdict + (s.qaFindings.length ? ": " + s.qaFindings.join("; ") : ""));
  }
  if (!state.busy) { $("record").disabled = s.recording; $("stop").disabled = !s.recording; $("marker").disabled = !s.recording; }
  const gone = $("unavailable");
  gone.hidden = !s.unavailable || s.unavailable.length === 0;
  if (!gone.hidden) gone.textContent = shownText(s.unavailable.join("; "));
  const p = s.ptp;
  $("ptp").textContent = !p.enabled ? "off" : !p.available ? "n/a" : p.locked ? "locked" : "unlocked";
  $("ptp").className = "value " + (!p.enabled ? "warn" : p.locked ? "ok" : "bad");
  $("ptp-detail").textContent = p.offsetNs != null ? "offset " + p.offsetNs + " ns" : shownText(p.summary);
  $("disk").textContent = fmtBytes(s.diskFreeBytes);
  $("disk").className = "value " + (s.secondsLeft != null && s.secondsLeft < 1800 ? "bad" : "");
  $("disk-left").textContent = (fmtLeft(s.secondsLeft) || "") + (s.writeBytesPerSecond > 0 ? " at " + fmtBytes(s.writeBytesPerSecond) + "/s" : "");
  renderUpload(s.upload);
  const list = $("streams");
  list.replaceChildren(...s.streams.map((st) => {
    const li = el("li");
    li.dataset.stream = st.id;
    li.append(el("span", "dot" + (st.live ? "" : " stale")));
    const name = el("div");
    name.append(el("div", "stream-name", st.id), el("div", "muted small", st.modality + " · " + st.device + (st.live ? "" : " · STALE")));
    const rate = el("div", "stream-rate");
    rate.append(el("div", null, st.nominalHz > 0 ? st.rateHz.toFixed(1) + " Hz" : "events"));
    const drops = s.recording ? st.dropped + " dropped" : "±" + st.errorBoundMs.toFixed(2) + " ms";
    rate.append(el("div", "muted small" + (st.dropped > 0 ? " bad" : ""), drops));
    li.append(name, rate);
    return li;
  }));
}

// The upload card: backlog and rate, and the one session to act on (held or failed); hidden when the rig uploads nothing.
function renderUpload(u) {
  $("upload-tile").hidden = !u;
  if (!u) return;
  const trouble = u.held + u.failed > 0;
  $("upload").textContent = u.paused ? "paused" : u.backlogBytes > 0 ? fmtBytes(u.backlogBytes) + " left" : "up to date";
  $("upload").className = "value " + (trouble ? "bad" : u.paused ? "warn" : "ok");
  const parts = [];
  if (u.current) parts.push(u.current + " at " + fmtBytes(u.rateBytesPerSecond) + "/s");
  parts.push(u.uploaded + " uploaded, " + u.queued + " queued");
  if (u.problem) parts.push(u.problem);
  $("upload-detail").textContent = shownText(parts.join(" · "));
}

function renderElapsed() {
  const s = state.status;
  if (!s) return;
  const seconds = s.recording ? s.recordingSeconds + (performance.now() - state.statusAt) / 1000 : 0;
  $("elapsed").textContent = fmtClock(seconds);
}

async function refreshPreview() {
  if (document.hidden || $("app-view").hidden) return;
  try {
    const p = await json("/api/preview");
    renderCameras(p.cameras);
    renderAudio(p.audio);
    if (p.lidar[0]) drawLidar(p.lidar[0]);
    if (p.imu[0]) { state.imu.push(p.imu[0].accelMs2); if (state.imu.length > 120) state.imu.shift(); drawImu(p.imu[0]); }
  } catch { /* the status poll reports reachability */ }
}

function renderCameras(ids) {
  const box = $("cameras");
  for (const id of ids) {
    let fig = box.querySelector(`[data-camera="${id}"]`);
    if (!fig) {
      fig = el("figure"); fig.dataset.camera = id;
      fig.append(el("img"), el("figcaption", null, id));
      fig.querySelector("img").alt = "camera " + id;
      box.append(fig);
    }
    if (fig.dataset.loading) continue;
    fig.dataset.loading = "1";
    api("/api/preview/camera/" + encodeURIComponent(id) + "?width=320")
      .then((r) => r.status === 204 ? null : r.blob())
      .then((blob) => {
        if (!blob) return;
        const img = fig.querySelector("img");
        const old = img.src;
        img.src = URL.createObjectURL(blob);
        if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      })
      .catch(() => {})
      .finally(() => delete fig.dataset.loading);
  }
}

function renderAudio(levels) {
  const box = $("audio");
  box.replaceChildren(...levels.flatMap((a) => a.rmsDbfs.map((rms, ch) => {
    const row = el("div", "meter");
    const bar = el("div", "bar");
    const fill = el("span"); fill.style.width = Math.max(0, 100 + rms * 100 / 60) + "%";
    const peak = el("i"); peak.style.left = Math.max(0, 100 + a.peakDbfs[ch] * 100 / 60) + "%";
    bar.append(fill, peak);
    row.append(el("span", "muted", a.stream + " " + (a.rmsDbfs.length > 1 ? "LR"[ch] ?? ch : "")), bar, el("span", "muted", rms.toFixed(0) + " dBFS"));
    return row;
  })));
}

function drawLidar(scan) {
  const c = $("lidar"), g = c.getContext("2d"), w = c.width, h = c.height;
  const range = Math.max(1, scan.maxRangeM), scale = (w / 2 - 8) / range;
  g.clearRect(0, 0, w, h);
  g.strokeStyle = "#2a313a";
  for (let r = 1; r <= range; r++) { g.beginPath(); g.arc(w / 2, h / 2, r * scale, 0, 2 * Math.PI); g.stroke(); }
  g.fillStyle = "#3b82f6";
  for (const [x, y] of scan.points) g.fillRect(w / 2 - y * scale - 1, h / 2 - x * scale - 1, 3, 3);
  g.fillStyle = "#e8edf2"; g.beginPath(); g.arc(w / 2, h / 2, 4, 0, 2 * Math.PI); g.fill();
  $("lidar-caption").textContent = shownText(scan.stream) + " top-down, rings 1 m";
}

function drawImu(latest) {
  const c = $("imu"), g = c.getContext("2d"), w = c.width, h = c.height, n = state.imu.length;
  const max = Math.max(12, ...state.imu.flat().map(Math.abs));
  g.clearRect(0, 0, w, h);
  g.strokeStyle = "#2a313a"; g.beginPath(); g.moveTo(0, h / 2); g.lineTo(w, h / 2); g.stroke();
  ["#e5484d", "#2fbf71", "#3b82f6"].forEach((color, axis) => {
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    state.imu.forEach((v, i) => { const x = (i / Math.max(1, n - 1)) * w, y = h / 2 - (v[axis] / max) * (h / 2 - 6); i ? g.lineTo(x, y) : g.moveTo(x, y); });
    g.stroke();
  });
  g.fillStyle = "#8d99a6"; g.font = "20px system-ui";
  g.fillText(latest.accelMs2.map((v) => v.toFixed(1)).join("  "), 8, 24);
}

async function refreshSessions() {
  try {
    const sessions = await json("/api/sessions?limit=20");
    $("sessions").replaceChildren(...sessions.map((s) => {
      const li = el("li"); li.dataset.session = s.id;
      const top = el("div", "row");
      const verdictClass = s.verdict === "recording" ? " recording" : s.verdict.startsWith("check") ? " check" : "";
      top.append(el("span", "name", s.name || s.id), el("span", "verdict" + verdictClass, s.verdict));
      const when = new Date(s.startMs).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      const detail = el("div", "muted small", `${when} · ${fmtClock(s.seconds)} · ${s.markers} marker${s.markers === 1 ? "" : "s"} · ${fmtBytes(s.bytes)}`);
      li.append(top, detail);
      return li;
    }));
  } catch { /* reported by the status poll */ }
}

async function act(button, work) {
  state.busy = true;
  $("action-error").textContent = "";
  ["record", "stop", "marker"].forEach((id) => ($(id).disabled = true));
  try { await work(); } catch (e) { $("action-error").textContent = shownText(e.message); } finally {
    state.busy = false;
    await refreshStatus();
    await refreshSessions();
  }
}

$("login-form").addEventListener("submit", (e) => { e.preventDefault(); login($("token").value.trim()); });
$("logout").addEventListener("click", () => logout(""));
$("record").addEventListener("click", () => act("record", () => post("/api/record/start", { name: "field " + new Date().toLocaleTimeString() })));
$("stop").addEventListener("click", () => act("stop", () => post("/api/record/stop")));
$("marker").addEventListener("click", () => act("marker", async () => {
  const m = await post("/api/marker", { label: "marker" });
  state.markers = (state.markers || 0) + 1;
  $("last-marker").textContent = `⚑ ${shownText(m.label)} at ${new Date(m.rigTimeMs).toLocaleTimeString()} (${state.markers} this visit)`;
}));

if (token()) login(token()); else showLogin();
