/* Theming: a colour picker beside the colour field, and a sample header and button repainted as
   the colour changes, with the contrast white text would have on it. The field alone works without it. */
(function () {
  "use strict";
  var HEX = /^#[0-9a-fA-F]{6}$/;

  function luminance(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  function contrastWithWhite(hex) {
    return 1.05 / (luminance(hex) + 0.05);
  }

  function setUp(form) {
    var text = form.querySelector("input[name='theme_colour']");
    var pickerBox = form.querySelector("[data-colour-picker]");
    var picker = pickerBox && pickerBox.querySelector("input[type='color']");
    var preview = form.querySelector("[data-theme-preview]");
    var status = form.querySelector("[data-colour-contrast]");
    if (!text || !picker || !preview || !status) { return; }
    pickerBox.hidden = false;

    function show(value) {
      value = value.trim();
      if (!HEX.test(value)) {
        preview.classList.add("theme-preview-unknown");
        status.textContent = status.dataset.unreadable;
        return;
      }
      var ratio = Math.floor(contrastWithWhite(value) * 100) / 100;
      preview.classList.remove("theme-preview-unknown");
      preview.style.setProperty("--preview-brand", value);
      var message = ratio >= 4.5 ? status.dataset.ok : status.dataset.tooLight;
      status.textContent = message.replace("{colour}", value.toLowerCase()).replace("{ratio}", ratio.toFixed(2));
      status.classList.toggle("colour-too-light", ratio < 4.5);
      // Too light: the sample shows the colour with black text, which stays readable on it.
      preview.classList.toggle("theme-preview-too-light", ratio < 4.5);
    }

    if (HEX.test(text.value.trim())) { picker.value = text.value.trim().toLowerCase(); }
    picker.addEventListener("input", function () { text.value = picker.value; show(picker.value); });
    text.addEventListener("input", function () {
      var value = text.value.trim();
      if (HEX.test(value)) { picker.value = value.toLowerCase(); }
      show(value);
    });
    show(text.value);
  }

  function start() { document.querySelectorAll("[data-theme-form]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
