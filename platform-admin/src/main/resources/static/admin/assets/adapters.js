// Upload progress for the adapter pages' file forms. Without this script the forms post as plain multipart forms;
// with it the same request goes through XMLHttpRequest so the browser can report bytes sent, and the server's
// answer (the adapter page, or the same page with the refusal beside the field) replaces the document.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('form.upload').forEach(form => {
    const box = form.querySelector('.upload-progress');
    const bar = box.querySelector('progress');
    const state = box.querySelector('.upload-state');
    const button = form.querySelector('button[type=submit]');
    form.addEventListener('submit', event => {
      event.preventDefault();
      const request = new XMLHttpRequest();
      request.open('POST', form.action);
      request.upload.addEventListener('progress', progress => {
        if (progress.lengthComputable) {
          const percent = Math.floor(100 * progress.loaded / progress.total);
          bar.value = percent;
          state.textContent = state.dataset.uploading + ' ' + percent + ' %';
        }
      });
      // all bytes sent: the server now parses, validates and stores, which can take a while for large files
      request.upload.addEventListener('load', () => {
        bar.removeAttribute('value');
        state.textContent = state.dataset.processing;
      });
      request.addEventListener('load', () => {
        history.replaceState(null, '', request.responseURL);
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener('error', () => {
        state.textContent = state.dataset.failed;
        button.disabled = false;
      });
      box.hidden = false;
      button.disabled = true;
      state.textContent = state.dataset.uploading;
      request.send(new FormData(form));
    });
  });
});
