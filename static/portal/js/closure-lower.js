// The closure wizard's first screen. The new-limit field applies only when lowering: it is shown
// while "lower the limit" is chosen and hidden otherwise (without JavaScript it is always shown,
// labelled "only when lowering", and the server ignores it for the other choices). It also says
// at once whether the amount typed is in the allowed range; the range and both messages come
// from data- attributes on #lower-preview, and the server checks the amount again.
(function () {
  "use strict";
  var fields = document.getElementById("lower-fields");
  var input = document.getElementById("id_target_limit");
  var preview = document.getElementById("lower-preview");
  if (!fields || !input || !preview) {
    return;
  }
  var lowerRadio = document.getElementById(fields.dataset.lowerRadio);
  var radios = document.querySelectorAll("input[type=radio][name='" + lowerRadio.name + "']");

  function showWhenLowering() {
    fields.hidden = !lowerRadio.checked;
  }
  Array.prototype.forEach.call(radios, function (radio) {
    radio.addEventListener("change", showWhenLowering);
  });
  showWhenLowering();

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
