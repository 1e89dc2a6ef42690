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

  document.querySelectorAll("form#campaign-form").forEach(followAttachment);
})();
