// tickets — the office editor: a link of the error summary puts the focus in the input it
// names (or the first input of a group), not only the page's scroll position. The page
// works without this script: the links scroll to the input and Tab reaches it.
(function () {
  'use strict';
  var summary = document.getElementById('errors');
  if (!summary) return;
  summary.addEventListener('click', function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
    if (!target) return;
    var input = target.matches('input, select, textarea') ? target : target.querySelector('input, select, textarea');
    if (!input) return;
    event.preventDefault();
    var box = input.closest('.field, .check, fieldset') || input;
    box.scrollIntoView({ block: 'center' });
    input.focus({ preventScroll: true });
  });
})();
