/* dsatlas: zoom and pan for the pre-rendered diagrams, by moving the SVG's viewBox (stays vector-sharp).
   Buttons, Ctrl/⌘ + wheel or a trackpad pinch, double-click, drag to pan, two-finger pinch on phones.
   Without JavaScript the diagram is simply shown whole. */
(function () {
  "use strict";
  var MAX_ZOOM = 20;

  function setup(figure) {
    var svg = figure.querySelector("svg");
    if (!svg || figure.getAttribute("data-zoom-ready")) return;
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (!box || !box.width || !box.height) return;
    figure.setAttribute("data-zoom-ready", "1");
    var home = { x: box.x, y: box.y, w: box.width, h: box.height };
    var view = { x: home.x, y: home.y, w: home.w, h: home.h };

    function apply() {
      view.w = Math.min(home.w, Math.max(home.w / MAX_ZOOM, view.w));
      view.h = view.w * home.h / home.w;
      view.x = Math.min(home.x + home.w - view.w, Math.max(home.x, view.x));
      view.y = Math.min(home.y + home.h - view.h, Math.max(home.y, view.y));
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
      figure.classList.toggle("dsatlas-zoomed", view.w < home.w - 1e-6);
    }
    // Zoom by `factor` keeping the point at fractions (fx, fy) of the visible area where it is.
    function zoom(factor, fx, fy) {
      var px = view.x + view.w * fx, py = view.y + view.h * fy;
      view.w = view.w / factor;
      view.h = view.w * home.h / home.w;
      view.x = px - view.w * fx;
      view.y = py - view.h * fy;
      apply();
    }
    function fractions(clientX, clientY) {
      var rect = svg.getBoundingClientRect();
      return [Math.min(1, Math.max(0, (clientX - rect.left) / rect.width)),
              Math.min(1, Math.max(0, (clientY - rect.top) / rect.height))];
    }
    function reset() { view = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); }

    // Full screen is the browser's (Fullscreen API) where it exists, and always a fixed full-window view
    // (class dsatlas-fullview): phones that refuse element full screen (iOS Safari) still get the whole
    // screen. The viewBox is untouched, so the figure keeps its zoom going in and coming out.
    function fullscreen() {
      if (figure.classList.contains("dsatlas-fullview")) { leave(); return; }
      figure.classList.add("dsatlas-fullview");
      document.documentElement.classList.add("dsatlas-fullview-open");
      if (figure.requestFullscreen) {
        var asked = figure.requestFullscreen();
        if (asked && asked.then) {
          asked.then(function () { // a wide diagram reads better sideways; most browsers refuse, quietly
            var orientation = screen.orientation;
            if (orientation && orientation.lock && home.w > home.h) orientation.lock("landscape").catch(function () {});
          }, function () {});
        }
      }
    }
    function leave() {
      figure.classList.remove("dsatlas-fullview");
      document.documentElement.classList.remove("dsatlas-fullview-open");
      if (document.fullscreenElement === figure) document.exitFullscreen();
      if (screen.orientation && screen.orientation.unlock) { try { screen.orientation.unlock(); } catch (e) { /* none locked */ } }
    }
    document.addEventListener("fullscreenchange", function () {
      if (!document.fullscreenElement && figure.classList.contains("dsatlas-fullview")) leave();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && figure.classList.contains("dsatlas-fullview")) leave();
    });

    function button(label, title, action, className) {
      var element = document.createElement("button");
      element.type = "button";
      element.textContent = label;
      element.title = title;
      element.setAttribute("aria-label", title);
      if (className) element.className = className;
      element.addEventListener("click", action);
      return element;
    }
    var bar = document.createElement("div");
    bar.className = "dsatlas-zoom";
    bar.appendChild(button("+", "Zoom in", function () { zoom(1.5, 0.5, 0.5); }));
    bar.appendChild(button("\u2212", "Zoom out", function () { zoom(1 / 1.5, 0.5, 0.5); }));
    bar.appendChild(button("Reset", "Show the whole diagram", reset));
    bar.appendChild(button("Full screen", "Show the diagram full screen", fullscreen, "dsatlas-zoom-full"));
    figure.insertBefore(bar, figure.firstChild);
    // On a phone (the style sheet shows it at 600 px wide or less) this comes first: the diagram at the
    // screen's full width, rather than shrunk into the text column.
    figure.insertBefore(button("Full screen, fit to width", "Full screen, fit to width", fullscreen,
                               "dsatlas-fit"), figure.firstChild);

    svg.addEventListener("wheel", function (event) {
      if (!event.ctrlKey && !event.metaKey) return; // plain wheel keeps scrolling the page
      event.preventDefault();
      var at = fractions(event.clientX, event.clientY);
      zoom(Math.exp(-event.deltaY / 300), at[0], at[1]);
    }, { passive: false });
    svg.addEventListener("dblclick", function (event) {
      var at = fractions(event.clientX, event.clientY);
      zoom(2, at[0], at[1]);
    });

    var pointers = {};
    var pinch = null;
    svg.addEventListener("pointerdown", function (event) {
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      var last = pointers[event.pointerId];
      if (!last) return;
      var ids = Object.keys(pointers);
      var rect = svg.getBoundingClientRect();
      if (ids.length === 2) {
        var other = pointers[ids[0] == event.pointerId ? ids[1] : ids[0]];
        var distance = Math.hypot(event.clientX - other.x, event.clientY - other.y);
        if (pinch) {
          var mid = fractions((event.clientX + other.x) / 2, (event.clientY + other.y) / 2);
          zoom(distance / pinch, mid[0], mid[1]);
        }
        pinch = distance;
      } else if (ids.length === 1 && view.w < home.w) {
        view.x -= (event.clientX - last.x) * view.w / rect.width;
        view.y -= (event.clientY - last.y) * view.h / rect.height;
        apply();
      }
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    });
    function release(event) { delete pointers[event.pointerId]; pinch = null; }
    svg.addEventListener("pointerup", release);
    svg.addEventListener("pointercancel", release);
  }

  function setupAll() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.dsatlas-diagram"), setup);
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setupAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupAll);
  else setupAll();
})();
