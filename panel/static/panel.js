// Small conveniences only; every form works without JavaScript.
document.addEventListener("click", function (event) {
  var addSpan = event.target.closest("[data-add-span]");
  if (addSpan) {
    // One more empty span row in place (without JavaScript the button asks the server).
    event.preventDefault();
    var box = addSpan.closest("[data-spans]");
    var row = addRow(box);
    row.querySelector("input").focus();
    return;
  }
  var copyWeek = event.target.closest("[data-copy-week]");
  if (copyWeek) {
    // Copy Monday's hours (every span) to Tuesday..Friday in place, without a round trip.
    event.preventDefault();
    var form = copyWeek.form;
    var source = form.querySelector('[data-spans="day0"]');
    var spans = spanValues(source);
    for (var d = 1; d <= 4; d++) {
      form.elements["day" + d + "_open"].checked = form.elements["day0_open"].checked;
      var box = form.querySelector('[data-spans="day' + d + '"]');
      var rows = box.querySelectorAll("[data-span-row]");
      for (var r = rows.length - 1; r > 0; r--) rows[r].remove();
      for (var n = 0; n < spans.length; n++) {
        var target = n === 0 ? rows[0] : addRow(box);
        var inputs = target.querySelectorAll("input");
        inputs[0].value = spans[n][0];
        inputs[1].value = spans[n][1];
      }
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

function spanValues(box) {
  var out = [];
  box.querySelectorAll("[data-span-row]").forEach(function (row) {
    var inputs = row.querySelectorAll("input");
    out.push([inputs[0].value, inputs[1].value]);
  });
  return out;
}

function addRow(box) {
  // Rows are named {prefix}_start / {prefix}_end, then {prefix}_start_1, _2...
  var rows = box.querySelectorAll("[data-span-row]");
  var last = rows[rows.length - 1];
  var prefix = box.getAttribute("data-spans");
  var next = 0;
  rows.forEach(function (row) {
    var match = row.querySelector("input").name.match(/_(\d+)$/);
    next = Math.max(next, match ? Number(match[1]) : 0);
  });
  next += 1;
  var row = last.cloneNode(true);
  row.classList.remove("invalid");
  row.querySelectorAll(".error").forEach(function (e) { e.remove(); });
  var inputs = row.querySelectorAll("input");
  inputs[0].name = prefix + "_start_" + next;
  inputs[1].name = prefix + "_end_" + next;
  inputs[0].value = "";
  inputs[1].value = "";
  var note = row.querySelector("[data-span-note]");
  if (note) note.textContent = "";
  last.after(row);
  return row;
}

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
