// Small conveniences only; every form works without JavaScript.
document.addEventListener("click", function (event) {
  var copyWeek = event.target.closest("[data-copy-week]");
  if (copyWeek) {
    // Copy Monday's hours to Tuesday..Friday in place, without a round trip.
    event.preventDefault();
    var form = copyWeek.form;
    var open = form.elements["day0_open"].checked;
    var start = form.elements["day0_start"].value;
    var end = form.elements["day0_end"].value;
    for (var d = 1; d <= 4; d++) {
      form.elements["day" + d + "_open"].checked = open;
      form.elements["day" + d + "_start"].value = start;
      form.elements["day" + d + "_end"].value = end;
    }
    return;
  }
  var copy = event.target.closest("[data-copy]");
  if (copy && navigator.clipboard) {
    navigator.clipboard.writeText(copy.getAttribute("data-copy"));
    copy.textContent = copy.getAttribute("data-copied") || "✓";
  }
  var confirmButton = event.target.closest("[data-confirm]");
  if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// First wizard step: start the time zone at the browser's own, when our list has it (the
// field stays a searchable list: typing filters the zones).
(function () {
  var marker = document.querySelector("[data-browser-zone]");
  if (!marker || !window.Intl) return;
  var input = document.getElementById(marker.getAttribute("data-browser-zone"));
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!input || !zone || !input.list) return;
  var known = Array.prototype.some.call(input.list.options, function (o) {
    return o.value === zone;
  });
  if (known) input.value = zone;
})();
