/* dsatlas: the home page's big search box is a <label> for the theme's search toggle (it opens search
   without this script); this puts the cursor in the theme's search input, and lets the keyboard use it. */
(function () {
  "use strict";

  function open(box) {
    var toggle = document.getElementById(box.getAttribute("for"));
    var input = document.querySelector("input.md-search__input");
    if (toggle && !toggle.checked) toggle.click();
    if (input) input.focus();
  }
  function setup() {
    Array.prototype.forEach.call(document.querySelectorAll("label.dsatlas-search"), function (box) {
      if (box.getAttribute("data-search-ready")) return;
      box.setAttribute("data-search-ready", "1");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "button");
      box.addEventListener("click", function (event) { event.preventDefault(); open(box); });
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(box); }
      });
    });
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setup);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
