// jingzhang console: live refresh from the services' events (SSE) and countdown timers. No framework.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";
  var offset = 0; // the services' clock minus this browser's, read from the page

  function readOffset() {
    var holder = document.querySelector("[data-now]");
    if (!holder) return;
    var now = Date.parse(holder.getAttribute("data-now"));
    if (!isNaN(now)) offset = now - Date.now();
  }

  function remaining(ms) {
    var late = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = (d ? d + (zh ? "天" : "d ") : "") + h + (zh ? "时" : "h ") + m + (zh ? "分" : "m");
    return late ? (zh ? "已超 " : "over by ") + text : text;
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll(".timer[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (!isNaN(due)) el.textContent = remaining(due - now);
    });
  }

  // An event reaches us as the service publishes it, a moment before the service's own read model has
  // applied it (longer on a busy machine), and one change may come as several events applied one after
  // another: fetch the page again 0.15, 1, 2, 4 and 8 s after the last event, each time it differs
  // showing what is there by then (stopping at the first difference missed the later ones).
  var AGAIN_AT = [150, 1000, 2000, 4000, 8000], chain = [], fetching = false;
  function nudged() {
    chain.forEach(clearTimeout);
    chain = AGAIN_AT.map(function (delay) { return setTimeout(attempt, delay); });
  }

  function attempt() {
    if (fetching) { chain.push(setTimeout(attempt, 200)); return; }
    fetching = true;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        fetching = false;
        if (html) swap(html);
      })
      .catch(function () { fetching = false; });
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
    var here = document.getElementById("live");
    if (!fresh || !here) return false;
    var before = here.innerHTML.replace(/<span class="timer"[^>]*>[^<]*<\/span>/g, "");
    var after = fresh.innerHTML.replace(/<span class="timer"[^>]*>[^<]*<\/span>/g, "");
    var changed = before.replace(/data-now="[^"]*"/, "") !== after.replace(/data-now="[^"]*"/, "");
    here.replaceWith(fresh); readOffset(); tick();
    return changed;
  }

  function listen() {
    var wanted = (document.body.getAttribute("data-live") || "").split(" ").filter(Boolean);
    if (!wanted.length || !window.EventSource) return;
    var source = new EventSource("/events");
    source.addEventListener("change", function (e) {
      try { var nudge = JSON.parse(e.data); } catch (err) { return; }
      if (wanted.indexOf(nudge.service) >= 0) nudged();
    });
    source.addEventListener("hello", function () { document.body.setAttribute("data-live-ready", "1"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    readOffset(); tick(); setInterval(tick, 1000); listen();
    var print = document.getElementById("print");
    if (print) print.addEventListener("click", function () { window.print(); });
  });
})();
