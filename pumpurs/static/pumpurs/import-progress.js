// The batch page while a file is being checked: fetch the page again every two seconds, swap in
// the new progress bar, and reload once the batch has finished (its page then has no bar).
// Without JavaScript a <noscript> refresh does the same, more bluntly.
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function poll() {
    var current = document.getElementById("import-progress");
    if (!current) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("import-progress");
        if (!fresh) {
          window.location.reload();
          return;
        }
        current.replaceWith(document.importNode(fresh, true));
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL_MS * 5);
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
