// Streams a chat completion from /v1/chat/completions with the pasted key (kept only in this page's memory)
// and shows time to first token and tokens per second as the answer arrives.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('playground');
  if (!root) {
    return;
  }
  const $ = id => document.getElementById(id);
  const form = $('playground-form');
  const output = $('pg-output');
  const status = $('pg-status');
  const lang = document.documentElement.lang || 'en';
  const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  let controller = null;

  function finish(message) {
    $('pg-send').disabled = false;
    $('pg-stop').disabled = true;
    status.textContent = message || '';
    controller = null;
  }

  $('pg-stop').addEventListener('click', () => {
    if (controller) {
      controller.abort();
    }
  });

  form.addEventListener('submit', async event => {
    event.preventDefault();
    const key = $('pg-key').value.trim();
    if (!key) {
      status.textContent = root.dataset.noKey;
      $('pg-key').focus();
      return;
    }
    const messages = [];
    if ($('pg-system').value.trim()) {
      messages.push({ role: 'system', content: $('pg-system').value });
    }
    messages.push({ role: 'user', content: $('pg-prompt').value });
    const body = {
      model: $('pg-model').value,
      messages,
      temperature: Number($('pg-temperature').value),
      top_p: Number($('pg-top-p').value),
      max_tokens: Number($('pg-max-tokens').value),
      stream: true,
      stream_options: { include_usage: true }
    };
    output.textContent = '';
    ['pg-ttft', 'pg-tps', 'pg-tokens'].forEach(id => { $(id).textContent = '–'; });
    status.textContent = '';
    $('pg-send').disabled = true;
    $('pg-stop').disabled = false;
    controller = new AbortController();
    const started = performance.now();
    let firstAt = null;
    let chunks = 0;
    let completionTokens = null;
    try {
      const response = await fetch(root.dataset.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + key },
        body: JSON.stringify(body),
        signal: controller.signal,
        credentials: 'omit'
      });
      if (!response.ok) {
        const error = await response.json().catch(() => ({}));
        finish(root.dataset.error + ' ' + response.status + ': ' + ((error.error && error.error.message) || ''));
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!frame.startsWith('data: ')) {
            continue;
          }
          const payload = frame.slice(6);
          if (payload === '[DONE]') {
            continue;
          }
          const chunk = JSON.parse(payload);
          if (chunk.usage) {
            completionTokens = chunk.usage.completion_tokens;
          }
          const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
          if (delta && delta.content) {
            if (firstAt === null) {
              firstAt = performance.now();
              $('pg-ttft').textContent = decimal.format(firstAt - started) + ' ms';
            }
            chunks++;
            output.textContent += delta.content;
            const seconds = (performance.now() - firstAt) / 1000;
            if (seconds > 0) {
              $('pg-tps').textContent = decimal.format(chunks / seconds);
            }
          }
        }
      }
      const tokens = completionTokens !== null ? completionTokens : chunks;
      $('pg-tokens').textContent = String(tokens);
      if (firstAt !== null && tokens > 1) {
        // rate after the first token: the remaining tokens over the time they took
        $('pg-tps').textContent = decimal.format((tokens - 1) / ((performance.now() - firstAt) / 1000));
      }
      output.dataset.done = 'true';
      finish('');
    } catch (e) {
      finish(e.name === 'AbortError' ? root.dataset.stopped : root.dataset.error + ' ' + e.message);
    }
  });
});
