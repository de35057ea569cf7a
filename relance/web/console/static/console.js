// Relance console: the agent's time zone (cookie read by the server) and live updates (Server-Sent Events).
// Every page works without this script; with it, open pages follow what happens without a reload.
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  var current = (document.cookie.split("; ").filter(function (c) { return c.indexOf("console_tz=") === 0; })[0] || "").slice(11);
  if (zone && decodeURIComponent(current) !== zone) {
    document.cookie = "console_tz=" + zone + "; path=/console; max-age=31536000; SameSite=Lax";
    // show times in the agent's zone at once, once per tab
    if (document.querySelector("[data-zone-sensitive]") && !sessionStorage.getItem("console_tz_reloaded")) {
      sessionStorage.setItem("console_tz_reloaded", "1");
      location.reload();
      return;
    }
  }

  // a conversation opens on its latest message, like a chat
  var transcript = document.getElementById("transcript");
  if (transcript) { transcript.scrollTop = transcript.scrollHeight; }

  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource) { return; }
  var badge = document.getElementById("live-count");
  var fresh = 0;
  var busy = false, again = false;

  function keys(region) {
    var out = {};
    region.querySelectorAll("[data-key]").forEach(function (el) { out[el.getAttribute("data-key")] = true; });
    return out;
  }

  function show(labels) {
    fresh += labels;
    badge.hidden = false;
    badge.textContent = fresh + " new";
    badge.title = "new since this page opened: click to clear";
  }

  badge.addEventListener("click", function () {
    fresh = 0; badge.hidden = true;
    document.querySelectorAll(".fresh").forEach(function (el) { el.classList.remove("fresh"); });
  });

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Requested-With": "live" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var added = 0;
        document.querySelectorAll("[data-live-region]").forEach(function (region) {
          var next = doc.getElementById(region.id);
          if (!next) { return; }
          var before = keys(region);
          region.innerHTML = next.innerHTML;
          region.querySelectorAll("[data-key]").forEach(function (el) {
            if (!before[el.getAttribute("data-key")] && region.hasAttribute("data-count-new")) {
              el.classList.add("fresh"); added += 1;
            }
          });
        });
        if (added) { show(added); }
        var thread = document.getElementById("transcript");
        if (thread && added) { thread.lastElementChild && thread.lastElementChild.scrollIntoView({ block: "nearest" }); }
      })
      .catch(function () { /* the next update tries again */ })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  var source = new EventSource(root.getAttribute("data-live"));
  source.addEventListener("update", function () { refresh(); });
})();
