/* yinhuan web: progressive enhancement, served by the app itself.
   Without this script every page still works (forms post, 保存 reloads).
   With it: the evidence form saves a draft on every change and the findings are recomputed as
   one types; every change is also kept in this browser (localStorage) until the server has it,
   so closing the tab or losing the connection loses no answer. */
(function () {
  "use strict";
  var form = document.getElementById("evidence");
  if (!form || form.dataset.autosave !== "1") return;
  var key = form.dataset.draftKey;
  var savedEl = document.getElementById("saved");
  var timer = null, inflight = false, pending = false;

  function snapshot() {
    var out = [];
    new FormData(form).forEach(function (v, k) { if (k !== "csrf_token") out.push([k, v]); });
    return out;
  }
  function keepLocal() {
    try { localStorage.setItem(key, JSON.stringify({at: Date.now(), fields: snapshot()})); } catch (e) {}
  }
  function status(text, offline) {
    if (!savedEl) return;
    savedEl.textContent = text;
    savedEl.className = offline ? "offline" : "";
  }
  function markInvalid() {
    form.querySelectorAll(".invalid").forEach(function (el) { el.classList.remove("invalid"); });
    document.querySelectorAll("#findings [data-field]").forEach(function (li) {
      var name = li.getAttribute("data-field");
      if (!name) return;
      var el = form.querySelector('[name="' + CSS.escape(name) + '"]');
      if (el) el.classList.add("invalid");
    });
  }
  function save() {
    if (form.dataset.autosave !== "1") return;
    if (inflight) { pending = true; return; }
    inflight = true;
    var body = new FormData(form);
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                        headers: {"X-Requested-With": "fetch", "X-CSRF-Token": body.get("csrf_token")}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (j) {
        var box = document.getElementById("findings");
        if (box) box.outerHTML = j.html;
        markInvalid();
        status("已保存 " + j.saved_at.substring(11, 19), false);
        try { localStorage.removeItem(key); } catch (e) {}
      })
      .catch(function () { status("未能连接服务器：修改已暂存在本浏览器，恢复连接后自动保存", true); })
      .finally(function () { inflight = false; if (pending) { pending = false; save(); } });
  }
  function changed() {
    keepLocal();
    status("正在保存…", false);
    clearTimeout(timer);
    timer = setTimeout(save, 350);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", save);

  // add a row to a records table: clone the last row with the next row number, emptied
  form.addEventListener("click", function (ev) {
    var btn = ev.target.closest(".add-row");
    if (!btn) return;
    var tbody = btn.parentNode.querySelector("tbody");
    var last = tbody.lastElementChild;
    var n = parseInt(last.getAttribute("data-row"), 10) + 1;
    var row = last.cloneNode(true);
    row.setAttribute("data-row", n);
    row.querySelectorAll("[name]").forEach(function (el) {
      el.name = el.name.replace(/^(r\.[^.]+\.)\d+\./, "$1" + n + ".");
      if (el.type === "checkbox" || el.type === "radio") el.checked = false; else el.value = "";
    });
    tbody.appendChild(row);
    var first = row.querySelector("input, select");
    if (first) first.focus();
  });

  // a change kept in this browser but never saved (tab closed offline): put it back, then save
  try {
    var kept = JSON.parse(localStorage.getItem(key) || "null");
    if (kept && kept.fields) {
      kept.fields.forEach(function (kv) {
        var els = form.querySelectorAll('[name="' + CSS.escape(kv[0]) + '"]');
        if (!els.length) {
          var m = kv[0].match(/^r\.([^.]+)\.(\d+)\./);
          if (m) { /* a row added offline: recreate rows until it exists */
            var table = form.querySelector('details[data-table="' + CSS.escape(m[1]) + '"]');
            var add = table && table.querySelector(".add-row");
            for (var i = 0; i < 50 && add && !form.querySelector('[name="' + CSS.escape(kv[0]) + '"]'); i++) add.click();
            els = form.querySelectorAll('[name="' + CSS.escape(kv[0]) + '"]');
          }
        }
        els.forEach(function (el) {
          if (el.type === "checkbox" || el.type === "radio") { if (el.value === kv[1]) el.checked = true; }
          else el.value = kv[1];
        });
      });
      status("已从本浏览器恢复未保存的修改，正在保存…", false);
      save();
    }
  } catch (e) {}
  markInvalid();

  var finish = document.getElementById("finish");
  if (finish) finish.addEventListener("click", function (ev) {
    if (!confirm("完成后不能再修改，检查记录和整改通知书将按此生成。确定完成检查？")) { ev.preventDefault(); return; }
    // the form itself carries every field to the server now: no autosave may follow it
    clearTimeout(timer);
    form.dataset.autosave = "0";
    form.removeEventListener("input", changed);
    form.removeEventListener("change", changed);
    try { localStorage.removeItem(key); } catch (e) {}
  });
})();
