/* dsatlas serve only: reload the page as soon as a rebuild finishes (long-polls the local server). */
(function () {
  "use strict";
  var current = null;
  function poll() {
    fetch("/.dsatlas/build?after=" + encodeURIComponent(current || ""), { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (build) {
        if (current !== null && build !== current) { window.location.reload(); return; }
        current = build;
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
