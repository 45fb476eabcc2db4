"use strict";
// tg is the page's bridge to the Telegram client that opened it: the
// launch parameters, and the Mini Apps' events both ways
// (core.telegram.org/api/web-events), as Telegram's own telegram-web-app.js
// speaks them, in the few lines this page needs (that script is 126 KB and
// lives on telegram.org, which may be out of reach). Each client, read in
// its source:
//   sending   window.TelegramWebviewProxy.postEvent(type, JSON text):
//               Telegram for Android and iOS, and Telegram Desktop (whose
//               proxy hands [type, JSON text] to window.external.invoke);
//             window.external.notify(JSON {eventType, eventData}): Windows Phone;
//             window.parent.postMessage(JSON text, "*"): Telegram Web, which
//               shows the page in an iframe.
//   receiving window.TelegramGameProxy.receiveEvent(type, data): Telegram
//               Desktop, iOS and macOS;
//             window.Telegram.WebView.receiveEvent(type, data): Android;
//             window.TelegramGameProxy_receiveEvent: Windows Phone;
//             a message event from window.parent, JSON text: Telegram Web
//               (and from nowhere else).
// On the web the page says iframe_ready and reloads itself on reload_iframe.
// A method is called only where the client's version has it.
const tg = (() => {
  const handlers = {};
  let framed = false;
  try { framed = window.parent != null && window.parent !== window; } catch (e) { framed = true; }

  function receive(type, data) {
    for (const fn of handlers[type] || []) {
      try { fn(data); } catch (e) { console.error(e); }
    }
  }
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = Object.assign(window.Telegram.WebView || {}, { receiveEvent: receive });
  window.TelegramGameProxy = { receiveEvent: receive };
  window.TelegramGameProxy_receiveEvent = receive;

  function post(type, data) {
    const body = data === undefined ? "" : data;
    try {
      if (window.TelegramWebviewProxy !== undefined) window.TelegramWebviewProxy.postEvent(type, JSON.stringify(body));
      else if (window.external && "notify" in window.external) window.external.notify(JSON.stringify({ eventType: type, eventData: body }));
      else if (framed) window.parent.postMessage(JSON.stringify({ eventType: type, eventData: body }), "*");
      else return false;
      return true;
    } catch (e) {
      return false;
    }
  }
  if (framed) {
    window.addEventListener("message", e => {
      if (e.source !== window.parent) return;
      let m = null;
      try { m = JSON.parse(e.data); } catch (x) { return; }
      if (!m || !m.eventType) return;
      if (m.eventType === "reload_iframe") {
        post("iframe_will_reload");
        location.reload();
        return;
      }
      receive(m.eventType, m.eventData);
    });
  }

  // The launch parameters: in the address's hash (#tgWebAppData=…, or
  // #path?tgWebAppData=…), kept for the tab so that a reload finds them;
  // the hash is then cleared, the sign-in never left in the address.
  const keep = "tianbao.launch";
  const launch = (() => {
    let hash = location.hash.replace(/^#/, "");
    const q = hash.indexOf("?");
    if (q >= 0 && hash.slice(0, q).indexOf("=") < 0) hash = hash.slice(q + 1);
    const h = new URLSearchParams(hash);
    if (h.get("tgWebAppData")) {
      const p = { initData: h.get("tgWebAppData"), version: h.get("tgWebAppVersion") || "", platform: h.get("tgWebAppPlatform") || "", theme: {} };
      try { p.theme = JSON.parse(h.get("tgWebAppThemeParams") || "{}") || {}; } catch (e) {}
      try { sessionStorage.setItem(keep, JSON.stringify(p)); } catch (e) {}
      history.replaceState(null, "", location.pathname + location.search);
      return p;
    }
    try { return JSON.parse(sessionStorage.getItem(keep) || "{}") || {}; } catch (e) { return {}; }
  })();
  function remember() { try { sessionStorage.setItem(keep, JSON.stringify(launch)); } catch (e) {} }

  // Versions compare part by part, as numbers: 7.10 is after 7.9.
  function compare(a, b) {
    const x = String(a || "").trim().split("."), y = String(b || "").trim().split(".");
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const p = parseInt(x[i], 10) || 0, q = parseInt(y[i], 10) || 0;
      if (p !== q) return p > q ? 1 : -1;
    }
    return 0;
  }
  const since = { web_app_setup_back_button: "6.1", web_app_open_link: "6.1", web_app_open_tg_link: "6.1", web_app_request_file_download: "8.0" };
  function supports(method) { return compare(launch.version, since[method] || "6.0") >= 0; }

  const inTelegram = !!launch.initData && (window.TelegramWebviewProxy !== undefined || framed ||
    !!(window.external && "notify" in window.external) || !!launch.platform);

  function on(type, fn) { (handlers[type] = handlers[type] || []).push(fn); }
  on("theme_changed", d => {
    if (d && d.theme_params) { launch.theme = d.theme_params; remember(); }
  });

  let back = null;
  function backButton(visible) {
    if (!supports("web_app_setup_back_button") || back === !!visible) return;
    back = !!visible;
    post("web_app_setup_back_button", { is_visible: back });
  }

  // openLink opens an address outside Telegram, as WebApp.openLink does.
  function openLink(url) {
    if (inTelegram && supports("web_app_open_link")) post("web_app_open_link", { url: url });
    else window.open(url, "_blank");
  }
  // openTelegramLink opens a t.me address inside Telegram (the bot's
  // chat), without leaving the page's frame on the web for it.
  function openTelegramLink(url) {
    const a = new URL(url, location.href);
    if (inTelegram && a.hostname === "t.me" && (framed || supports("web_app_open_tg_link"))) post("web_app_open_tg_link", { path_full: a.pathname + a.search });
    else location.href = a.href;
  }

  // download hands a file's link to Telegram: its own download (8.0 and
  // later: it asks the person, then fetches the link), the browser before
  // that. The promise says "downloading", "cancelled", or "opened" when the
  // link went to the browser.
  let waiting = null;
  on("file_download_requested", d => {
    if (waiting) { const w = waiting; waiting = null; w(d && d.status === "downloading" ? "downloading" : "cancelled"); }
  });
  function download(url, name) {
    if (inTelegram && supports("web_app_request_file_download")) {
      return new Promise(resolve => {
        if (waiting) waiting("cancelled");
        waiting = resolve;
        post("web_app_request_file_download", { url: url, file_name: name });
      });
    }
    if (inTelegram) { openLink(url); return Promise.resolve("opened"); }
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    return Promise.resolve("opened");
  }

  if (framed) post("iframe_ready", { reload_supported: true });
  return {
    launch, framed, inTelegram, on, post, supports, backButton, openLink, openTelegramLink, download,
    ready() { post("web_app_ready"); post("web_app_expand"); post("web_app_request_theme"); },
    close() { post("web_app_close"); },
  };
})();
