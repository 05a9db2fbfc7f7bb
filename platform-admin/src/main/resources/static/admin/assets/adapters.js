// Upload progress for the adapter pages' file forms. Without this script the forms post as plain multipart forms;
// with it the same request goes through XMLHttpRequest so the browser can report bytes sent, and the server's
// answer (the adapter page, or the same page with the refusal beside the field) replaces the document. A file
// above the server's limit is refused beside the field without sending it, and a graph's format is picked from
// the file's extension.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('form.upload').forEach(form => {
    const box = form.querySelector('.upload-progress');
    const bar = box.querySelector('progress');
    const state = box.querySelector('.upload-state');
    const button = form.querySelector('button[type=submit]');
    const input = form.querySelector('input[type=file][data-max-bytes]');
    // the graph form's format follows the chosen file's extension; the user can still change it
    const format = form.querySelector('select[name=format]');
    if (format) {
      input.addEventListener('change', () => {
        const name = input.files.length > 0 ? input.files[0].name.toLowerCase() : '';
        const chosen = FORMAT_OF_EXTENSION[name.substring(name.lastIndexOf('.') + 1)];
        if (chosen) {
          format.value = chosen;
        }
      });
    }
    form.addEventListener('submit', event => {
      event.preventDefault();
      // a file above the server's limit would be refused only after all of it was sent: say so now, beside it
      const file = input && input.files.length > 0 ? input.files[0] : null;
      if (file && file.size > Number(input.dataset.maxBytes)) {
        showFieldError(input, input.dataset.tooLarge);
        return;
      }
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

/** File extensions to the values of the graph form's format picker (GraphFormat.parameter()). */
const FORMAT_OF_EXTENSION = {json: 'json', csv: 'csv', ttl: 'turtle', nt: 'ntriples'};

/** Shows a message where the server puts an upload's refusal: in the field's error element, announced. */
function showFieldError(input, message) {
  const field = input.closest('.field');
  let error = document.getElementById(input.dataset.errorId);
  if (!error) {
    error = document.createElement('div');
    error.id = input.dataset.errorId;
    error.className = 'field-error';
    error.setAttribute('role', 'alert');
    field.appendChild(error);
  }
  const text = document.createElement('p');
  text.textContent = message;
  error.replaceChildren(text);
  field.classList.add('invalid');
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', error.id);
  input.focus();
}
