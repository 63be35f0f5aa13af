// A "print" button for the print views: CSP forbids inline handlers, so
// any button marked data-print opens the browser's print dialog.
"use strict";
document.addEventListener("click", (e) => {
  const button = e.target.closest("[data-print]");
  if (button) {
    e.preventDefault();
    window.print();
  }
});
