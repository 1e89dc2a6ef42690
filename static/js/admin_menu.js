// The office menus sit in a <details open>, so without JavaScript they are all visible. On a phone they are
// closed on load, so the page's own content starts near the top; "Office menu: …" opens them. On a desktop
// the summary is hidden, so the menus are kept open (also when a narrow window is widened).
(function () {
  var menu = document.querySelector("[data-admin-menu]");
  if (!menu || !window.matchMedia) return;
  var desktop = window.matchMedia("(min-width: 48rem)");
  if (!desktop.matches) menu.open = false;
  var keepOpen = function (event) { if (event.matches) menu.open = true; };
  if (desktop.addEventListener) desktop.addEventListener("change", keepOpen);
  else if (desktop.addListener) desktop.addListener(keepOpen);
})();
