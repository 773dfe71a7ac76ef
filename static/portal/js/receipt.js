// The receipt's Print button: hidden without JavaScript, where the browser's own print works.
(function () {
  "use strict";
  var button = document.getElementById("print-receipt");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
