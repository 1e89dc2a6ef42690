/* A small rich-text editor for a <textarea data-rich-text>: a labelled contenteditable box with a toolbar
   (Bold, Italic, Link, Bulleted list, Numbered list), kept in step with the textarea, which is what the
   form sends. Without JavaScript the textarea stays as it is. The server sanitizes whatever arrives.
   Other scripts reach the editor as textarea.richText ({ area, insertText(text) }). */
(function () {
  "use strict";

  var ADDRESS = /^(https?:\/\/|mailto:)\S+$|^\{[A-Za-z_][A-Za-z0-9_]*\}$/i;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function enhance(textarea) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var words = textarea.closest("form").dataset;
    var toolbar = el("div", { role: "toolbar", class: "rte-toolbar", "aria-label": words.rteToolbar || "Formatting",
                              "aria-controls": textarea.id + "_editor" });
    var area = el("div", { id: textarea.id + "_editor", class: "rte-area", contenteditable: "true", role: "textbox",
                           "aria-multiline": "true", "aria-labelledby": label ? label.id : "" });
    ["aria-describedby", "aria-invalid"].forEach(function (a) {
      if (textarea.hasAttribute(a)) { area.setAttribute(a, textarea.getAttribute(a)); }
    });
    area.innerHTML = textarea.value.trim() || "<p><br></p>";
    var saved = null;

    function sync() { textarea.value = area.innerHTML; }
    function keep() {
      var sel = window.getSelection();
      if (sel.rangeCount && area.contains(sel.getRangeAt(0).commonAncestorContainer)) {
        saved = sel.getRangeAt(0).cloneRange();
      }
    }
    function restore() {
      area.focus();
      if (saved) { var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(saved); }
    }
    function run(command, value) {
      restore();
      document.execCommand(command, false, value || null);
      keep(); sync(); states();
    }

    var buttons = [
      ["bold", words.rteBold || "Bold"], ["italic", words.rteItalic || "Italic"], ["link", words.rteLink || "Link"],
      ["insertUnorderedList", words.rteBullets || "Bulleted list"],
      ["insertOrderedList", words.rteNumbers || "Numbered list"]
    ].map(function (spec, i) {
      var b = el("button", { type: "button", class: "rte-button", tabindex: i ? "-1" : "0", "data-command": spec[0] },
                 spec[1]);
      if (spec[0] !== "link") { b.setAttribute("aria-pressed", "false"); }
      toolbar.appendChild(b);
      return b;
    });

    // The link panel: an address box instead of a pop-up prompt.
    var panel = el("div", { class: "rte-link", hidden: "" });
    var inputId = textarea.id + "_link";
    var errorId = inputId + "_error";
    panel.appendChild(el("label", { for: inputId }, words.rteAddress || "Link address (https://…, mailto:… or a link variable)"));
    var input = el("input", { type: "text", id: inputId, inputmode: "url", autocomplete: "off" });
    panel.appendChild(input);
    var error = el("p", { id: errorId, class: "errors", "aria-live": "polite" });
    panel.appendChild(error);
    var add = el("button", { type: "button", class: "button" }, words.rteAdd || "Add link");
    var cancel = el("button", { type: "button", class: "button button-secondary" }, words.rteCancel || "Cancel");
    var row = el("div", { class: "actions" });
    row.appendChild(add); row.appendChild(cancel); panel.appendChild(row);

    function closePanel() { panel.hidden = true; input.value = ""; error.textContent = ""; input.removeAttribute("aria-invalid"); restore(); }
    function addLink() {
      var address = input.value.trim();
      if (!ADDRESS.test(address)) {
        error.textContent = words.rteBadAddress || "Enter an address starting with https://, http:// or mailto:, or a link variable such as {pay_link}.";
        input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", errorId);
        input.focus();
        return;
      }
      panel.hidden = true; input.value = ""; error.textContent = "";
      restore();
      if (window.getSelection().isCollapsed) {
        var a = el("a", { href: address }, address);
        run("insertHTML", a.outerHTML);
      } else {
        run("createLink", address);
      }
    }
    add.addEventListener("click", addLink);
    cancel.addEventListener("click", closePanel);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); addLink(); }
      if (e.key === "Escape") { e.preventDefault(); closePanel(); }
    });

    toolbar.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) { return; }
      if (b.dataset.command === "link") { keep(); panel.hidden = false; input.focus(); return; }
      run(b.dataset.command);
    });
    toolbar.addEventListener("keydown", function (e) {  // one tab stop; arrows move along the toolbar
      var i = buttons.indexOf(document.activeElement);
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 }[e.key];
      if (i < 0 || next === undefined) { return; }
      e.preventDefault();
      next = (next + buttons.length) % buttons.length;
      buttons.forEach(function (b, j) { b.tabIndex = j === next ? 0 : -1; });
      buttons[next].focus();
    });
    function states() {
      buttons.forEach(function (b) {
        var c = b.dataset.command;
        if (c === "bold" || c === "italic" || c === "insertUnorderedList" || c === "insertOrderedList") {
          var on = false;
          try { on = document.queryCommandState(c); } catch (err) { on = false; }
          b.setAttribute("aria-pressed", on ? "true" : "false");
        }
      });
    }

    area.addEventListener("focus", function () { document.execCommand("defaultParagraphSeparator", false, "p"); });
    area.addEventListener("input", function () { keep(); sync(); });
    area.addEventListener("keyup", function () { keep(); states(); });
    area.addEventListener("mouseup", function () { keep(); states(); });
    if (label) { label.addEventListener("click", function () { area.focus(); }); }
    textarea.closest("form").addEventListener("submit", sync);

    var box = el("div", { class: "rte" });
    box.appendChild(toolbar); box.appendChild(panel); box.appendChild(area);
    textarea.parentNode.insertBefore(box, textarea);
    textarea.hidden = true;

    textarea.richText = {
      area: area,
      insertText: function (text) {
        restore();
        document.execCommand("insertText", false, text);
        keep(); sync();
      },
      remember: keep
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-rich-text]").forEach(enhance);
  });
})();
