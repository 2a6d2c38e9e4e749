// A table that scrolls sideways inside its own box (a wide table on a 390 px phone, issue 13)
// must be reachable by keyboard to be scrolled (WCAG 2.1.1; axe "scrollable-region-focusable"):
// while it overflows it is a tab stop; when the window grows and it fits, it stops being one.
// Without this script the page works the same; only the keyboard cannot scroll such a table.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".data-table, .table-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else {
    mark();
  }
  window.addEventListener("resize", mark);
})();
