/* The email editor's variable picker (the guide's <#> button): it lists this email's variables and puts
   the chosen {name} where the cursor was, in the subject or the body. Without JavaScript the list of
   variables below the form says what to type. */
(function () {
  "use strict";

  function setUp(picker) {
    var form = picker.closest("form");
    var subject = form.querySelector('input[name="subject"]');
    var body = form.querySelector('textarea[name="body"]');
    var button = picker.querySelector("[data-picker-button]");
    var menu = picker.querySelector("#" + button.getAttribute("aria-controls"));
    var items = Array.prototype.slice.call(menu.querySelectorAll("button[data-variable]"));
    var last = "body";  // where the cursor last was: "subject" or "body"
    var caret = null;  // the subject's selection when it was left

    subject.addEventListener("focus", function () { last = "subject"; });
    subject.addEventListener("blur", function () { caret = [subject.selectionStart, subject.selectionEnd]; });
    function bodyArea() { return body.richText ? body.richText.area : body; }
    bodyArea().addEventListener("focus", function () { last = "body"; });
    body.addEventListener("focus", function () { last = "body"; });

    function open() {
      menu.hidden = false;
      button.setAttribute("aria-expanded", "true");
      items[0].focus();
    }
    function close(focusButton) {
      menu.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (focusButton) { button.focus(); }
    }
    function insert(name) {
      var text = "{" + name + "}";
      close(false);
      if (last === "subject") {
        var at = caret || [subject.value.length, subject.value.length];
        subject.focus();
        subject.setRangeText(text, at[0], at[1], "end");
        caret = [subject.selectionStart, subject.selectionEnd];
      } else if (body.richText) {
        body.richText.insertText(text);
      } else {
        body.focus();
        body.setRangeText(text, body.selectionStart, body.selectionEnd, "end");
      }
    }

    button.addEventListener("mousedown", function () { if (body.richText) { body.richText.remember(); } });
    button.addEventListener("click", function () {
      if (menu.hidden) { open(); } else { close(true); }
    });
    menu.addEventListener("click", function (e) {
      var item = e.target.closest("button[data-variable]");
      if (item) { insert(item.dataset.variable); }
    });
    menu.addEventListener("keydown", function (e) {
      var i = items.indexOf(document.activeElement);
      var next = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1 }[e.key];
      if (e.key === "Escape") { e.preventDefault(); close(true); return; }
      if (next === undefined) { return; }
      e.preventDefault();
      items[(next + items.length) % items.length].focus();
    });
    document.addEventListener("click", function (e) {
      if (!menu.hidden && !picker.contains(e.target)) { close(false); }
    });
    picker.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    // After rich_text.js (loaded first, both deferred) has put the editor in place.
    document.querySelectorAll("[data-variable-picker]").forEach(setUp);
  });
})();
