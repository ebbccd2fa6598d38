// Applies the saved theme before the page paints; without a saved choice the stylesheet follows the system.
(function () {
  'use strict';
  var saved = null;
  try { saved = localStorage.getItem('omni-theme'); } catch (e) { saved = null; }
  if (saved === 'dark' || saved === 'light') { document.documentElement.dataset.theme = saved; }
  document.addEventListener('DOMContentLoaded', function () {
    var toggle = document.getElementById('theme-toggle');
    if (!toggle) { return; }
    toggle.addEventListener('click', function () {
      var dark = document.documentElement.dataset.theme
        ? document.documentElement.dataset.theme === 'dark'
        : window.matchMedia('(prefers-color-scheme: dark)').matches;
      var next = dark ? 'light' : 'dark';
      document.documentElement.dataset.theme = next;
      try { localStorage.setItem('omni-theme', next); } catch (e) { /* private mode: not remembered */ }
    });
  });
})();
