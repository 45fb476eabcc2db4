"use strict";
// The desk's page: its words from the server's catalogue (the texts
// element), its data from api/, each request signed with the Mini App's
// initData in its header. A view is a function in views (name → draw),
// reached at #/name/args; it gathers everything it shows, then paints it
// at once and marks the page ready (body[data-ready]): whoever waits on
// the page — its tests — sees nothing half-arrived.
const T = JSON.parse(document.getElementById("texts").textContent);
const BASE = location.pathname.replace(/[^/]*$/, "");
const API = BASE + "api/";

// ---- Small helpers.
const $ = id => document.getElementById(id);
const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
function fmt(s) { let i = 1; const a = arguments; return String(s).replace(/%[sd]/g, () => a[i++]); }
function toast(text) { const t = $("toast"); t.textContent = text; t.hidden = false; clearTimeout(toast.t); toast.t = setTimeout(() => { t.hidden = true; }, 3500); }
const numeric = /^-?\d+(\.\d+)?$/;
const enc = encodeURIComponent;

// ---- Theme: Telegram's colours, light or dark, and its changes while open.
function applyTheme(t) {
  const root = document.documentElement;
  for (const k in t || {}) {
    if (/^[a-z_]+$/.test(k) && /^#[0-9a-f]{3,8}$/i.test(String(t[k]))) root.style.setProperty("--tg-theme-" + k.replace(/_/g, "-"), t[k]);
  }
  const bg = t && t.bg_color;
  if (bg && /^#[0-9a-f]{6}$/i.test(bg)) {
    const n = parseInt(bg.slice(1), 16), lum = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
    root.classList.toggle("dark", lum < 128);
    root.classList.toggle("light", lum >= 128);
  }
}
applyTheme(tg.launch.theme);
tg.on("theme_changed", d => { if (d && d.theme_params) applyTheme(d.theme_params); });
tg.on("back_button_pressed", () => goUp());

// ---- The API.
// place is the page's place (a campaign and a unit of the person's): the
// desk's URL names it (?campaign=…&unit=…&place=…), me says which it is,
// and every request names it; the server checks each against the person.
let place = "";
function scoped(path) { return place ? path + (path.includes("?") ? "&" : "?") + "place=" + enc(place) : path; }
class APIError extends Error { constructor(status, msg) { super(msg); this.status = status; } }
async function call(path, body) {
  // Signed by Telegram's initData; without it (in WeCom) by the session cookie.
  const opt = { headers: tg.launch.initData ? { Authorization: "tma " + tg.launch.initData } : {} };
  if (body !== undefined) { opt.method = "POST"; opt.body = JSON.stringify(body); opt.headers["Content-Type"] = "application/json"; }
  const r = await fetch(API + scoped(path), opt);
  if (!r.ok) {
    let data = null;
    try { data = await r.json(); } catch (e) {}
    throw new APIError(r.status, (data && data.error) || r.statusText);
  }
  return r;
}
async function api(path, body) { return (await call(path, body)).json(); }
// image fetches a picture of the API and decodes it: shown at once.
async function image(path) {
  const blob = await (await call(path)).blob();
  const img = new Image();
  img.alt = "";
  img.src = URL.createObjectURL(blob);
  await img.decode();
  return img;
}

// ---- Views and their drawing.
const view = $("view");
const views = {};
let me = null, queue = null, gen = 0;
// current is where the page is; up is where Telegram's back button goes:
// a unit's desk goes to its parent's, anything else to the desk it came from.
const current = { unit: "", up: "" };
function home() { return me && me.reviews ? "#/desk/" + me.unit : "#/mine"; }
function goUp() { location.hash = current.up || home(); }

// drawn marks a view as drawn (and counts the drawings).
function drawn(name) { const b = document.body.dataset; b.ready = name; b.n = String(Number(b.n || 0) + 1); b.t = String(Math.round(performance.now())); }

// paint shows a view's page if the view is still the one asked for (a
// later tap may have moved on), with its tab, then runs after (wiring,
// measuring) and marks the page ready.
function paint(live, name, tab, html, after) {
  if (!live()) return false;
  tabs(tab);
  view.innerHTML = html;
  if (after) after();
  hints();
  drawn(name);
  return true;
}

function stateWord(s) { return (T.states && T.states[s]) || s; }
function pill(state, word, late, attrs) {
  const cls = "st s-" + esc(state) + (late ? " late" : "");
  const title = late ? ' title="' + esc(T.late) + '"' : "";
  return attrs ? '<button class="' + cls + '"' + title + " " + attrs + ">" + esc(word) + "</button>" : '<span class="' + cls + '"' + title + ">" + esc(word) + "</span>";
}

function tabs(active) {
  const list = [];
  if (me.reviews) {
    list.push(["desk", "#/desk/" + me.unit, esc(T.tabDesk)]);
    list.push(["queue", "#/queue", esc(T.tabQueue) + (queue && queue.length ? '<span class="badge">' + queue.length + "</span>" : "")]);
    list.push(["trend", "#/trend/" + (current.unit || me.unit), esc(T.tabTrend)]);
    list.push(["export", "#/export/" + (current.unit || me.unit), esc(T.tabExport)]);
  }
  if (!me.reviews || me.fills) list.push(["mine", "#/mine", esc(T.tabMine)]);
  $("tabs").innerHTML = list.length > 1 ? list.map(t => '<a href="' + t[1] + '"' + (t[0] === active ? ' class="on"' : "") + ">" + t[2] + "</a>").join("") : "";
  if (location.hash === home()) current.up = "";
  tg.backButton(location.hash !== "" && location.hash !== home());
}

// hints marks each table wider than the screen: a line above it says it
// scrolls (and how many columns it has), an edge shows there is more.
function hints() {
  view.querySelectorAll(".tbl").forEach(t => {
    const sc = t.querySelector(".scroll"), hint = t.querySelector(".scroll-hint");
    if (!sc || !hint) return;
    const over = sc.scrollWidth > sc.clientWidth + 16; // a column or more out of sight, not a few pixels
    hint.hidden = !over;
    t.classList.toggle("more", over);
    if (over) sc.addEventListener("scroll", () => t.classList.toggle("more", sc.scrollLeft + sc.clientWidth < sc.scrollWidth - 2), { passive: true });
  });
}

// ---- A unit's return of a form, as the notice's table. The first column
// stays while the table scrolls sideways; a list's rows (parks) are also
// cards, one per row, which a narrow screen shows instead of the table.
function headerRows(header) {
  const taken = [];
  return header.map((hr, ri) => {
    let col = 0, out = "<tr>";
    for (const c of hr) {
      while (taken[ri] && taken[ri][col]) col++;
      const cs = c.colspan || 1, rs = c.rowspan || 1;
      for (let r = ri + 1; r < ri + rs; r++) {
        taken[r] = taken[r] || {};
        for (let k = col; k < col + cs; k++) taken[r][k] = true;
      }
      out += "<th" + (col === 0 && cs === 1 ? ' class="c0"' : "") + (cs > 1 ? ' colspan="' + cs + '"' : "") + (rs > 1 ? ' rowspan="' + rs + '"' : "") + ">" + esc(c.text) + "</th>";
      col += cs;
    }
    return out + "</tr>";
  }).join("");
}
function cells(r) { return r.map((v, i) => "<td" + (i === 0 ? ' class="c0' + (numeric.test(v) ? " n" : "") + '"' : numeric.test(v) ? ' class="n"' : "") + ">" + esc(v) + "</td>").join(""); }
function rowCards(s) {
  const rows = s.rows || [];
  if (!rows.length) return '<div class="cards"><p class="muted">' + esc(T.noRows) + "</p></div>";
  const card = (head, vals, cls) => {
    let h = '<div class="rowcard' + cls + '"><div class="rc-h">' + esc(head) + "</div><dl>";
    vals.forEach((v, i) => {
      if (i === 0 && !cls) return; // the name is the card's head
      if (cls && v === "") return;
      h += "<dt>" + esc(s.columns[i]) + "</dt><dd" + (numeric.test(v) ? ' class="n"' : "") + ">" + esc(v === "" ? "——" : v) + "</dd>";
    });
    return h + "</dl></div>";
  };
  let h = '<div class="cards">';
  for (const r of rows) h += card((s.lead ? r[0] + ". " : "") + (s.lead ? r[1] : r[0]), s.lead ? r.slice(1) : r, "");
  if (s.total) h += card(s.total[0], s.lead ? s.total.slice(1) : s.total, " total");
  return h + "</div>";
}
function returnTables(ret) {
  if (!ret.sections.some(s => s.rows && s.rows.length)) return '<p class="muted">' + esc(T.noData) + "</p>";
  let h = "";
  for (const s of ret.sections) {
    if (s.title) h += '<div class="sec-title">' + esc(s.title) + "</div>";
    h += '<div class="tbl k-' + esc(s.kind) + '">';
    if (s.kind === "list") h += rowCards(s);
    h += '<div class="scroll-hint" hidden>' + esc(fmt(T.scrollHint, s.columns.length + (s.lead ? 1 : 0))) + "</div>";
    h += '<div class="scroll"><table class="ret"><thead>' + headerRows(s.header) + "</thead><tbody>";
    for (const r of s.rows || []) h += "<tr>" + cells(r) + "</tr>";
    if (s.total) h += '<tr class="total">' + cells(s.total) + "</tr>";
    h += "</tbody></table></div></div>";
  }
  return h;
}

// returnedNote is a returned form's reason, who returned it, and what to
// correct; for the form's own unit each item is a way into the chat.
function returnedNote(r, editable) {
  if (!r) return "";
  let h = '<div class="returned" id="returned"><div class="rt">' + esc(fmt(T.returnedBy, r.by || "", r.at || "")) + "</div>";
  h += '<div class="reason"><b>' + esc(T.reasonLabel) + "</b>" + esc(r.reason) + "</div>";
  h += '<div class="muted">' + esc(T.toFix) + (r.items.length ? "" : esc(T.wholeForm)) + "</div>";
  for (const it of r.items) {
    h += editable ? '<a class="dl fix" href="#" data-section="' + esc(it.section) + '" data-row="' + esc(it.row || "") + '" data-field="' + esc(it.field || "") + '"><span>' + esc(it.label) + '</span><span class="go">' + esc(T.edit) + " ›</span></a>"
      : '<div class="fixitem">' + esc(it.label) + "</div>";
  }
  return h + "</div>";
}

// ---- The desk: the subtree's matrix.
let lastDesk = null;
views.desk = async (args, live) => {
  const unit = args[0] || me.unit;
  current.unit = unit;
  const [d] = await Promise.all([api("desk?unit=" + enc(unit)), loadQueue()]);
  lastDesk = d;
  current.up = d.path.length > 1 ? "#/desk/" + d.path[d.path.length - 2].code : "";
  let h = '<div class="card">';
  h += '<div class="crumbs">' + d.path.map((p, i) => i === d.path.length - 1 ? "<b>" + esc(p.name) + "</b>" : '<a href="#/desk/' + esc(p.code) + '">' + esc(p.name) + '</a><span class="sep">›</span>').join("") + "</div>";
  h += '<div class="muted">' + esc(fmt(T.asOf, d.at)) + " · " + esc(fmt(T.units, d.rows.length)) + " · " + (d.late ? '<span class="err">' + esc(fmt(T.lateUnits, d.late)) + "</span>" : esc(T.noLate)) + "</div>";
  if (d.owes && d.owes.length) h += '<div id="owes">' + esc(T.owes) + d.owes.map(o => '<span class="owe">' + esc(o.short) + " " + pill(o.state, o.word, o.late) + ' <span class="muted">' + esc(fmt(T.due, o.due.replace(/^\d+年/, ""))) + "</span></span>").join("") + "</div>";
  h += '<div class="tbl"><div class="scroll-hint" hidden>' + esc(fmt(T.scrollHint, d.forms.length + 1)) + '</div><div class="scroll"><table class="matrix" id="matrix"><thead><tr><th class="u">' + esc(T.unitCol) + "</th>";
  for (const f of d.forms) h += '<th title="' + esc(f.title) + '">' + esc(f.short) + (f.due ? "<small>" + esc(fmt(T.due, f.due.replace(/^\d+年/, ""))) + "</small>" : "") + "</th>";
  h += "</tr></thead><tbody>";
  for (const r of d.rows) {
    const name = r.own ? esc(r.unit.name) + '<span class="muted">（' + esc(T.own) + "）</span>" : esc(r.unit.name);
    h += "<tr" + (r.late ? ' class="late"' : "") + ' data-unit="' + esc(r.unit.code) + '"><th class="u">' + (r.drill ? '<a href="#/desk/' + esc(r.unit.code) + '">' + name + " ›</a>" : name) + (r.late ? '<span class="tag">' + esc(T.late) + "</span>" : "") + "</th>";
    r.cells.forEach((c, i) => {
      let go = "";
      if (c.state.startsWith("pkg_")) go = "#/desk/" + r.unit.code;
      else if (c.state !== "na") go = "#/cell/" + r.unit.code + "/" + d.forms[i].id;
      h += '<td data-state="' + esc(c.state) + '">' + pill(c.state, c.word, c.late, go ? 'data-go="' + esc(go) + '"' : "") + "</td>";
    });
    h += "</tr>";
  }
  h += "</tbody><tfoot>";
  for (const s of ["approved", "submitted", "returned", "draft", "none", "exempt", "not_received", "pkg_approved", "pkg_submitted", "pkg_returned", "pkg_ready", "pkg_none", "pkg_exempt", "pkg_not_received"]) {
    if (!d.counts.some(c => c[s])) continue;
    h += '<tr data-count="' + s + '"><th class="u">' + pill(s, stateWord(s)) + "</th>" + d.counts.map(c => "<td>" + (c[s] || 0) + "</td>").join("") + "</tr>";
  }
  h += "</tfoot></table></div></div>";
  h += '<div class="muted gap">' + esc(T.hint) + "</div></div>";
  paint(live, "desk", "desk", h, () => {
    view.querySelectorAll("[data-go]").forEach(b => b.addEventListener("click", () => { location.hash = b.dataset.go; }));
  });
};

// ---- A cell: a unit's return, its history, and 通过 / 退回 when it waits.
views.cell = async (args, live) => {
  const [unit, form] = args;
  current.unit = unit;
  const [ret, q] = await Promise.all([api("return?unit=" + enc(unit) + "&form=" + enc(form)), loadQueue()]);
  const up = ret.unit.code === me.unit || !ret.unit.parent ? me.unit : ret.unit.parent;
  current.up = me.reviews ? "#/desk/" + up : "#/mine";
  let h = '<div class="card"><div class="crumbs"><a href="' + esc(current.up) + '">' + esc(T.back) + "</a></div>";
  h += "<h2>" + esc(ret.unit.name) + " · " + esc(ret.form) + "</h2>";
  h += '<div id="cell-state">' + pill(ret.state, ret.word) + (ret.version ? ' <span class="muted">' + esc(fmt(T.version, ret.version)) + "</span>" : "") + "</div>";
  h += returnedNote(ret.returned, false);
  h += '<div id="cell-table">' + returnTables(ret) + "</div></div>";
  for (const it of q.filter(i => i.unit === unit && i.form === form && !i.package)) h += queueCard(it, false);
  if (ret.changes && ret.changes.length) h += '<div class="card"><h2>' + esc(fmt(T.changes, ret.since)) + '</h2><ul class="changes">' + ret.changes.map(c => "<li>" + esc(c) + "</li>").join("") + "</ul></div>";
  if (ret.history && ret.history.length) h += '<div class="card"><h2>' + esc(T.history) + '</h2><ul class="hist" id="history">' + ret.history.map(e => "<li>" + esc(e.at) + " · " + esc(fmt(T.version, e.version)) + " · <b>" + esc(e.word) + "</b>" + (e.by ? " · " + esc(e.by) : "") + (e.reason ? '<div class="muted">' + esc(e.reason) + "</div>" : "") + "</li>").join("") + "</ul></div>";
  paint(live, "cell", "desk", h, () => wireQueue(() => route()));
};

// ---- The queue: 通过 / 退回 one by one, or 全部通过 for those chosen,
// through the same engine as the chat.
async function loadQueue(fresh) {
  if (!me.reviews) return [];
  if (!queue || fresh) queue = await api("queue");
  return queue;
}
function queueCard(it, pickable) {
  let h = '<div class="card q" data-id="' + it.id + '"><div class="qhead"><h2>' + esc(it.unitName) + " · " + esc(it.title) + "</h2>";
  if (pickable && !it.inChat) h += '<label class="pick"><input type="checkbox" data-pick="' + it.id + '"><span>' + esc(T.pick) + "</span></label>";
  h += '</div><div class="muted">' + esc(it.line) + (it.warned ? ' <span class="warn">' + esc(T.warned) + "</span>" : "") + "</div>";
  h += '<details><summary class="muted">' + esc(T.figures) + '</summary><pre class="fig">' + esc(it.text) + "</pre></details>";
  if (it.inChat) h += '<p class="muted">' + esc(T.inChat) + "</p>";
  h += '<div class="row"><button class="btn" data-act="approve"' + (it.inChat ? " disabled" : "") + ">" + esc(T.approve) + '</button><button class="btn danger" data-act="return">' + esc(T.return) + "</button>";
  if (it.inChat && me.bot) h += '<a class="btn alt" data-chat href="https://t.me/' + esc(me.bot) + '">' + esc(T.openChat) + "</a>";
  h += '</div><div class="returning" hidden><p><label>' + esc(T.reason) + '<textarea maxlength="500"></textarea></label></p>';
  if (it.items && it.items.length) h += '<div class="muted">' + esc(T.flags) + "</div>" + it.items.map(f => '<label class="flag"><input type="checkbox" value="' + esc(f.key) + '"><span>' + esc(f.label) + "</span></label>").join("");
  h += '<div class="row"><button class="btn danger" data-act="send">' + esc(T.sendReturn) + '</button><button class="btn alt" data-act="cancel">' + esc(T.cancel) + "</button></div></div></div>";
  return h;
}
function wireQueue(after) {
  view.querySelectorAll("a[data-chat]").forEach(a => a.addEventListener("click", e => { e.preventDefault(); tg.openTelegramLink(a.href); }));
  view.querySelectorAll(".card.q").forEach(card => {
    const id = Number(card.dataset.id), ret = card.querySelector(".returning");
    const act = async body => {
      card.querySelectorAll("button").forEach(b => { b.disabled = true; });
      let said = "";
      try { said = (await api("review", Object.assign({ submission: id }, body))).done; } catch (e) { said = e.message; }
      await loadQueue(true);
      await after();
      toast(said);
    };
    card.querySelector('[data-act="approve"]').addEventListener("click", () => act({ approve: true }));
    card.querySelector('[data-act="return"]').addEventListener("click", () => { ret.hidden = false; ret.querySelector("textarea").focus(); });
    card.querySelector('[data-act="cancel"]').addEventListener("click", () => { ret.hidden = true; });
    card.querySelector('[data-act="send"]').addEventListener("click", () => {
      const reason = ret.querySelector("textarea").value.trim();
      if (!reason) { toast(T.reasonRequired); return; }
      act({ approve: false, reason: reason, flags: Array.from(ret.querySelectorAll("input:checked")).map(i => i.value) });
    });
  });
}
views.queue = async (args, live) => {
  current.up = "";
  const q = await loadQueue(true);
  const pickable = q.filter(i => !i.inChat);
  let h = q.length ? q.map(it => queueCard(it, true)).join("") : '<div class="card muted">' + esc(T.queueEmpty) + "</div>";
  if (pickable.length) {
    h += '<div class="batchbar" id="batchbar"><button class="btn alt" data-act="all">' + esc(T.pickAll) + '</button><button class="btn" data-act="batch" disabled></button></div>';
    h += '<div class="card batch" id="batch" hidden></div>';
  }
  paint(live, "queue", "queue", h, () => {
    wireQueue(() => route());
    const bar = $("batchbar");
    if (!bar) return;
    const picks = () => Array.from(view.querySelectorAll("input[data-pick]"));
    const chosen = () => picks().filter(i => i.checked).map(i => Number(i.dataset.pick));
    const go = bar.querySelector('[data-act="batch"]');
    const count = () => { const n = chosen().length; go.disabled = n === 0; go.textContent = fmt(T.approveChosen, n); };
    picks().forEach(i => i.addEventListener("change", count));
    bar.querySelector('[data-act="all"]').addEventListener("click", () => { const all = picks().some(i => !i.checked); picks().forEach(i => { i.checked = all; }); count(); });
    count();
    go.addEventListener("click", () => {
      const ids = chosen(), box = $("batch");
      const items = q.filter(i => ids.includes(i.id));
      let b = "<h2>" + esc(fmt(T.batchAsk, items.length)) + '</h2><ol class="batchlist">' + items.map(i => "<li>" + esc(i.line) + (i.warned ? ' <span class="warn">' + esc(T.warned) + "</span>" : "") + "</li>").join("") + "</ol>";
      b += '<div class="row"><button class="btn" data-act="yes">' + esc(fmt(T.confirmChosen, items.length)) + '</button><button class="btn alt" data-act="no">' + esc(T.cancel) + "</button></div>";
      box.innerHTML = b;
      box.hidden = false;
      bar.hidden = true;
      box.scrollIntoView({ block: "center" });
      box.querySelector('[data-act="no"]').addEventListener("click", () => { box.hidden = true; bar.hidden = false; });
      box.querySelector('[data-act="yes"]').addEventListener("click", async () => {
        box.querySelectorAll("button").forEach(x => { x.disabled = true; });
        let said = "";
        try { said = (await api("approve", { submissions: ids })).done; } catch (e) { said = e.message; }
        await loadQueue(true);
        await route();
        toast(said);
      });
    });
  });
};

// ---- Progress over time, the key totals, the chart per unit.
function lineChart(t) {
  const W = 360, H = 170, L = 30, R = 12, B = 20, days = t.days, top = Math.max(t.total, 1);
  // One day is a point in the middle, not a line of no length.
  const x = i => days.length === 1 ? (L + W - R) / 2 : L + (W - L - R) * i / (days.length - 1), y = v => 10 + (H - B - 10) * (1 - v / top);
  const pts = key => days.map((d, i) => x(i).toFixed(1) + "," + y(d[key]).toFixed(1)).join(" ");
  let s = '<svg viewBox="0 0 ' + W + " " + H + '" width="100%" role="img" id="daily">';
  for (const v of [0, Math.round(top / 2), top]) s += '<line class="grid" x1="' + L + '" x2="' + (W - R) + '" y1="' + y(v) + '" y2="' + y(v) + '"/><text x="' + (L - 4) + '" y="' + (y(v) + 4) + '" text-anchor="end">' + v + "</text>";
  if (!days.length) return s + "</svg>";
  const first = days[0], last = days[days.length - 1];
  if (days.length === 1) s += '<text x="' + x(0) + '" y="' + (H - 4) + '" text-anchor="middle">' + esc(first.date) + "</text>";
  else s += '<text x="' + L + '" y="' + (H - 4) + '">' + esc(first.date) + '</text><text x="' + (W - R) + '" y="' + (H - 4) + '" text-anchor="end">' + esc(last.date) + "</text>";
  for (const key of ["submitted", "approved"]) {
    if (days.length > 1) s += '<polyline class="ln ln-' + key + '" points="' + pts(key) + '"/>';
    if (days.length <= 31) days.forEach((d, i) => { s += '<circle class="pt pt-' + key + '" cx="' + x(i).toFixed(1) + '" cy="' + y(d[key]).toFixed(1) + '" r="' + (days.length === 1 ? 5 : 3) + '"/>'; });
  }
  // One day: its figures beside its points (the line's ends are in the
  // legend above).
  if (days.length === 1) {
    const lx = x(0) + 10, ys = Math.min(y(last.submitted), H - B - 18), ya = Math.min(y(last.approved) + 16, H - B - 2);
    s += '<text class="val val-submitted" x="' + lx + '" y="' + ys + '">' + esc(T.inHand) + " " + last.submitted + "</text>";
    s += '<text class="val val-approved" x="' + lx + '" y="' + Math.max(ya, ys + 16) + '">' + esc(T.approvedLine) + " " + last.approved + "</text>";
  }
  return s + "</svg>";
}
views.trend = async (args, live) => {
  const unit = args[0] || me.unit;
  current.unit = unit;
  current.up = "#/desk/" + unit;
  const [t, totals, chart] = await Promise.all([api("timeline?unit=" + enc(unit)), api("totals?unit=" + enc(unit)), image("chart?unit=" + enc(unit)), loadQueue()]);
  const last = t.days.length ? t.days[t.days.length - 1] : { submitted: 0, approved: 0 };
  let h = '<div class="card"><h2>' + esc(T.trend) + '</h2><div class="muted">' + esc(fmt(T.ofTotal, t.total)) + ' · <span class="c-sub">■ ' + esc(T.inHand) + " " + last.submitted + '</span> · <span class="c-ok">■ ' + esc(T.approvedLine) + " " + last.approved + "</span></div>";
  h += '<div class="bar"><i class="b-ok"></i><i class="b-sub"></i></div>';
  h += t.days.length ? lineChart(t) : '<p class="muted">' + esc(T.noEvents) + "</p>";
  h += '</div><div class="card"><h2>' + esc(T.totals) + "</h2>" + (totals.length ? totals.map(x => "<p><b>" + esc(x.form) + "</b><br>" + esc(x.text) + "</p>").join("") : '<p class="muted">' + esc(T.noTotals) + "</p>") + "</div>";
  h += '<div class="card"><h2>' + esc(T.chart) + '</h2><div id="chart"></div></div>';
  paint(live, "trend", "trend", h, () => {
    const total = Math.max(t.total, 1);
    view.querySelector(".bar .b-ok").style.width = (100 * last.approved / total) + "%";
    view.querySelector(".bar .b-sub").style.width = (100 * (last.submitted - last.approved) / total) + "%";
    chart.className = "chartimg";
    $("chart").appendChild(chart);
  });
};

// ---- Downloads of the view: as /export and `tianbao export` write them.
// The file is made when asked for and handed to Telegram behind a link
// that serves it for a few minutes, a few times.
views.export = async (args, live) => {
  const unit = args[0] || me.unit;
  current.unit = unit;
  current.up = "#/desk/" + unit;
  // The unit's name and forms: from the desk just shown, else asked for.
  const [d] = await Promise.all([lastDesk && lastDesk.unit.code === unit ? lastDesk : api("desk?unit=" + enc(unit)), loadQueue()]);
  const link = (form, format, label, cls) => '<a class="dl' + cls + '" href="#" data-form="' + esc(form) + '" data-format="' + format + '">' + label + "</a>";
  let h = '<div class="card"><h2>' + esc(d.unit.name) + '</h2><div class="muted">' + esc(fmt(T.exportNote, d.unit.name)) + "</div>";
  h += link("", "xlsx", "<span>" + esc(T.exportAll) + "</span><span>⬇</span>", "");
  h += link("", "zip", "<span>" + esc(T.exportZip) + "</span><span>⬇</span>", "");
  for (const f of d.forms) {
    h += '<div class="dlrow"><span><b>' + esc(f.short) + "</b> " + esc(f.title) + '</span><span class="dlbtns">' + link(f.id, "xlsx", "XLSX", " btn alt") + link(f.id, "csv", "CSV", " btn alt") + "</span></div>";
  }
  h += '<p class="muted">' + esc(T.downloadNote) + "</p></div>";
  paint(live, "export", "export", h, () => {
    view.querySelectorAll("a.dl").forEach(a => a.addEventListener("click", async e => {
      e.preventDefault();
      if (a.classList.contains("busy")) return;
      a.classList.add("busy");
      toast(T.preparing);
      try {
        const r = await api("download", { unit: unit, form: a.dataset.form, format: a.dataset.format });
        const url = new URL(r.link, location.href).href;
        const how = await tg.download(url, r.name);
        toast(fmt(how === "downloading" ? T.downloading : how === "cancelled" ? T.dlCancelled : T.downloadOpened, r.name, r.expires));
      } catch (x) {
        toast(x.message);
      } finally {
        a.classList.remove("busy");
      }
    }));
  });
};

// ---- A filler's own unit: each form, its progress, its table; a returned
// form's reason and flagged items first; and the way back into the chat
// at a question.
views.mine = async (args, live) => {
  current.up = "";
  const [forms] = await Promise.all([api("mine"), loadQueue()]);
  let h = forms.length ? "" : '<div class="card muted">' + esc(T.noForms) + "</div>";
  for (const f of forms) {
    const ret = f.return;
    const progress = /^0\/0$/.test(f.progress) ? "" : ' <span class="muted">' + esc(fmt(T.progress, f.progress)) + "</span>";
    h += '<div class="card mine" data-form="' + esc(f.id) + '"><h2>' + esc(f.name) + "</h2><div>" + pill(ret.state, ret.word) + (ret.version ? ' <span class="muted">' + esc(fmt(T.version, ret.version)) + "</span>" : "") + progress + "</div>";
    h += returnedNote(ret.returned, f.open);
    h += returnTables(ret);
    if (ret.state === "submitted") h += '<p class="muted">' + esc(T.submittedNote) + "</p>";
    // The form on this page (form.js), or the chat at the form.
    if (f.open) h += '<div class="row"><a class="btn" href="#/form/' + esc(enc(f.id)) + '">' + esc(ret.state === "none" ? T.fillHereStart : T.fillHere) + '</a><button class="btn alt" data-open="' + esc(f.id) + '">' + esc(ret.state === "none" ? T.startForm : T.openForm) + "</button></div>";
    if (f.fields && f.fields.length) {
      h += '<div class="sec-title">' + esc(ret.returned ? T.otherFields : T.fieldsTitle) + "</div>";
      h += f.fields.map(x => '<a class="dl field" href="#" data-section="' + esc(x.section) + '" data-row="' + esc(x.row || "") + '" data-field="' + esc(x.field) + '"><span>' + esc(x.label) + '</span><span class="go">' + esc(x.answered ? T.edit : T.fill) + " ›</span></a>").join("");
    }
    h += "</div>";
  }
  paint(live, "mine", "mine", h, () => {
    const goTo = async (el, where) => {
      try {
        const r = await api("goto", Object.assign({ Form: el.closest(".mine").dataset.form }, where));
        toast(r.done);
        if (tg.inTelegram) setTimeout(() => tg.close(), 900);
      } catch (x) { toast(x.message); }
    };
    view.querySelectorAll(".mine a.dl").forEach(a => a.addEventListener("click", e => { e.preventDefault(); goTo(a, { Section: a.dataset.section, Row: a.dataset.row, Field: a.dataset.field }); }));
    view.querySelectorAll(".mine [data-open]").forEach(b => b.addEventListener("click", () => goTo(b, {})));
  });
};

// ---- Routes: #/desk/UNIT, #/cell/UNIT/FORM, #/queue, #/trend/UNIT,
// #/export/UNIT, #/mine (and whatever else registers in views).
async function route() {
  const my = ++gen, live = () => my === gen;
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  document.body.dataset.ready = "";
  $("toast").hidden = true; // the last action's word stays with its view
  const v = views[parts[0]];
  if (!v) {
    location.replace(me.reviews ? "#/desk/" + (new URLSearchParams(location.search).get("unit") || me.unit) : "#/mine");
    return;
  }
  try {
    await v(parts.slice(1), live);
  } catch (e) {
    if (live()) fail(e);
  }
}
function fail(e) {
  const text = e.status === 401 ? T.expired : fmt(T.failed, e.message);
  view.innerHTML = '<div class="card err" id="error">' + esc(text) + "</div>";
  drawn("error");
}

async function start() {
  document.title = T.title;
  tg.ready();
  view.innerHTML = '<div class="card muted">' + esc(T.loading) + "</div>";
  try {
    me = await api("me" + location.search);
  } catch (e) {
    $("title").textContent = T.title;
    // Neither Telegram's initData nor a WeCom session: say where to open it.
    if (!tg.launch.initData && e.status === 401) { view.innerHTML = '<div class="card err" id="error">' + esc(T.noInitData) + "</div>"; drawn("error"); return; }
    return fail(e);
  }
  place = String(me.place);
  $("title").textContent = me.title;
  $("who").textContent = me.unitName + " · " + me.role + (me.name ? " · " + me.name : "");
  // Someone with places in several campaigns or units switches here; the
  // page starts again at the place chosen.
  if (me.places.length > 1) {
    const sel = $("place");
    sel.innerHTML = me.places.map(p => '<option value="' + p.id + '"' + (p.id === me.place ? " selected" : "") + ">" + esc(p.short + " · " + p.unitName + " · " + p.role) + "</option>").join("");
    sel.hidden = false;
    sel.addEventListener("change", () => { location.href = location.pathname + "?place=" + enc(sel.value); });
  }
  window.addEventListener("hashchange", route);
  route();
}
start();
