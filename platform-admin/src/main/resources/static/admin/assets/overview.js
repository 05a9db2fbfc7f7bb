// Keeps the overview's numbers live from the server-sent event stream (one "status" event every 2 s).
'use strict';
(() => {
  const root = document.getElementById('engine-status');
  if (!root || !window.EventSource) {
    return;
  }
  const lang = document.documentElement.lang || 'en';
  const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  const state = root.querySelector('[data-stream-state]');

  function render(status) {
    root.querySelectorAll('[data-field]').forEach(element => {
      const value = status[element.dataset.field];
      if (value === undefined) {
        return;
      }
      if (element.dataset.field === 'ready') {
        element.textContent = value ? element.dataset.true : element.dataset.false;
      } else if (Array.isArray(value)) {
        element.textContent = value.join(', ');
      } else if (element.dataset.format === 'percent') {
        element.textContent = percent.format(value);
      } else if (element.dataset.format === 'decimal') {
        element.textContent = decimal.format(value);
      } else {
        element.textContent = value;
      }
    });
    root.querySelectorAll('[data-show-when]').forEach(element => {
      element.hidden = !status[element.dataset.showWhen];
    });
  }

  const stream = new EventSource(root.dataset.stream);
  stream.addEventListener('status', event => {
    render(JSON.parse(event.data));
    state.textContent = state.dataset.live;
    state.dataset.updated = String(Date.now());
  });
  stream.addEventListener('error', () => {
    state.textContent = state.dataset.offline;
  });
})();
