"use strict";
// The form on the page (#/form/FORM[/SECTION/ROW/FIELD]): a form of the
// filler's own unit, whole — record fields as a form, a table as a grid
// (first column and header frozen), a list as a card per row with a blank
// card that becomes a row as it is filled. Every cell is sent to the
// server as it is left (Enter, the keyboard's 下一项, or a tap elsewhere)
// and checked there by the chat's own code; the page shows what the server
// answers: the value as stored, why a value was refused, the rules that
// fail at every cell they read, soft warnings with 确认无误, a backup
// contact's change. Saves go one at a time, in order, while the person
// types on: the focus moves to the next cell at once.
const FM = {
  id: "", model: null, returned: null, version: 0,
  chain: Promise.resolve(), pending: 0, saved: 0,
  notes: {},      // key → a message of the last save of that cell: {kind, text, mine}
  selfSaved: {},  // key → saved by this page in the answer being shown
  tried: false,   // a submission was refused: missing cells say so
  theirs: {},     // key → a backup contact changed it
  sheetIssues: [], // the cells a template uploaded left to see to: {s, r, d, t, w, u}
};
const keyOf = (s, r, f) => s + "|" + r + "|" + f;

// formCall posts (or gets) and returns the answer of a refusal (422) or a
// conflict (409) as well as a success: each carries the form as it stands.
async function formCall(path, body) {
  const opt = { headers: { Authorization: "tma " + tg.launch.initData } };
  if (body !== undefined) { opt.method = "POST"; opt.body = JSON.stringify(body); opt.headers["Content-Type"] = "application/json"; }
  const r = await fetch(API + scoped(path), opt);
  let data = null;
  try { data = await r.json(); } catch (e) {}
  if (r.ok || ((r.status === 409 || r.status === 422) && data && data.form)) return data;
  throw new APIError(r.status, (data && data.error) || r.statusText);
}

function busy(delta) {
  FM.pending += delta;
  document.body.dataset.pending = String(FM.pending);
  if (delta < 0) document.body.dataset.saved = String(++FM.saved);
}

// ---- Reading the model.
function cellAt(m, s, r, f) {
  const sec = m.sections.find(x => x.id === s);
  const row = sec && sec.rows.find(x => x.key === r);
  return row && row.cells.find(c => c.field === f);
}
function fieldOf(m, s, f) {
  const sec = m.sections.find(x => x.id === s);
  return sec && sec.fields.find(x => x.id === f);
}
function rowShape(row) {
  return row.cells.map(c => (c.asked ? "a" : "-") + (c.readOnly ? "r" : "") + (c.blank ? "b" : "") + (c.offered ? "[" + c.offered.join("/") + "]" : "")).join(".");
}
function ghostShape(sec) { return sec.fields.map(() => "a").join("."); }
// The model's shape: what would draw differently (rows, which cells are
// asked, whether a list takes another row). Values and messages are
// updated in place; a new shape draws the sections anew.
function modelShape(m) {
  return String(m.editable) + "#" + m.sections.map(s => s.id + ":" + s.rows.map(r => r.key + "=" + rowShape(r)).join(",") + (s.canAdd ? "+" + ghostShape(s) : "")).join(";");
}
function domShape() {
  const form = $("fm-sections");
  if (!form) return "";
  return form.dataset.editable + "#" + Array.from(form.querySelectorAll("[data-s]")).map(sec =>
    sec.dataset.s + ":" + Array.from(sec.querySelectorAll(".rw:not(.ghost)")).map(r => r.dataset.r + "=" + r.dataset.shape).join(",") +
    (sec.querySelector(".ghost") ? "+" + sec.querySelector(".ghost").dataset.shape : "")).join(";");
}

// ---- Drawing.
function inputmode(f) {
  switch (f.type) {
    case "integer": case "decimal": return f.signed ? "text" : "decimal";
    case "phone": return "tel";
  }
  return "text";
}
let inputSeq = 0;
function inputHTML(f, cell, ghost, grid) {
  const id = "in" + (++inputSeq);
  const v = cell ? cell.value : "";
  const ph = f.example ? fmt(T.example, f.example) : "";
  const attrs = ' data-stop data-was="' + esc(v) + '" data-orig="' + esc(v) + '" autocomplete="off" enterkeyhint="next" inputmode="' + inputmode(f) + '"';
  if (f.type === "text" && f.maxLen > 60 && !grid) {
    return '<textarea id="' + id + '" class="in" rows="2"' + attrs + ' placeholder="' + esc(ph) + '">' + esc(v) + "</textarea>";
  }
  const list = f.suggest && f.suggest.length ? ' list="dl-' + esc(f.id) + '"' : "";
  return '<input id="' + id + '" class="in' + (grid ? " gc" : "") + '" type="text" value="' + esc(v) + '"' + attrs + list + (grid ? ' aria-label="' + esc(f.label) + '"' : ' placeholder="' + esc(ph) + '"') + ">";
}
function choicesHTML(f, cell) {
  const offered = cell && cell.offered ? cell.offered : f.choices;
  const v = cell ? cell.value : "";
  return '<div class="chs" data-stop tabindex="-1" data-was="' + esc(v) + '">' + offered.map(c =>
    '<button type="button" class="ch' + (c === v ? " on" : "") + '" data-v="' + esc(c) + '">' + esc(c) + "</button>").join("") + "</div>";
}
function fileHTML(f, cell) {
  const v = cell ? cell.value : "";
  const accept = (f.fileTypes || []).map(t => "." + t).join(",");
  return '<div class="file" data-was="' + esc(v) + '"><span class="fname">' + esc(cell && cell.shown ? cell.shown : "") + "</span>" +
    '<button type="button" class="btn alt" data-stop data-pick>' + esc(v ? T.replaceFile : T.pickFile) + "</button>" +
    '<input type="file" hidden accept="' + esc(accept) + '"></div>';
}
function labelHTML(f, forID) {
  const grp = f.group && f.group.length ? '<span class="grp">' + esc(f.group.join(" · ")) + "</span>" : "";
  return '<label class="lb"' + (forID ? ' for="' + forID + '"' : "") + ">" + grp + '<span class="lbl">' + esc(f.label) + "</span>" +
    (f.optional ? '<span class="opt">' + esc(T.optional) + "</span>" : "") + "</label>";
}
// fieldHTML is one question of a record or a list's card: its label, its
// input, its hint and what the server said of it.
function fieldHTML(sec, f, cell, ghost) {
  if (cell && !cell.asked) return "";
  const ro = cell ? cell.readOnly : !FM.model.editable;
  let input;
  if (ro) {
    input = '<div class="ro">' + esc(cell && cell.shown ? cell.shown : "—") + "</div>";
  } else if (f.type === "choice" || f.type === "yes-no") {
    input = choicesHTML(f, cell);
  } else if (f.type === "file") {
    input = fileHTML(f, cell);
  } else {
    input = '<div class="inp">' + inputHTML(f, cell, ghost, false) + (f.unit ? '<span class="unit">' + esc(f.unit) + "</span>" : "") + "</div>";
  }
  const forID = input.match(/ id="(in\d+)"/);
  return '<div class="fld" data-f="' + esc(f.id) + '" data-type="' + esc(f.type) + '">' + labelHTML(f, forID && forID[1]) + input +
    (f.hint && !ro ? '<div class="hint">' + esc(f.hint) + "</div>" : "") + '<div class="msgs"></div></div>';
}
function recordHTML(sec) {
  const row = sec.rows[0] || { key: "", cells: [] };
  return '<div class="rw rec" data-r="" data-shape="' + esc(rowShape(row)) + '">' + sec.fields.map((f, i) => fieldHTML(sec, f, row.cells[i], false)).join("") + "</div>";
}
function cardHTML(sec, row) {
  const name = row.title || "";
  let h = '<div class="rw fcard' + (row.flagged ? " flagged" : "") + '" data-r="' + esc(row.key) + '" data-shape="' + esc(rowShape(row)) + '">';
  h += '<div class="fc-h"><span class="fc-n">' + esc(fmt(T.rowHead, row.index, sec.rowNoun)) + '</span><span class="fc-t">' + esc(name) + "</span>";
  if (row.flagged) h += '<span class="chip flag">' + esc(T.flaggedCell) + "</span>";
  if (FM.model.editable) h += '<button type="button" class="lnk danger" data-del>' + esc(T.deleteRow) + "</button>";
  h += '</div><div class="fc-ask" hidden></div>';
  h += sec.fields.map((f, i) => fieldHTML(sec, f, row.cells[i], false)).join("");
  return h + "</div>";
}
function ghostHTML(sec, n) {
  n = n || sec.rows.length + 1;
  // Folded to its first question until that is answered.
  let h = '<div class="rw fcard ghost folded" data-r="" data-new="1" data-shape="' + esc(ghostShape(sec)) + '">';
  h += '<div class="fc-h"><span class="fc-n">' + esc(fmt(T.ghost, n, sec.rowNoun)) + "</span></div>";
  h += sec.fields.map(f => fieldHTML(sec, f, null, true)).join("");
  return h + "</div>";
}
function listHTML(sec) {
  let h = sec.rows.map(r => cardHTML(sec, r)).join("");
  if (!sec.rows.length && !sec.canAdd) h += '<p class="muted">' + esc(fmt(T.sectionEmpty, sec.rowNoun)) + "</p>";
  if (sec.canAdd) h += ghostHTML(sec);
  return h;
}
// gridHTML is a table section: a row per key (a year), a column per field;
// the first column and the header stay while it scrolls.
function gridHTML(sec) {
  let h = '<div class="grid-hint">' + esc(T.gridHint) + '</div><div class="grid-wrap"><table class="grid"><thead><tr><th class="c0"></th>';
  for (const f of sec.fields) h += "<th>" + esc(f.short || f.label) + (f.unit ? "<small>" + esc(f.unit) + "</small>" : "") + "</th>";
  h += "</tr></thead><tbody>";
  for (const row of sec.rows) {
    h += '<tr class="rw' + (row.sum ? " sum" : "") + '" data-r="' + esc(row.key) + '" data-shape="' + esc(rowShape(row)) + '"><th class="c0">' + esc(row.title) + "</th>";
    row.cells.forEach((c, i) => {
      const f = sec.fields[i];
      let inner;
      if (c.blank) inner = '<span class="ro">' + esc(T.blankCell) + "</span>";
      else if (!c.asked) inner = '<span class="ro">—</span>';
      else if (c.readOnly) inner = '<span class="ro">' + esc(c.value) + "</span>";
      else inner = inputHTML(f, c, false, true);
      h += '<td data-f="' + esc(f.id) + '">' + inner + "</td>";
    });
    h += "</tr>";
  }
  return h + '</tbody></table></div><div class="gmsgs"></div>';
}
function sectionHTML(sec) {
  let h = '<div class="card fsec k-' + esc(sec.kind) + '" data-s="' + esc(sec.id) + '">';
  if (sec.title) h += "<h3>" + esc(sec.title) + "</h3>";
  h += '<div class="smsgs"></div>';
  if (sec.kind === "table") h += gridHTML(sec);
  else if (sec.kind === "list") h += listHTML(sec);
  else h += recordHTML(sec);
  const dl = sec.fields.filter(f => f.suggest && f.suggest.length);
  for (const f of dl) h += '<datalist id="dl-' + esc(f.id) + '">' + f.suggest.map(v => '<option value="' + esc(v) + '">').join("") + "</datalist>";
  return h + "</div>";
}
function headHTML(m) {
  let h = '<div class="card fm-head"><div class="crumbs"><a href="#/mine">' + esc(T.formBack) + "</a></div><h2>" + esc(m.name) + "</h2>";
  h += '<div id="fm-state"></div>';
  if (FM.returned && m.status === "returned") {
    const r = FM.returned;
    h += '<div class="returned" id="returned"><div class="rt">' + esc(fmt(T.returnedBy, r.by || "", r.at || "")) + "</div>";
    h += '<div class="reason"><b>' + esc(T.reasonLabel) + "</b>" + esc(r.reason) + "</div>";
    h += '<div class="muted">' + esc(T.toFix) + (r.items.length ? "" : esc(T.wholeForm)) + "</div>";
    for (const it of r.items) h += '<a class="dl fix" href="#" data-goto="' + esc(keyOf(it.section, it.row || "", it.field || "")) + '"><span>' + esc(it.label) + '</span><span class="go">' + esc(T.goToCell) + "</span></a>";
    h += "</div>";
  }
  if (m.intro && m.editable) h += '<p class="muted">' + esc(m.intro) + "</p>";
  if (!m.open) h += '<p class="muted">' + esc(T.notOpen) + "</p>";
  else if (m.status === "submitted") h += '<p class="muted">' + esc(T.lockedNote) + "</p>";
  else if (m.status === "approved") h += '<p class="muted">' + esc(T.approvedNote) + "</p>";
  return h + "</div>";
}
function submitHTML(m) {
  if (!m.editable) return "";
  let h = '<div class="card fsubmit" id="fsubmit"><div id="fm-problems"></div><div class="row">';
  h += '<button type="button" class="btn" id="fm-submit">' + esc(fmt(T.submitForm, m.short)) + "</button>";
  if (m.nothingOwn) h += '<button type="button" class="btn alt" id="fm-none">' + esc(T.nothingOwn) + "</button>";
  return h + "</div></div>";
}
// sheetHTML is the notice's spreadsheet: the unit's template of the form
// to download (pre-filled with the draft) and a filled one to upload; what
// the file would change of answers there were waits here for 确认, and
// the cells it left are listed, each a tap to its cell.
function sheetHTML(m) {
  if (!m.editable) return "";
  return '<div class="card fsheet" id="fm-sheet"><h3>' + esc(T.sheetHead) + '</h3><p class="muted">' + esc(T.sheetNote) + '</p><div class="row">' +
    '<button type="button" class="btn alt" id="fm-tpl">' + esc(T.sheetDownload) + "</button>" +
    '<button type="button" class="btn alt" id="fm-up">' + esc(T.sheetUpload) + "</button>" +
    '<input type="file" id="fm-upfile" hidden accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"></div>' +
    '<div id="fm-sheetmsg"></div><div id="fm-diff"></div><div id="fm-sheetissues"></div></div>';
}
function formHTML(m) {
  return headHTML(m) + sheetHTML(m) + '<div id="fm-sections" data-editable="' + m.editable + '">' + m.sections.map(sectionHTML).join("") + "</div>" + submitHTML(m);
}

// ---- Bringing what is shown up to date with the model.
function msgHTML(m, withConfirm) {
  let h = '<div class="m ' + (m.soft ? "warn" : "bad") + '">' + esc(m.text);
  if (m.soft && withConfirm && FM.model.editable) h += ' <button type="button" class="btn alt sm" data-confirm="' + esc(m.rule) + '" data-print="' + esc(m.fingerprint) + '">' + esc(T.confirmSoft) + "</button>";
  return h + "</div>";
}
function noteHTML(n) {
  if (!n) return "";
  let h = '<div class="m ' + n.kind + '">' + esc(n.text);
  if (n.kind === "conflict" && n.mine) h += ' <button type="button" class="btn alt sm" data-mine="' + esc(n.mine) + '">' + esc(fmt(T.keepMine, n.mine)) + "</button>";
  return h + "</div>";
}
function update(prev) {
  const m = FM.model;
  const sections = $("fm-sections");
  if (!sections) return;
  const state = $("fm-state");
  if (state) {
    const st = m.status === "draft" && !m.done ? "none" : m.status;
    state.innerHTML = pill(st, stateWord(st)) + (FM.version && st !== "draft" && st !== "none" ? ' <span class="muted">' + esc(fmt(T.version, FM.version)) + "</span>" : "") +
      (m.total ? ' <span class="muted" id="fm-progress">' + esc(fmt(T.progress, m.done + "/" + m.total)) + "</span>" : "");
  }
  for (const secEl of sections.querySelectorAll("[data-s]")) {
    const s = secEl.dataset.s, sec = m.sections.find(x => x.id === s);
    if (!sec) continue;
    const smsgs = secEl.querySelector(".smsgs");
    if (smsgs) smsgs.innerHTML = (sec.messages || []).map(t => '<div class="m bad">' + esc(t) + "</div>").join("") +
      m.problems.filter(p => p.section === s && p.empty).map(p => '<div class="m bad">' + esc(p.text) + "</div>").join("");
    const gm = [];
    for (const rowEl of secEl.querySelectorAll(".rw:not(.ghost)")) {
      const r = rowEl.dataset.r, row = sec.rows.find(x => x.key === r);
      if (!row) continue;
      if (rowEl.classList.contains("fcard")) {
        const t = rowEl.querySelector(".fc-t");
        if (t) t.textContent = row.title || "";
      }
      row.cells.forEach((c, i) => {
        const f = sec.fields[i];
        const el = rowEl.querySelector('[data-f="' + CSS.escape(f.id) + '"]');
        if (!el) return;
        const key = keyOf(s, r, f.id);
        const before = prev && cellAt(prev, s, r, f.id);
        if (before && before.value !== c.value && !FM.selfSaved[key] && !c.readOnly) FM.theirs[key] = true;
        const input = el.querySelector(".in");
        if (input) {
          const dirty = input.value !== input.dataset.orig;
          if (!dirty && input !== document.activeElement) input.value = c.value;
          if (!dirty) { input.dataset.orig = c.value; input.dataset.was = c.value; }
          if (input.classList.contains("gc") && c.readOnly) input.disabled = true;
        }
        const chs = el.querySelector(".chs");
        if (chs) {
          chs.dataset.was = c.value;
          chs.querySelectorAll(".ch").forEach(b => b.classList.toggle("on", b.dataset.v === c.value));
        }
        const file = el.querySelector(".file");
        if (file) {
          file.dataset.was = c.value;
          file.querySelector(".fname").textContent = c.shown || "";
          const pick = file.querySelector("[data-pick]");
          if (pick) pick.textContent = c.value ? T.replaceFile : T.pickFile;
        }
        const ro = el.querySelector(".ro");
        if (ro && (c.readOnly || row.sum)) ro.textContent = c.blank ? T.blankCell : (c.shown || c.value || "");
        const hard = c.messages && c.messages.some(x => !x.soft), soft = c.messages && c.messages.some(x => x.soft);
        const note = FM.notes[key];
        el.classList.toggle("bad", !!hard || !!(note && (note.kind === "refused" || note.kind === "conflict")));
        el.classList.toggle("warnq", !!soft);
        el.classList.toggle("miss", !!c.missing && FM.tried);
        el.classList.toggle("flag", !!c.flagged && !c.changed);
        el.classList.toggle("fixed", !!c.flagged && !!c.changed);
        el.classList.toggle("theirs", !!FM.theirs[key]);
        const lines = [];
        if (FM.theirs[key]) lines.push({ kind: "theirs", text: T.theirs });
        const box = el.querySelector(".msgs");
        if (box) {
          box.innerHTML = lines.map(noteHTML).join("") + noteHTML(note) + (c.messages || []).map(x => msgHTML(x, true)).join("") +
            (c.flagged ? '<div class="m ' + (c.changed ? "ok" : "flagm") + '">' + esc(c.changed ? T.changedCell : T.flaggedCell) + "</div>" : "") +
            (c.missing && FM.tried ? '<div class="m bad">' + esc(T.required) + "</div>" : "");
        } else {
          // A grid's cell: its messages go under the grid, named by row and column.
          const head = row.title + " · " + (f.short || f.label) + "：";
          if (note) gm.push('<div class="m ' + note.kind + '" data-goto="' + esc(key) + '">' + esc(head + note.text) + "</div>");
          for (const x of c.messages || []) gm.push(msgHTML({ text: head + x.text, soft: x.soft, rule: x.rule, fingerprint: x.fingerprint }, true).replace('<div class="m', '<div data-r="' + esc(r) + '" class="m'));
        }
      });
    }
    const gmsgs = secEl.querySelector(".gmsgs");
    if (gmsgs) gmsgs.innerHTML = gm.join("");
  }
  const dbox = $("fm-diff");
  if (dbox) {
    const d = m.sheetDiff;
    dbox.innerHTML = d ? '<div class="sdiff" data-token="' + esc(d.token) + '"><div class="ph">' + esc(d.head) + "</div><ul>" +
      d.lines.map(l => "<li>" + esc(l.replace(/^· /, "")) + "</li>").join("") + '</ul><div class="row">' +
      '<button type="button" class="btn" data-sheet="apply">' + esc(T.sheetApply) + '</button><button type="button" class="btn alt" data-sheet="keep">' + esc(T.sheetKeep) + "</button></div></div>" : "";
  }
  const ibox = $("fm-sheetissues");
  if (ibox) {
    const open = openIssues(m);
    ibox.innerHTML = open.length ? '<div class="ph">' + esc(fmt(T.sheetIssues, open.length)) + "</div>" + open.map(is =>
      '<a class="dl pb' + (is.w ? " soft" : "") + '" href="#" data-goto="' + esc(keyOf(is.s, is.r || "", is.d || "")) + '"><span>' + esc(is.t) + '</span><span class="go">›</span></a>').join("") : "";
  }
  const box = $("fm-problems");
  if (box) {
    const missing = m.missing, others = m.problems.filter(p => !p.missing);
    let h = "";
    if (!missing && !others.length) h = '<p class="ok">' + esc(T.readyToSubmit) + "</p>";
    else {
      h = '<div class="ph">' + esc(T.problemsHead) + "</div>";
      if (missing) h += '<a class="dl pb" href="#" data-goto="' + esc(firstMissing(m)) + '"><span>' + esc(fmt(T.missingCount, missing)) + '</span><span class="go">›</span></a>';
      for (const p of others) h += '<a class="dl pb' + (p.soft ? " soft" : "") + '" href="#" data-goto="' + esc(keyOf(p.section, p.row || "", p.field || "")) + '"><span>' + esc(p.text) + '</span><span class="go">›</span></a>';
    }
    box.innerHTML = h;
  }
}
// openIssues are the cells a template uploaded left that still stand: a
// refused or missing cell until it is saved, a rule or a warning while the
// form shows it at the cell.
function openIssues(m) {
  return FM.sheetIssues.filter(is => {
    const key = keyOf(is.s, is.r || "", is.d || "");
    if (!is.w && !is.u) return !!FM.notes[key];
    const c = cellAt(m, is.s, is.r || "", is.d || "");
    return !!(c && c.messages && c.messages.some(x => !!x.soft === !!is.w));
  });
}
// takeIssues marks the cells a template left: each refused or missing one
// with what the file's reading said (a warning or a rule is shown at its
// cells by the form itself); a note already there (the file's own reason
// for a cell now merely missing) stays.
function takeIssues(issues) {
  const seen = new Set(FM.sheetIssues.map(is => keyOf(is.s, is.r || "", is.d || "")));
  for (const is of issues || []) {
    const key = keyOf(is.s, is.r || "", is.d || "");
    if (!is.w && !is.u && !FM.notes[key]) FM.notes[key] = { kind: "refused", text: is.t };
    if (!seen.has(key)) { seen.add(key); FM.sheetIssues.push(is); }
  }
}
// sheetDone shows what an upload or a decision on its changes did: the
// changes to decide first, else the focus on the first cell left.
function sheetDone(res) {
  const msg = $("fm-sheetmsg");
  if (res.refused) {
    if (msg) msg.innerHTML = '<div class="m bad">' + esc(res.error || res.refused) + "</div>";
    refresh(res.form);
    toast(res.error || res.refused);
    return;
  }
  if (res.sheet) takeIssues(res.sheet.issues);
  if (msg) msg.innerHTML = res.done ? '<div class="m note">' + esc(res.done) + "</div>" : "";
  // What the file changed is this page's doing, not a backup contact's.
  for (const sec of res.form.sections) for (const r of sec.rows) for (const c of r.cells) {
    const before = cellAt(FM.model, sec.id, r.key, c.field);
    if (!before || before.value !== c.value) FM.selfSaved[keyOf(sec.id, r.key, c.field)] = true;
  }
  refresh(res.form);
  toast(res.done || "");
  if (res.form.sheetDiff) { $("fm-diff").scrollIntoView({ block: "center" }); return; }
  const open = openIssues(res.form);
  if (open.length) {
    const el = fieldEl(keyOf(open[0].s, open[0].r || "", open[0].d || ""));
    if (el) stop(el.querySelector ? el.querySelector("[data-stop]") || el : el);
  } else if (!res.form.problems.length) {
    const box = $("fsubmit");
    if (box) { box.classList.add("cur"); box.scrollIntoView({ block: "center" }); }
  }
}
async function readBase64(file) {
  return new Promise((resolve, reject) => {
    const rd = new FileReader();
    rd.onload = () => resolve(String(rd.result).replace(/^data:[^,]*,/, ""));
    rd.onerror = () => reject(rd.error);
    rd.readAsDataURL(file);
  });
}
async function uploadSheet(file) {
  if (file.size > 20 * 1048576) { toast(fmt(T.sheetTooBig, 20)); return; }
  const data = await readBase64(file);
  toast(T.sheetReading);
  FM.sheetIssues = [];
  await enqueue(async () => sheetDone(await formCall("form/sheet", { form: FM.id, name: file.name, data: data })));
}
// downloadTemplate hands the form's template to Telegram behind the
// desk's download link (a Mini App cannot save a file it holds).
async function downloadTemplate(b) {
  if (b.classList.contains("busy")) return;
  b.classList.add("busy");
  toast(T.preparing);
  try {
    const r = await api("form/template", { form: FM.id });
    const how = await tg.download(new URL(r.link, location.href).href, r.name);
    toast(fmt(how === "downloading" ? T.downloading : how === "cancelled" ? T.dlCancelled : T.downloadOpened, r.name, r.expires));
  } catch (x) {
    toast(x.message);
  } finally {
    b.classList.remove("busy");
  }
}

function firstMissing(m) {
  for (const s of m.sections) for (const r of s.rows) for (const c of r.cells) if (c.missing) return keyOf(s.id, r.key, c.field);
  return "";
}

// ---- Finding cells, and moving on.
function fieldEl(key) {
  const [s, r, f] = key.split("|");
  const sec = view.querySelector('[data-s="' + CSS.escape(s) + '"]');
  if (!sec) return null;
  const row = Array.from(sec.querySelectorAll(".rw")).find(x => x.dataset.r === r && !x.classList.contains("ghost"));
  if (!row) return sec;
  return f ? row.querySelector('[data-f="' + CSS.escape(f) + '"]') || row : row;
}
function keyOfEl(el) {
  const f = el.closest("[data-f]"), r = el.closest(".rw"), s = el.closest("[data-s]");
  return s && r && f ? keyOf(s.dataset.s, r.dataset.r, f.dataset.f) : "";
}
function stops() { return Array.from(view.querySelectorAll("[data-stop]")).filter(x => !x.disabled && x.offsetParent !== null); }
function untouchedGhost(card) {
  return card && card.classList.contains("ghost") && !Array.from(card.querySelectorAll(".in")).some(i => i.value.trim() !== "") && !card.querySelector(".ch.on");
}
// stop makes a cell the one to fill: an input takes the focus (and the
// keyboard stays up); choices and a file are shown, to be tapped.
function stop(el) {
  document.querySelectorAll(".cur").forEach(x => x.classList.remove("cur"));
  if (!el) return;
  if (el.matches("input, textarea")) {
    el.focus({ preventScroll: true });
    if (el.value) el.select(); // as a spreadsheet's cell: what is typed replaces it
    el.scrollIntoView({ block: "center" });
    return;
  }
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  (el.closest(".fld") || el).classList.add("cur");
  el.scrollIntoView({ block: "center" });
}
// advance moves from a cell to the next one to fill: the next cell in the
// page's order, leaving a blank card not begun for the section after it;
// after the last, the submit button.
function advance(from) {
  const all = stops();
  let i = all.indexOf(from.closest("[data-stop]") || from);
  const card = from.closest(".ghost");
  if (untouchedGhost(card)) while (i + 1 < all.length && card.contains(all[i + 1])) i++;
  const next = all[i + 1];
  if (next) { stop(next); return; }
  // The last cell: the submit button is shown, not focused (the Enter
  // that got here must not press it).
  stop(null);
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  const box = $("fsubmit");
  if (box) { box.classList.add("cur"); box.scrollIntoView({ block: "center" }); }
}
function firstToFill() {
  const m = FM.model;
  if (!m.editable) return null;
  if (m.status === "returned") {
    for (const s of m.sections) for (const r of s.rows) for (const c of r.cells) {
      if (c.flagged && !c.readOnly) { const el = fieldEl(keyOf(s.id, r.key, c.field)); if (el) return el.querySelector("[data-stop]"); }
    }
  }
  for (const el of stops()) {
    if (el.matches(".in") && el.value === "" && !el.closest(".ghost")) return el;
    if (el.matches(".chs") && !el.querySelector(".on") && !el.closest(".ghost")) return el;
  }
  return stops().find(el => el.closest(".ghost")) || null;
}

function unfold(card) {
  card.classList.remove("folded");
  moreGhost(card);
}
// moreGhost puts a blank card after card, unless one is there.
function moreGhost(card) {
  const next = card.nextElementSibling;
  if (next && next.classList.contains("ghost")) return;
  const secEl = card.closest("[data-s]"), sec = FM.model.sections.find(x => x.id === secEl.dataset.s);
  if (!sec || !sec.canAdd) return;
  card.insertAdjacentHTML("afterend", ghostHTML(sec, secEl.querySelectorAll(".fcard").length + 1));
}

// ---- Talking to the server, one save at a time.
function enqueue(fn) {
  busy(1);
  FM.chain = FM.chain.then(fn).catch(e => toast(e.message)).finally(() => busy(-1));
  return FM.chain;
}
// where is the section, row and whether the cell is a blank card's, read
// when the save goes (a blank card has become a row by then, maybe).
function where(el) {
  const s = el.closest("[data-s]").dataset.s, r = el.closest(".rw"), f = el.closest("[data-f]").dataset.f;
  return { section: s, row: r.dataset.r, field: f, isNew: r.dataset.new === "1", rowEl: r };
}
function saveText(el, text) {
  el.dataset.sent = text;
  return enqueue(async () => {
    const w = where(el);
    if (w.isNew && text.trim() === "") return;
    const holder = el.closest("[data-was]") || el;
    const was = w.isNew ? "" : holder.dataset.was || "";
    const res = await formCall("form/cell", { form: FM.id, section: w.section, row: w.row, field: w.field, text: text, was: was, new: w.isNew });
    took(res, el, text, w);
  });
}
// took applies a save's answer: a blank card that became a row, the value
// as stored, why not, a backup's newer value; then the whole form.
function took(res, el, text, w) {
  let key = keyOf(w.section, w.row, w.field);
  if (res.row && w.isNew) {
    w.rowEl.dataset.r = res.row;
    delete w.rowEl.dataset.new;
    w.rowEl.classList.remove("ghost");
    key = keyOf(w.section, res.row, w.field);
    const sec = res.form.sections.find(x => x.id === w.section);
    const row = sec && sec.rows.find(x => x.key === res.row);
    if (row) {
      w.rowEl.dataset.shape = rowShape(row);
      const head = w.rowEl.querySelector(".fc-n");
      if (head) head.textContent = fmt(T.rowHead, row.index, sec.rowNoun);
      const h = w.rowEl.querySelector(".fc-h");
      if (h && !h.querySelector("[data-del]")) {
        h.insertAdjacentHTML("beforeend", '<span class="fc-t"></span><button type="button" class="lnk danger" data-del>' + esc(T.deleteRow) + "</button>");
        h.insertAdjacentHTML("afterend", '<div class="fc-ask" hidden></div>');
      }
      if (sec.canAdd) moreGhost(w.rowEl);
    }
  }
  FM.selfSaved = {};
  delete FM.theirs[key];
  if (res.conflict || res.refused) delete el.dataset.sent; // the same text may be sent again
  if (res.conflict) {
    FM.notes[key] = { kind: "conflict", text: res.conflict.message, mine: text.trim() };
    const input = el.matches(".in") ? el : null;
    if (input && input !== document.activeElement) { input.value = res.conflict.value; input.dataset.orig = res.conflict.value; input.dataset.was = res.conflict.value; }
  } else if (res.refused) {
    FM.notes[key] = { kind: "refused", text: res.refused };
  } else {
    FM.selfSaved[key] = true;
    FM.notes[key] = res.note ? { kind: "note", text: res.note } : undefined;
    const cell = cellAt(res.form, w.section, res.row || w.row, w.field);
    if (cell && el.matches(".in")) {
      if (el !== document.activeElement || el.value === text) el.value = cell.value;
      el.dataset.orig = cell.value;
      el.dataset.was = cell.value;
    }
  }
  refresh(res.form);
}
// refresh shows a newer model: in place when its shape is the page's, else
// the sections drawn anew, the focus and what is being typed kept.
function refresh(m) {
  const prev = FM.model;
  FM.model = m;
  if (modelShape(m) !== domShape()) redrawSections(prev);
  else update(prev);
  FM.selfSaved = {};
}
function redrawSections(prev) {
  const act = document.activeElement && view.contains(document.activeElement) ? document.activeElement : null;
  const actKey = act ? keyOfEl(act) : "";
  const typed = {};
  view.querySelectorAll(".in").forEach(i => { if (i.value !== i.dataset.orig) typed[keyOfEl(i)] = i.value; });
  const box = $("fm-sections");
  const wasEditable = box && box.dataset.editable === "true";
  if (!box || wasEditable !== FM.model.editable) {
    const scroll = window.scrollY;
    view.innerHTML = formHTML(FM.model);
    window.scrollTo(0, scroll);
  } else {
    box.innerHTML = FM.model.sections.map(sectionHTML).join("");
  }
  view.querySelectorAll(".in").forEach(i => { const k = keyOfEl(i); if (typed[k] !== undefined) i.value = typed[k]; });
  update(prev);
  if (actKey) {
    const el = fieldEl(actKey);
    const input = el && el.querySelector && el.querySelector(".in");
    if (input) {
      input.focus({ preventScroll: true });
      input.selectionStart = input.selectionEnd = input.value.length;
    }
  }
}

async function uploadFile(pick, file) {
  const f = fieldOf(FM.model, pick.closest("[data-s]").dataset.s, pick.closest("[data-f]").dataset.f);
  if (f && f.maxMB && file.size > f.maxMB * 1048576) { toast(fmt(T.fileTooBig, f.maxMB)); return; }
  const data = await new Promise((resolve, reject) => {
    const rd = new FileReader();
    rd.onload = () => resolve(String(rd.result).replace(/^data:[^,]*,/, ""));
    rd.onerror = () => reject(rd.error);
    rd.readAsDataURL(file);
  });
  toast(T.uploading);
  await enqueue(async () => {
    const w = where(pick);
    const res = await formCall("form/file", { form: FM.id, section: w.section, row: w.row, field: w.field, was: w.isNew ? "" : pick.closest(".file").dataset.was || "", new: w.isNew, name: file.name, data: data });
    took(res, pick, file.name, w);
    toast(res.error || res.saved || "");
  });
}

async function submit(nothingOwn) {
  // Whatever is typed and not sent yet goes first.
  view.querySelectorAll(".in").forEach(i => { if (i.value !== i.dataset.orig && i.value !== i.dataset.sent) saveText(i, i.value); });
  await enqueue(async () => {
    const res = await formCall("form/submit", { form: FM.id, nothingOwn: !!nothingOwn });
    if (res.refused) {
      FM.tried = true;
      refresh(res.form);
      toast(res.refused.split("\n")[0]);
      const p = $("fsubmit");
      if (p) p.scrollIntoView({ block: "center" });
      return;
    }
    FM.model = res.form;
    await nextForm(res.done);
  });
}
// nextForm goes on to the unit's next form still to fill, or home.
async function nextForm(done) {
  const forms = await api("mine");
  const i = forms.findIndex(f => f.id === FM.id);
  const todo = f => f.open && f.id !== FM.id && f.return.state !== "submitted" && f.return.state !== "approved";
  const next = forms.slice(i + 1).find(todo) || forms.slice(0, Math.max(i, 0)).find(todo);
  location.hash = next ? "#/form/" + enc(next.id) : "#/mine";
  setTimeout(() => toast(done + (next ? "\n" + fmt(T.nextForm, next.short) : "\n" + T.allDone)), 0);
}

// The form's events, wired once on the page's view; they act only while
// the form is shown.
function onForm() { return !!$("fm-sections"); }
(function wireForm() {
  view.addEventListener("keydown", e => {
    if (!onForm()) return;
    const el = e.target;
    if (!el.matches || !el.matches(".in") || e.key !== "Enter" || e.isComposing || e.keyCode === 229) return;
    if (el.tagName === "TEXTAREA" && e.shiftKey) return;
    e.preventDefault();
    if (el.value !== el.dataset.orig && el.value !== el.dataset.sent) saveText(el, el.value);
    advance(el);
  });
  view.addEventListener("change", e => {
    if (!onForm()) return;
    const el = e.target;
    if (el.matches && el.matches(".in") && el.value !== el.dataset.orig && el.value !== el.dataset.sent) saveText(el, el.value);
    if (el.id === "fm-upfile" && el.files && el.files[0]) {
      const file = el.files[0];
      el.value = "";
      uploadSheet(file).catch(x => toast(x.message));
      return;
    }
    if (el.matches && el.matches('.file input[type="file"]') && el.files && el.files[0]) {
      const pick = el.closest(".file").querySelector("[data-pick]");
      uploadFile(pick, el.files[0]).then(() => advance(pick), x => toast(x.message));
    }
  });
  // A blank card unfolds as its first question is answered, and another
  // blank card comes after it at once (the keyboard's 下一项 from its last
  // question goes there, whether or not the server has answered).
  view.addEventListener("input", e => {
    if (!onForm()) return;
    const card = e.target.closest && e.target.closest(".ghost.folded");
    if (card && e.target.value.trim() !== "") unfold(card);
  });
  view.addEventListener("focusin", e => {
    if (!onForm()) return;
    view.querySelectorAll(".cur").forEach(x => x.classList.remove("cur"));
    const k = e.target.matches && e.target.matches(".in") ? keyOfEl(e.target) : "";
    if (k && FM.theirs[k]) { delete FM.theirs[k]; }
  });
  view.addEventListener("click", e => {
    if (!onForm()) return;
    const t = e.target.closest("button, a, [data-goto]");
    if (!t || !view.contains(t)) return;
    if (t.matches(".ch")) {
      const group = t.closest(".chs");
      group.querySelectorAll(".ch").forEach(b => b.classList.toggle("on", b === t));
      const folded = group.closest(".ghost.folded");
      if (folded) unfold(folded);
      saveText(group, t.dataset.v);
      advance(group);
    } else if (t.matches("[data-pick]")) {
      t.closest(".file").querySelector('input[type="file"]').click();
    } else if (t.matches("[data-confirm]")) {
      const s = t.closest("[data-s]").dataset.s, r = (t.closest("[data-r]") || {}).dataset; // a grid's message carries its row
      t.disabled = true;
      enqueue(async () => {
        const res = await formCall("form/confirm", { form: FM.id, section: s, row: r ? r.r : "", rule: t.dataset.confirm, fingerprint: t.dataset.print });
        refresh(res.form);
        if (res.refused) toast(res.refused);
      });
    } else if (t.matches("[data-mine]")) {
      const fld = t.closest("[data-f]"), input = fld.querySelector(".in");
      const key = keyOfEl(t);
      delete FM.notes[key];
      if (input) { input.dataset.was = cellAt(FM.model, ...key.split("|")).value; saveText(input, t.dataset.mine); }
      else { const chs = fld.querySelector(".chs"); if (chs) saveText(chs, t.dataset.mine); }
    } else if (t.matches("[data-del]")) {
      const card = t.closest(".fcard"), ask = card.querySelector(".fc-ask");
      const sec = FM.model.sections.find(x => x.id === card.closest("[data-s]").dataset.s);
      const row = sec.rows.find(x => x.key === card.dataset.r);
      ask.innerHTML = '<span>' + esc(fmt(T.deleteAsk, row ? row.index : 0, sec.rowNoun, row && row.title ? row.title : "")) + '</span><span class="row"><button type="button" class="btn danger" data-delyes>' + esc(T.deleteYes) + '</button><button type="button" class="btn alt" data-delno>' + esc(T.cancel) + "</button></span>";
      ask.hidden = false;
    } else if (t.matches("[data-delno]")) {
      t.closest(".fc-ask").hidden = true;
    } else if (t.matches("[data-delyes]")) {
      const card = t.closest(".fcard"), s = card.closest("[data-s]").dataset.s;
      const sec = FM.model.sections.find(x => x.id === s), row = sec.rows.find(x => x.key === card.dataset.r);
      t.disabled = true;
      enqueue(async () => {
        const res = await formCall("form/delete", { form: FM.id, section: s, row: card.dataset.r, name: row && row.title ? row.title : "" });
        refresh(res.form);
        toast(res.error || res.done || "");
      });
    } else if (t.id === "fm-tpl") {
      downloadTemplate(t);
    } else if (t.id === "fm-up") {
      $("fm-upfile").click();
    } else if (t.matches("[data-sheet]")) {
      const token = t.closest("[data-token]").dataset.token;
      t.closest(".sdiff").querySelectorAll("button").forEach(x => { x.disabled = true; });
      enqueue(async () => sheetDone(await formCall("form/sheet/decide", { form: FM.id, token: token, apply: t.dataset.sheet === "apply" })));
    } else if (t.id === "fm-submit" || t.id === "fm-none") {
      submit(t.id === "fm-none");
    } else if (t.matches("[data-goto]")) {
      e.preventDefault();
      const el = fieldEl(t.dataset.goto);
      if (el) stop(el.querySelector ? el.querySelector("[data-stop]") || el : el);
    }
  });
})();

views.form = async (args, live) => {
  const id = args[0];
  current.up = "#/mine";
  const res = await formCall("form?form=" + enc(id));
  if (!live()) return;
  FM.id = id; FM.model = res.form; FM.returned = res.returned || null; FM.version = res.version || 0;
  FM.notes = {}; FM.theirs = {}; FM.tried = false; FM.sheetIssues = [];
  paint(live, "form", "mine", formHTML(res.form), () => {
    update(null);
    const at = args.length > 2 ? fieldEl(args.slice(1, 4).join("|")) : null;
    const first = at && at.querySelector ? at.querySelector("[data-stop]") : firstToFill();
    if (first) stop(first);
  });
};
// Back in the page after a while (a backup may have typed meanwhile): the
// form as it stands now.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || !FM.id || document.body.dataset.ready !== "form" || FM.pending) return;
  enqueue(async () => refresh((await formCall("form?form=" + enc(FM.id))).form));
});
