/* thaibench site: the DOM helpers both pages use. Text is set with textContent only, never
   parsed as HTML, so model outputs shown on the pages cannot inject markup. */
(function () {
  "use strict";

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function fmt(v, digits) {
    return (v === null || v === undefined) ? "n/a" : Number(v).toFixed(digits === undefined ? 1 : digits);
  }

  window.TBDom = { h: h, fmt: fmt };
})();
