// FluxServe playground (docs/playground.md). Plain ES module, no dependencies, same-origin calls only (the page's
// Content-Security-Policy allows nothing else). The API key lives in sessionStorage and in the x-api-key header of
// the calls; it is never put in a URL or in persistent storage, and nothing is logged.

const KEY_STORAGE = 'fluxserve.playground.apiKey';
// base64 only changes v1 answers; the playground submits v2.
const HIDDEN_FIELDS = new Set(['base64']);
const LORA_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-.+$/;
const TERMINAL = new Set(['COMPLETED', 'FAILED']);

const $ = (id) => document.getElementById(id);

const ui = {
  key: $('api-key'),
  forgetKey: $('forget-key'),
  model: $('model'),
  modelSummary: $('model-summary'),
  form: $('params-form'),
  params: $('params'),
  submit: $('submit'),
  cancel: $('cancel'),
  reset: $('reset'),
  error: $('error'),
  progress: $('progress'),
  status: $('status'),
  facts: {
    request: $('fact-request'),
    seed: $('fact-seed'),
    cost: $('fact-cost'),
    credits: $('fact-credits'),
    time: $('fact-time'),
  },
  images: $('images'),
};

const state = {
  document: null,
  models: new Map(),
  fields: [],
  job: null,
  following: null,
  previews: [],
};

// ---------- URLs: everything relative to the page, so a path base (/prefix/playground) keeps working ----------

function apiUrl(relative) {
  return new URL(relative, document.baseURI).href;
}

// The server's absolute links (events_url, cancel_url, output) use Jobs:PublicBaseUrl when one is set; the page may
// only talk to its own origin, so a link elsewhere is replaced by the same path on this origin.
function ownOrigin(absolute, relative) {
  try {
    const url = new URL(absolute, document.baseURI);
    if (url.origin === window.location.origin) {
      return url.href;
    }
  } catch {
    // not a URL: use the relative path
  }

  return apiUrl(relative);
}

// ---------- API key ----------

function readKey() {
  return ui.key.value.trim();
}

function restoreKey() {
  try {
    ui.key.value = window.sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    ui.key.value = '';
  }
}

function storeKey() {
  try {
    const key = readKey();
    if (key) {
      window.sessionStorage.setItem(KEY_STORAGE, key);
    } else {
      window.sessionStorage.removeItem(KEY_STORAGE);
    }
  } catch {
    // storage disabled: the key lives in the field only
  }
}

function authHeaders(extra) {
  return Object.assign({ 'x-api-key': readKey() }, extra);
}

// ---------- Models and forms from /openapi.json ----------

function resolve(doc, schema) {
  let current = schema;
  for (let depth = 0; current && current.$ref && depth < 8; depth++) {
    const ref = String(current.$ref);
    if (!ref.startsWith('#/')) {
      return null;
    }

    current = ref.slice(2).split('/').reduce((node, part) => (node ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
  }

  return current ?? null;
}

async function loadModels() {
  let doc;
  try {
    const response = await fetch(apiUrl('openapi.json'), { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) {
      throw new Error(`the server answered ${response.status}`);
    }

    doc = await response.json();
  } catch (error) {
    ui.model.replaceChildren(new Option('No models', ''));
    showError(`Could not read the models from openapi.json: ${error.message}.`);
    return;
  }

  state.document = doc;
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const match = /^\/v2\/([^/{}]+)$/.exec(path);
    const post = item?.post;
    if (!match || !post) {
      continue;
    }

    const schema = resolve(doc, post.requestBody?.content?.['application/json']?.schema);
    if (!schema || schema.type !== 'object') {
      continue;
    }

    state.models.set(match[1], { name: match[1], summary: post.summary ?? '', schema });
  }

  const builtIn = document.createElement('optgroup');
  builtIn.label = 'Models';
  const loras = document.createElement('optgroup');
  loras.label = 'LoRA endpoints';
  for (const name of state.models.keys()) {
    (LORA_NAME.test(name) ? loras : builtIn).append(new Option(name, name));
  }

  ui.model.replaceChildren(...[builtIn, loras].filter((group) => group.children.length > 0));
  if (state.models.size === 0) {
    ui.model.replaceChildren(new Option('No models', ''));
    showError('The server lists no POST /v2/{model} endpoints in openapi.json.');
    return;
  }

  ui.model.disabled = false;
  ui.submit.disabled = false;
  renderForm();
}

function currentModel() {
  return state.models.get(ui.model.value) ?? null;
}

function renderForm() {
  clearFieldErrors();
  for (const url of state.previews.splice(0)) {
    URL.revokeObjectURL(url);
  }

  const model = currentModel();
  ui.params.replaceChildren();
  state.fields = [];
  ui.modelSummary.textContent = model ? model.summary : '';
  if (!model) {
    return;
  }

  const required = new Set(model.schema.required ?? []);
  for (const [name, property] of Object.entries(model.schema.properties ?? {})) {
    if (HIDDEN_FIELDS.has(name)) {
      continue;
    }

    const field = buildField(name, resolve(state.document, property) ?? {}, required.has(name));
    state.fields.push(field);
    ui.params.append(field.element);
  }
}

function fieldId(name) {
  return `field-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function labelFor(id, name, required) {
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = name;
  if (required) {
    const mark = document.createElement('span');
    mark.className = 'required';
    mark.textContent = ' (required)';
    label.append(mark);
  }

  return label;
}

function hintFor(id, property) {
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.id = `${id}-hint`;
  hint.textContent = property.description ?? '';
  return hint;
}

function buildField(name, property, required) {
  const id = fieldId(name);
  const wrapper = document.createElement('div');
  wrapper.className = 'field';
  wrapper.dataset.field = name;
  const hint = hintFor(id, property);
  const field = { name, property, required, element: wrapper, control: null, kind: 'string', file: null };

  if (Array.isArray(property.enum)) {
    const select = document.createElement('select');
    if (!required && property.default === undefined) {
      select.append(new Option('(server default)', ''));
    }

    for (const value of property.enum) {
      select.append(new Option(String(value), String(value)));
    }

    field.kind = 'enum';
    field.control = select;
  } else if (property.type === 'boolean') {
    const input = document.createElement('input');
    input.type = 'checkbox';
    field.kind = 'boolean';
    field.control = input;
  } else if (property.type === 'integer' || property.type === 'number') {
    const input = document.createElement('input');
    const big = typeof property.maximum === 'number' && property.maximum > Number.MAX_SAFE_INTEGER;
    if (big) {
      // Seeds go up to 2^64-1, beyond a JavaScript number: typed as digits and sent as written.
      input.type = 'text';
      input.inputMode = 'numeric';
      input.autocomplete = 'off';
    } else {
      input.type = 'number';
      input.step = property.type === 'integer' ? String(property.multipleOf ?? 1) : 'any';
      if (typeof property.minimum === 'number') {
        input.min = String(property.minimum);
      }

      if (typeof property.maximum === 'number') {
        input.max = String(property.maximum);
      }
    }

    field.kind = property.type;
    field.control = input;
  } else if (name === 'prompt') {
    field.control = document.createElement('textarea');
    field.control.rows = 3;
  } else {
    const input = document.createElement('input');
    input.type = property.format === 'uri' ? 'url' : 'text';
    input.autocomplete = 'off';
    field.control = input;
  }

  field.control.id = id;
  field.control.dataset.field = name;
  if (required) {
    field.control.required = true;
    field.control.setAttribute('aria-required', 'true');
  }

  field.control.setAttribute('aria-describedby', hint.id);
  if (field.kind === 'boolean') {
    const row = document.createElement('div');
    row.className = 'check';
    row.append(field.control, labelFor(id, name, required));
    wrapper.append(row, hint);
  } else {
    wrapper.append(labelFor(id, name, required), field.control, hint);
  }

  if (takesImageFile(name, property)) {
    addFilePicker(field, wrapper, hint);
  }

  setDefault(field);
  return field;
}

function takesImageFile(name, property) {
  return name === 'redux_image' || /data URI/i.test(property.description ?? '');
}

// A local file becomes a data: URI in the field, which the server accepts as the image itself.
function addFilePicker(field, wrapper, hint) {
  const fileId = `${field.control.id}-file`;
  const label = document.createElement('label');
  label.htmlFor = fileId;
  label.textContent = `…or choose a local image for ${field.name}`;
  const input = document.createElement('input');
  input.type = 'file';
  input.id = fileId;
  input.accept = 'image/jpeg,image/png,image/webp';
  const preview = document.createElement('img');
  preview.className = 'preview';
  preview.alt = `Preview of the chosen ${field.name}`;
  preview.hidden = true;
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) {
      return;
    }

    const reader = new FileReader();
    reader.addEventListener('load', () => {
      field.control.value = String(reader.result);
      field.file = file.name;
      const url = URL.createObjectURL(file);
      state.previews.push(url);
      preview.src = url;
      preview.hidden = false;
      announce(`${file.name} (${Math.round(file.size / 1024)} KiB) will be sent as ${field.name}.`);
    });
    reader.addEventListener('error', () => showError(`Could not read ${file.name}: ${reader.error?.message ?? 'unknown error'}.`));
    reader.readAsDataURL(file);
  });
  wrapper.insertBefore(label, hint);
  wrapper.insertBefore(input, hint);
  wrapper.insertBefore(preview, hint);
}

function setDefault(field) {
  const fallback = field.property.default;
  if (field.kind === 'boolean') {
    field.control.checked = fallback === true;
  } else if (fallback === undefined || fallback === null) {
    field.control.value = '';
  } else {
    field.control.value = String(fallback);
  }
}

// ---------- The request body ----------

// Built as text so integers (seeds up to 2^64-1) go out exactly as typed; the server is the one validator and
// names the field of every broken rule.
function buildBody() {
  const parts = [];
  const problems = [];
  for (const field of state.fields) {
    const json = fieldJson(field, problems);
    if (json !== undefined) {
      parts.push(`${JSON.stringify(field.name)}:${json}`);
    }
  }

  return { body: `{${parts.join(',')}}`, problems };
}

function fieldJson(field, problems) {
  const control = field.control;
  if (field.kind === 'boolean') {
    return control.checked ? 'true' : 'false';
  }

  if (control.validity?.badInput) {
    problems.push({ field: field.name, message: `${field.name} must be a number.` });
    return undefined;
  }

  const text = control.value.trim();
  if (text === '') {
    return undefined;
  }

  if (field.kind === 'integer') {
    return /^-?\d+$/.test(text) ? BigInt(text).toString() : JSON.stringify(text);
  }

  if (field.kind === 'number') {
    const value = Number(text);
    return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(text);
  }

  return JSON.stringify(text);
}

// ---------- Errors and status ----------

function clearFieldErrors() {
  for (const element of ui.params.querySelectorAll('.field-error')) {
    element.remove();
  }

  for (const element of ui.params.querySelectorAll('[aria-invalid]')) {
    element.removeAttribute('aria-invalid');
    const hint = `${element.id}-hint`;
    element.setAttribute('aria-describedby', hint);
  }
}

function markField(name, message) {
  const field = state.fields.find((f) => f.name === name);
  if (!field) {
    return false;
  }

  const note = document.createElement('p');
  note.className = 'field-error';
  note.id = `${field.control.id}-error`;
  note.textContent = message;
  field.element.append(note);
  field.control.setAttribute('aria-invalid', 'true');
  field.control.setAttribute('aria-describedby', `${note.id} ${field.control.id}-hint`);
  return true;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.replaceChildren();
  clearFieldErrors();
}

// One sentence, then the field errors listed (unless the one error is the sentence itself), each marked on its field.
function showError(sentence, fieldErrors = []) {
  const lead = document.createElement('p');
  lead.textContent = sentence;
  ui.error.replaceChildren(lead);
  const listed = fieldErrors.length > 1 || (fieldErrors.length === 1 && !sentence.endsWith(fieldErrors[0].message));
  const list = document.createElement('ul');
  for (const error of fieldErrors) {
    markField(error.field, error.message);
    const item = document.createElement('li');
    item.textContent = `${error.field}: ${error.message}`;
    list.append(item);
  }

  if (listed) {
    ui.error.append(list);
  }

  ui.error.hidden = false;
  ui.error.focus();
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function showApiError(response, body) {
  let sentence = body && typeof body.error === 'string' ? body.error : `The server answered ${response.status} ${response.statusText}.`;
  if (response.status === 429) {
    const retry = response.headers.get('retry-after');
    if (retry) {
      sentence += ` Retry after ${retry} s.`;
    }
  }

  const fieldErrors = [];
  if (body && Array.isArray(body.errors)) {
    for (const error of body.errors) {
      if (error && typeof error.field === 'string') {
        fieldErrors.push({ field: error.field, message: String(error.message ?? error.rule ?? '') });
      }
    }
  } else if (body && typeof body.field === 'string') {
    fieldErrors.push({ field: body.field, message: body.rule ? `rule: ${body.rule}` : sentence });
  }

  showError(`${response.status}: ${sentence}`, fieldErrors);
}

function announce(text) {
  ui.status.textContent = text;
}

function noteCredits(response) {
  const credits = response.headers.get('x-remaining-credits');
  if (credits !== null) {
    ui.facts.credits.textContent = credits;
  }
}

function showStatus(status) {
  const progress = status.progress;
  if (progress && progress.total_steps > 0) {
    ui.progress.max = progress.total_steps;
    ui.progress.value = progress.step;
  } else if (status.status === 'QUEUED') {
    ui.progress.removeAttribute('value'); // indeterminate while waiting
  }

  const steps = progress && progress.total_steps > 0 ? `step ${progress.step} of ${progress.total_steps}` : '';
  switch (status.status) {
    case 'QUEUED':
      announce(status.queue_position != null ? `Queued: position ${status.queue_position}.` : 'Queued.');
      break;
    case 'PROCESSING':
      announce(steps ? `Processing: ${steps}.` : 'Processing.');
      break;
    case 'COMPLETED':
      announce(steps ? `Completed: ${steps}.` : 'Completed.');
      break;
    case 'FAILED':
      announce('Failed.');
      break;
    default:
      announce(String(status.status));
  }
}

function resetResult() {
  ui.images.replaceChildren();
  ui.progress.max = 1;
  ui.progress.value = 0;
  for (const key of ['request', 'seed', 'cost', 'time']) {
    ui.facts[key].textContent = '—';
  }
}

// ---------- Submit, follow, result ----------

async function submit(event) {
  event.preventDefault();
  clearError();
  if (state.following) {
    return;
  }

  const model = currentModel();
  if (!model) {
    showError('Choose a model first.');
    return;
  }

  if (!readKey()) {
    showError('Enter your API key first (create one with: fluxserve keys create --credits 10).');
    ui.key.setAttribute('aria-invalid', 'true');
    ui.key.focus();
    return;
  }

  ui.key.removeAttribute('aria-invalid');
  const { body, problems } = buildBody();
  if (problems.length > 0) {
    showError('Some fields cannot be sent as they are.', problems);
    return;
  }

  resetResult();
  announce('Submitting…');
  setBusy(true);
  try {
    let response;
    try {
      response = await fetch(apiUrl(`v2/${encodeURIComponent(model.name)}`), {
        method: 'POST',
        headers: authHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
        body,
        cache: 'no-store',
      });
    } catch (error) {
      showError(`The server could not be reached: ${error.message}.`);
      announce('Not submitted.');
      return;
    }

    noteCredits(response);
    const answer = await readJson(response);
    if (!response.ok || !answer || typeof answer.request_id !== 'string') {
      showApiError(response, answer);
      announce('Not submitted.');
      return;
    }

    state.job = answer;
    ui.facts.request.textContent = answer.request_id;
    showStatus(answer);
    // On a phone the result is below the form: bring the progress into view.
    ui.progress.scrollIntoView({ block: 'nearest' });
    ui.cancel.disabled = false;
    await follow(answer);
  } finally {
    state.job = null;
    setBusy(false);
  }
}

function setBusy(busy) {
  ui.submit.disabled = busy || state.models.size === 0;
  ui.model.disabled = busy || state.models.size === 0;
  ui.cancel.disabled = !busy || !state.job;
}

async function follow(job) {
  const id = encodeURIComponent(job.request_id);
  const controller = new AbortController();
  state.following = controller;
  try {
    let last = null;
    try {
      const stream = await streamEvents(ownOrigin(job.events_url, `v2/requests/${id}/events`), controller.signal);
      if (stream.refused) {
        return; // the error is shown
      }

      last = stream.last;
    } catch (error) {
      if (controller.signal.aborted) {
        return;
      }

      announce(`The event stream broke (${error.message}); polling the status instead.`);
    }

    if (!last || !TERMINAL.has(last.status)) {
      last = await pollStatus(ownOrigin(job.status_url, `v2/requests/${id}/status`), controller.signal);
    }

    if (last) {
      await showResult(ownOrigin(job.response_url, `v2/requests/${id}`), job.request_id);
    }
  } finally {
    state.following = null;
  }
}

// EventSource cannot send the x-api-key header, so the stream is read with fetch (docs/playground.md).
async function streamEvents(url, signal) {
  const response = await fetch(url, { headers: authHeaders({ accept: 'text/event-stream' }), signal, cache: 'no-store' });
  noteCredits(response);
  if (!response.ok || !response.body) {
    showApiError(response, await readJson(response));
    return { refused: true, last: null };
  }

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }

    // Line ends may be \n, \r\n or \r (HTML's event-stream grammar); a \r at the end may be half of a \r\n.
    buffer = (buffer + value).replace(/\r\n|\r(?!$)/g, '\n');
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const event = parseEvent(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (event && event.name === 'status') {
        last = JSON.parse(event.data);
        showStatus(last);
      }
    }
  }

  return { refused: false, last };
}

function parseEvent(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) {
      continue;
    }

    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }

    if (field === 'event') {
      name = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }

  return data.length > 0 ? { name, data: data.join('\n') } : null;
}

async function pollStatus(url, signal) {
  for (;;) {
    if (signal.aborted) {
      return null;
    }

    let response;
    try {
      response = await fetch(url, { headers: authHeaders({ accept: 'application/json' }), signal, cache: 'no-store' });
    } catch (error) {
      if (signal.aborted) {
        return null;
      }

      showError(`Lost the server while waiting: ${error.message}.`);
      return null;
    }

    noteCredits(response);
    const body = await readJson(response);
    if (!response.ok || !body) {
      showApiError(response, body);
      return null;
    }

    showStatus(body);
    if (TERMINAL.has(body.status)) {
      return body;
    }

    await new Promise((done) => setTimeout(done, 1000));
  }
}

async function showResult(url, requestId) {
  let response;
  try {
    response = await fetch(url, { headers: authHeaders({ accept: 'application/json' }), cache: 'no-store' });
  } catch (error) {
    showError(`Could not read the result: ${error.message}.`);
    return;
  }

  noteCredits(response);
  const result = await readJson(response);
  if (!result) {
    showApiError(response, null);
    return;
  }

  ui.facts.seed.textContent = result.seed_value ?? (result.seed != null ? String(result.seed) : '—');
  const metrics = result.metrics ?? {};
  if (metrics.cost != null) {
    ui.facts.cost.textContent = String(metrics.cost);
  }

  if (metrics.remaining_credits != null) {
    ui.facts.credits.textContent = String(metrics.remaining_credits);
  }

  if (metrics.inference_time != null) {
    ui.facts.time.textContent = `${Number(metrics.inference_time).toFixed(2)} s`;
  }

  if (!response.ok || result.status === 'FAILED') {
    showApiError(response, result);
    announce('Failed.');
    return;
  }

  const outputs = Array.isArray(result.output) ? result.output : [];
  const figures = outputs.map((link, index) => {
    const file = String(link).split('/').pop();
    const src = ownOrigin(link, `v2/outputs/${encodeURIComponent(file)}`);
    const figure = document.createElement('figure');
    const image = document.createElement('img');
    image.src = src;
    image.alt = `Output ${index + 1} of ${outputs.length} of request ${requestId}`;
    image.decoding = 'async';
    const caption = document.createElement('figcaption');
    const open = document.createElement('a');
    open.href = src;
    open.target = '_blank';
    open.rel = 'noopener noreferrer';
    open.textContent = `Open image ${index + 1}`;
    caption.append(open);
    figure.append(image, caption);
    return figure;
  });
  ui.images.replaceChildren(...figures);
  announce(`Completed: ${outputs.length} image${outputs.length === 1 ? '' : 's'}.`);
}

async function cancel() {
  const job = state.job;
  if (!job) {
    return;
  }

  ui.cancel.disabled = true;
  const id = encodeURIComponent(job.request_id);
  let response;
  try {
    response = await fetch(ownOrigin(job.cancel_url, `v2/requests/${id}/cancel`), {
      method: 'POST',
      headers: authHeaders({ accept: 'application/json' }),
      cache: 'no-store',
    });
  } catch (error) {
    showError(`Cancel did not reach the server: ${error.message}.`);
    ui.cancel.disabled = false;
    return;
  }

  noteCredits(response);
  if (!response.ok) {
    showApiError(response, await readJson(response));
    return;
  }

  announce('Cancel requested.');
}

// ---------- Wiring ----------

restoreKey();
$('key-form').addEventListener('submit', (event) => event.preventDefault());
ui.key.addEventListener('input', storeKey);
ui.forgetKey.addEventListener('click', () => {
  ui.key.value = '';
  storeKey();
  ui.key.focus();
});
ui.model.addEventListener('change', () => {
  clearError();
  renderForm();
});
ui.form.addEventListener('submit', submit);
ui.cancel.addEventListener('click', cancel);
ui.reset.addEventListener('click', () => {
  clearError();
  renderForm();
});
loadModels();
