// The closure wizard's first step: says at once whether the amount typed is in the allowed range.
// The range and both messages come from data- attributes on #lower-preview; the server checks
// the amount again, so this only saves a round trip.
(function () {
  "use strict";
  var input = document.getElementById("id_target_limit");
  var preview = document.getElementById("lower-preview");
  if (!input || !preview) {
    return;
  }
  var lowest = parseFloat(preview.dataset.lowest);
  var highest = parseFloat(preview.dataset.highest);
  var step = parseFloat(preview.dataset.step);
  input.addEventListener("input", function () {
    var value = parseFloat(input.value.replace(/,/g, ""));
    if (isNaN(value)) {
      preview.hidden = true;
      return;
    }
    var inSteps = Math.abs(value / step - Math.round(value / step)) < 1e-9;
    preview.hidden = false;
    preview.textContent = value >= lowest && value <= highest && inSteps ? preview.dataset.allowed : preview.dataset.refused;
  });
})();
