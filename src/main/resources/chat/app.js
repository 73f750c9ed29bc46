// chat21-camel demo page: paste a token, list conversations, read and send, live through the events stream.
// Every piece of data goes into the page as text (textContent), never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { api: '/api', token: null, app: null, user: null, open: null, shown: new Set(), events: null };

function element(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function showError(text) {
  $('error').textContent = text || '';
}

/** The token's payload (no verification: the server does that); null when it is not a JWT. */
function claims(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(b64.padEnd(b64.length + (4 - b64.length % 4) % 4, '=')),
      (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch (e) {
    return null;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: 'JWT ' + state.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(state.api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((json && json.err) || ('HTTP ' + response.status));
  return json;
}

const seg = encodeURIComponent;

async function loadConversations() {
  const json = await api('GET', '/' + seg(state.app) + '/' + seg(state.user) + '/conversations');
  const list = $('conversations');
  list.replaceChildren();
  for (const c of json.result || []) {
    const li = element('li', c.conversWith);
    li.dataset.conversWith = c.conversWith;
    if (c.conversWith === state.open) li.classList.add('open');
    li.append(element('small', c.last_message_text !== undefined ? c.last_message_text : c.text));
    li.addEventListener('click', () => openConversation(c.conversWith));
    list.append(li);
  }
}

function showMessage(m) {
  if (!m || state.shown.has(m.message_id)) return;
  state.shown.add(m.message_id);
  const li = element('li', undefined, m.sender === state.user ? 'message mine' : 'message');
  li.dataset.messageId = m.message_id;
  li.append(element('b', m.sender_fullname || m.sender), element('span', m.text));
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
}

async function openConversation(with_) {
  state.open = with_;
  state.shown = new Set();
  $('title').textContent = with_;
  $('messages').replaceChildren();
  $('send-form').hidden = false;
  for (const li of $('conversations').children) li.classList.toggle('open', li.dataset.conversWith === with_);
  try {
    const json = await api('GET', '/' + seg(state.app) + '/' + seg(state.user) + '/conversations/' + seg(with_) + '/messages');
    // newest first from the API: shown oldest first
    for (const m of (json.result || []).slice().reverse()) showMessage(m);
    showError('');
  } catch (e) {
    showError('history: ' + e.message);
  }
  $('text').focus();
}

async function send(text) {
  const body = { recipient_id: state.open, recipient_fullname: state.open, sender_fullname: state.user, text };
  const json = await api('POST', '/' + seg(state.app) + '/messages', body);
  // shown at once; the live copy of it is then recognised by its id
  if (json.result && state.open === json.result.recipient) {
    showMessage(Object.assign({}, json.result, { sender: state.user }));
  }
}

function listen() {
  if (state.events) state.events.close();
  const url = state.api + '/' + seg(state.app) + '/' + seg(state.user) + '/events?jwt=' + seg(state.token);
  const events = new EventSource(url);
  state.events = events;
  events.onopen = () => { $('status').textContent = 'live'; };
  events.onerror = () => { $('status').textContent = 'reconnecting'; };
  events.addEventListener('clientadded', (e) => {
    const data = JSON.parse(e.data);
    const m = data.payload;
    if (!/\.messages\.[^.]+\.clientadded$/.test(data.topic)) return;
    if (m.conversWith === state.open) showMessage(m);
    loadConversations().catch((err) => showError('conversations: ' + err.message));
  });
}

async function useToken(token) {
  const c = claims(token);
  if (!c || !c.sub || !c.app_id) {
    showError('not a Chat21 token (it needs sub and app_id)');
    return;
  }
  Object.assign(state, { token, app: c.app_id, user: c.sub });
  $('who').textContent = c.sub + ' @ ' + c.app_id;
  try {
    await loadConversations();
  } catch (e) {
    showError(e.message);
    return;
  }
  showError('');
  sessionStorage.setItem('chat21-token', token);
  $('login').hidden = true;
  $('chat').hidden = false;
  listen();
}

async function start() {
  try {
    const config = await (await fetch('config.json')).json();
    state.api = config.api;
  } catch (e) {
    // keep /api
  }
  $('use-token').addEventListener('click', () => useToken($('token').value.trim()));
  $('open-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const with_ = $('open-with').value.trim();
    if (with_) openConversation(with_);
  });
  $('send-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value;
    if (!text.trim() || !state.open) return;
    $('text').value = '';
    send(text).catch((err) => showError('send: ' + err.message));
  });
  const saved = sessionStorage.getItem('chat21-token');
  if (saved) {
    $('token').value = saved;
    useToken(saved);
  }
}

start();
