// Factdesk reviewer desk: keyboard shortcuts, citing a selection by offsets, polling provider status.
(function () {
  "use strict";
  var TEXT_TYPES = ["text", "search", "number", "url", "email", "password", "tel"];
  function typing(el) {
    if (!el) return false;
    if (el.tagName === "INPUT") return TEXT_TYPES.indexOf(el.type) >= 0;
    return el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable;
  }

  // Keyboard: elements with data-key="x" are activated (buttons, radios) or focused (fields) by that key.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var items = Array.prototype.slice.call(document.querySelectorAll("a.queue-item"));
    if ((ev.key === "j" || ev.key === "k") && items.length) {
      var i = items.indexOf(document.activeElement);
      i = ev.key === "j" ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
      items[i].focus(); ev.preventDefault(); return;
    }
    var target = null;
    document.querySelectorAll("[data-key]").forEach(function (el) {
      if (!target && el.getAttribute("data-key") === ev.key && el.offsetParent !== null) target = el;
    });
    if (ev.key === "c") target = document.querySelector(".cite-selection button[data-selected]") || null;
    if (!target) return;
    ev.preventDefault();
    if (target.tagName === "BUTTON" || target.type === "radio") { target.click(); target.focus(); } else { target.focus(); }
  });

  // Offsets of the current selection inside a .source-text element, counted in its text content
  // (the server slices the stored document text with them and checks they match).
  function offsetIn(root, node, offset) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), count = 0, n;
    while ((n = walker.nextNode())) {
      if (n === node) return count + offset;
      count += n.nodeValue.length;
    }
    return -1;
  }
  document.addEventListener("selectionchange", function () {
    var sel = window.getSelection();
    document.querySelectorAll(".cite-selection button").forEach(function (b) { b.removeAttribute("data-selected"); });
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var range = sel.getRangeAt(0);
    var root = range.startContainer.parentElement && range.startContainer.parentElement.closest(".source-text");
    if (!root || !root.contains(range.endContainer)) return;
    var start = offsetIn(root, range.startContainer, range.startOffset);
    var end = offsetIn(root, range.endContainer, range.endOffset);
    if (start < 0 || end <= start) return;
    var form = root.parentElement.querySelector("form.cite-selection");
    form.elements.start.value = String(start);
    form.elements.end.value = String(end);
    form.querySelector("button").setAttribute("data-selected", "1");
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.classList.contains("cite-selection") && !form.elements.start.value) {
      ev.preventDefault();
      alert("Select the passage inside the captured source text first.");
    }
  });

  // Live provider status: the fragment carries data-poll while providers are still running.
  function poll() {
    var box = document.getElementById("providers");
    if (!box || !box.getAttribute("data-poll")) return;
    fetch(box.getAttribute("data-poll"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        box.replaceWith(tpl.content.firstElementChild);
        setTimeout(poll, 3000);
      });
  }
  document.addEventListener("DOMContentLoaded", function () { setTimeout(poll, 3000); });

  // A long article opens scrolled to the claim, with the sentences before it in view (only the article box scrolls).
  document.addEventListener("DOMContentLoaded", function () {
    var mark = document.querySelector(".article mark.active");
    if (!mark) return;
    var box = mark.closest(".article");
    box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  });
})();
