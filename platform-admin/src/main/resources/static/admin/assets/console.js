// Progressive enhancement shared by all console pages: confirmations and copy buttons.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  // forms that change something irreversible ask first (data-confirm holds the localized question)
  document.querySelectorAll('form[data-confirm]').forEach(form => {
    form.addEventListener('submit', event => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
  // copy buttons: data-copy names the input whose value is copied
  document.querySelectorAll('button[data-copy]').forEach(button => {
    button.addEventListener('click', async () => {
      const input = document.getElementById(button.dataset.copy);
      const state = button.parentElement.querySelector('.copy-state');
      try {
        await navigator.clipboard.writeText(input.value);
      } catch (e) {
        // clipboard API refused (e.g. plain http): select the text so Ctrl+C copies it
        input.select();
        document.execCommand('copy');
      }
      if (state) {
        state.textContent = button.dataset.copied;
      }
    });
  });
});
