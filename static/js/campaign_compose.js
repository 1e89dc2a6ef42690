/* Create Communications' compose form: each attachment choice shows only its own field (the Utility
   Communication's list with "A current Utility Communication", the PDF file with "A PDF from my computer"),
   and the text message box counts its characters as the server does. Without JavaScript every field stays
   shown; the server uses only the chosen attachment's field and says when an uploaded file was not used. */
(function () {
  "use strict";

  function followAttachment(form) {
    var radios = form.querySelectorAll('input[name="attachment"]');
    var parts = form.querySelectorAll("[data-attachment-for]");
    if (!radios.length || !parts.length) { return; }
    function show() {
      var chosen = form.querySelector('input[name="attachment"]:checked');
      parts.forEach(function (part) {
        part.hidden = !chosen || part.getAttribute("data-attachment-for") !== chosen.value;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", show); });
    show();
  }

  // communications/campaigns/compose.py text_parts: 160 a text in GSM letters (153 a part beyond), else 70 (67).
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ" +
            "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€";

  function parts(text) {
    var chars = Array.from(text.replace(/\r/g, "").trim());
    var gsm = chars.every(function (ch) { return GSM.indexOf(ch) >= 0 || EXTENDED.indexOf(ch) >= 0; });
    var length = gsm ? chars.reduce(function (n, ch) { return n + (EXTENDED.indexOf(ch) >= 0 ? 2 : 1); }, 0)
                     : chars.length;
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    return { length: length, parts: length === 0 ? 0 : length <= single ? 1 : Math.ceil(length / multi) };
  }

  function countText(area) {
    var out = document.getElementById(area.id + "_count");
    if (!out) { return; }
    function show() {
      var n = parts(area.value);
      // The words for one character and for none are their own ("1 characters", "0 characters: 1 text" read wrong).
      var words = n.parts > 3 ? out.dataset.over : n.parts > 1 ? out.dataset.many
                : n.length === 0 ? out.dataset.empty : n.length === 1 ? out.dataset.oneCharacter : out.dataset.one;
      out.textContent = words.replace("%(count)s", n.length).replace("%(parts)s", n.parts);
    }
    area.addEventListener("input", show);
    show();
  }

  document.querySelectorAll("form#campaign-form").forEach(followAttachment);
  document.querySelectorAll("textarea[data-text-counter]").forEach(countText);
})();
