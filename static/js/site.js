// Progressive enhancement only: every page works without this file.
(function () {
  // Move focus to a form's error summary so screen reader users hear it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  // Ask before a destructive action when a button carries data-confirm.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Live progress of background work (sending notices, counting): a box with
  // data-progress-url is polled for JSON {done, total, finished, preparing, text}; the page
  // reloads when the work is finished. Without JavaScript the page has a refresh link.
  Array.prototype.forEach.call(document.querySelectorAll("[data-progress-url]"), function (box) {
    if (box.dataset.finished) { return; }
    var status = box.querySelector("[data-progress-status]");
    var bar = box.querySelector("progress");
    function poll() {
      fetch(box.dataset.progressUrl, {headers: {"Accept": "application/json"},
                                      credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.finished) { window.location.reload(); return; }
          if (status) {
            status.textContent = data.text ? data.text
              : data.preparing ? "Preparing the emails…"
              : "Sending: " + data.done + " of " + data.total + " done.";
          }
          if (bar && data.total) { bar.max = data.total; bar.value = data.done; }
          setTimeout(poll, 1500);
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  });
})();
