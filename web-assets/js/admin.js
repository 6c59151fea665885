// tickets — the admin console: a new token's secret is selected at once and gets a copy
// button (the page works without this script: the field has the focus for Ctrl+A, Ctrl+C).
(function () {
  'use strict';
  var field = document.querySelector('[data-secret]');
  if (!field) return;
  field.select();
  field.addEventListener('focus', function () { field.select(); });
  if (!navigator.clipboard) return;
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'button button-primary copy-button';
  button.textContent = field.getAttribute('data-copy-label');
  var said = document.createElement('span');
  said.className = 'copy-status';
  said.setAttribute('role', 'status');
  field.insertAdjacentElement('afterend', button);
  button.insertAdjacentElement('afterend', said);
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(field.value).then(function () {
      said.textContent = field.getAttribute('data-copied-label');
    }, function () {
      field.select();
      said.textContent = field.getAttribute('data-copy-failed-label');
    });
  });
})();
