// On a phone the office menus scroll sideways: bring the current page's entry into view.
document.querySelectorAll(".admin-menu a[aria-current='page']").forEach(function (link) {
  var list = link.closest("ul");
  if (list && list.scrollWidth > list.clientWidth) {
    list.scrollLeft = link.offsetLeft - list.offsetLeft - (list.clientWidth - link.offsetWidth) / 2;
  }
});
