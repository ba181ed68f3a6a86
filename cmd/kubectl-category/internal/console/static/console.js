// The reviewers' console: keyboard shortcuts and image zoom. Everything works without it;
// served from the console itself (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var help = document.getElementById("help");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
  var files = Array.prototype.slice.call(document.querySelectorAll("figure.file"));
  var selected = 0, current = -1;

  function select(i) {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("selected", j === selected); });
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  function showFile(i) {
    if (!files.length) return;
    current = Math.max(0, Math.min(files.length - 1, i));
    files[current].focus();
    files[current].scrollIntoView({ block: "center" });
  }
  function typing(e) {
    var t = e.target.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT";
  }
  function toggleZoom(img) { if (img) img.classList.toggle("zoomed"); }

  rows.forEach(function (r, j) {
    r.addEventListener("click", function (e) { if (e.target.tagName !== "A") location.href = r.dataset.href; });
    r.addEventListener("mouseenter", function () { select(j); });
  });
  select(0);
  // The guidance of the chosen rejection reason: what the merchant will read they must fix.
  var reason = document.getElementById("reject-reason"), guidance = document.getElementById("reason-guidance");
  if (reason && guidance) {
    reason.addEventListener("change", function () {
      var g = reason.options[reason.selectedIndex].dataset.guidance;
      if (g) guidance.textContent = "What to fix, as the merchant reads it: " + g;
    });
  }
  document.querySelectorAll("img.zoomable").forEach(function (img) {
    img.addEventListener("click", function () { toggleZoom(img); });
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape") {
      document.querySelectorAll("img.zoomed").forEach(toggleZoom);
      if (typing(e)) e.target.blur();
      return;
    }
    if (typing(e)) return;
    var approve = document.getElementById("approve");
    switch (e.key) {
      case "?": if (help) help.showModal(); break;
      case "j": case "ArrowDown": if (rows.length) { select(selected + 1); e.preventDefault(); } break;
      case "k": case "ArrowUp": if (rows.length) { select(selected - 1); e.preventDefault(); } break;
      case "Enter": if (rows.length && document.activeElement === document.body) location.href = rows[selected].dataset.href; break;
      case "/": var s = document.getElementById("search"); if (s) { s.focus(); e.preventDefault(); } break;
      case "n": showFile(current + 1); break;
      case "p": showFile(current - 1); break;
      case "z": if (current >= 0) toggleZoom(files[current].querySelector("img")); break;
      case "a": if (approve) { approve.focus(); e.preventDefault(); } break;
      case "r": var f = document.querySelector("#reject-form [name=freeReason], #reject-form select"); if (f) { f.focus(); e.preventDefault(); } break;
      case "q": location.href = "/"; break;
    }
  });
})();
