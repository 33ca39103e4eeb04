// The report's own script: expand and collapse the specs, show problems
// only, copy a curl command, and open everything for printing. The page
// reads well without it.
(function () {
  'use strict';
  function all(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }
  function specs() { return all('details.spec'); }
  function on(id, handler) {
    var el = document.getElementById(id);
    if (el) { el.addEventListener('click', handler); }
  }
  on('expand-all', function () { specs().forEach(function (d) { d.open = true; }); });
  on('collapse-all', function () { specs().forEach(function (d) { d.open = false; }); });
  on('only-problems', function (e) {
    var pressed = document.body.classList.toggle('problems-only');
    e.currentTarget.setAttribute('aria-pressed', String(pressed));
  });

  // A link to a spec opens it.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (el && el.tagName === 'DETAILS') { el.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();

  function select(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  function copyBySelection(pre) {
    select(pre);
    try { return document.execCommand('copy'); } catch (err) { return false; }
  }
  document.addEventListener('click', function (e) {
    var button = e.target.closest ? e.target.closest('button.copy') : null;
    if (!button) { return; }
    var pre = button.closest('.curl').querySelector('pre.cmd');
    function done(ok) {
      button.textContent = ok ? 'Copied' : 'Selected: press Ctrl+C';
      if (!ok) { select(pre); }
      window.setTimeout(function () { button.textContent = 'Copy'; }, 1600);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(pre.textContent).then(function () { done(true); }, function () { done(copyBySelection(pre)); });
    } else {
      done(copyBySelection(pre));
    }
  });

  // A printed report shows every spec in full.
  var closed = [];
  window.addEventListener('beforeprint', function () {
    closed = all('details').filter(function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener('afterprint', function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
