// The follower's phone: the guide's narration as it is written, in the visitor's language, size, colours and pace.
// Events come over Server-Sent Events (/follow/{code}/events?lang=xx), each with an id: after a drop or a sleep the
// stream resumes after the last id seen, and an id seen before is never drawn twice. A screen reader hears
// "New artwork" and each finished text once (role=status), never the streamed words.
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('vf-data').textContent);
  const SIZES = [24, 28, 32, 40, 48, 56, 64];          // the caption card's sizes, its largest last
  const SPEEDS = ['0.75', '1', '1.25', '1.5'];
  const PRESETS = ['dark', 'light', 'dyslexia'];
  const $ = (id) => document.getElementById(id);
  const saved = (k, d) => { try { return localStorage.getItem('vf-' + k) || d; } catch (e) { return d; } };
  const save = (k, v) => { try { localStorage.setItem('vf-' + k, v); } catch (e) { /* private mode */ } };
  const pick = (v, list, d) => (list.includes(v) ? v : d);

  let lang = pick(saved('lang', data.lang), Object.keys(data.strings), 'en');
  let size = Number(pick(Number(saved('size', '32')), SIZES, 32));
  let preset = pick(saved('preset', 'dark'), PRESETS, 'dark');
  let speed = pick(saved('speed', '1'), SPEEDS, '1');
  let listening = false;
  let source = null, lastId = 0, retry = null, gone = false;
  let turns = new Map(), current = null, queue = [], playing = null;
  const audio = $('vf-audio');
  const S = (key, vars) => {
    let s = data.strings[lang][key] || data.strings.en[key] || key;
    Object.entries(vars || {}).forEach(([k, v]) => { s = s.replace('{' + k + '}', v); });
    return s;
  };
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text; return e; };

  // ------------------------------------------------------------------------------------------------- the settings
  function relabel() {
    document.documentElement.lang = lang;
    document.title = S('follow.title');
    $('vf-title').textContent = S('follow.room', {code: data.code.slice(0, 4) + ' ' + data.code.slice(4)});
    $('vf-settings-label').textContent = S('follow.settings');
    $('vf-lang-label').textContent = S('follow.language');
    $('vf-size-label').textContent = S('follow.size');
    $('vf-smaller-label').textContent = S('tour.smaller');
    $('vf-larger-label').textContent = S('tour.larger');
    $('vf-colours-label').textContent = S('follow.colours');
    $('vf-speed-label').textContent = S('follow.speed');
    $('vf-now-label').textContent = S('follow.new_artwork');
    $('vf-earlier-label').textContent = S('follow.earlier');
    $('vf-waiting').textContent = S('follow.waiting');
    document.querySelectorAll('[data-key]').forEach((e) => { e.textContent = S(e.dataset.key); });
    $('vf-listen').textContent = listening ? S('follow.stop_audio') : S('follow.start_audio');
  }

  function applyLook() {
    document.documentElement.dataset.vfPreset = preset;
    document.documentElement.style.setProperty('--vf-size', size + 'px');
    $('vf-size-now').textContent = size + ' px';
    $('vf-smaller').disabled = size <= SIZES[0];
    $('vf-larger').disabled = size >= SIZES[SIZES.length - 1];
    audio.playbackRate = Number(speed) * Number(audio.dataset.rate || 1);
  }

  function check(name, value) {
    document.querySelectorAll(`input[name="${name}"]`).forEach((i) => { i.checked = i.value === String(value); });
  }

  function bindSettings() {
    check('vf-lang', lang); check('vf-preset', preset); check('vf-speed', speed);
    document.querySelectorAll('input[name="vf-lang"]').forEach((i) => i.addEventListener('change', () => {
      lang = i.value; save('lang', lang); relabel(); restart(); }));
    document.querySelectorAll('input[name="vf-preset"]').forEach((i) => i.addEventListener('change', () => {
      preset = i.value; save('preset', preset); applyLook(); }));
    document.querySelectorAll('input[name="vf-speed"]').forEach((i) => i.addEventListener('change', () => {
      speed = i.value; save('speed', speed); applyLook(); }));
    const step = (dir) => { const i = SIZES.indexOf(size) + dir;
      size = SIZES[Math.max(0, Math.min(SIZES.length - 1, i))]; save('size', String(size)); applyLook(); };
    $('vf-smaller').addEventListener('click', () => step(-1));
    $('vf-larger').addEventListener('click', () => step(1));
    $('vf-listen').addEventListener('click', () => {
      listening = !listening;
      $('vf-listen').classList.toggle('vf-on', listening);
      relabel();
      if (listening) playNext(); else { audio.pause(); queue = []; playing = null; mark(null); }
    });
  }

  // ------------------------------------------------------------------------------------------------- the turns
  function announce(text) { $('vf-status').textContent = text; }

  function newTurn(ev) {
    const art = el('article', 'vf-turn');
    art.dataset.turn = ev.turn;
    const card = el('div', 'vf-card');
    card.setAttribute('aria-busy', 'true');
    const turn = {ev, art, card, text: el('p', 'vf-text'), byline: el('p', 'vf-byline'), written: '',
                  sentences: [], langs: new Set()};
    if (ev.type === 'artwork') {
      if (ev.picture) {
        const img = el('img'); img.src = ev.picture; img.alt = S('follow.picture'); art.appendChild(img);
      }
      const now = $('vf-now');
      const earlier = [...now.querySelectorAll('.vf-turn')];
      if (earlier.length) {
        const box = el('div', 'vf-earlier-artwork');
        earlier.forEach((e) => box.appendChild(e));
        $('vf-earlier').prepend(box);
        $('vf-earlier-box').hidden = false;
      }
      queue = [];
    } else {
      const q = el('p', 'vf-question');
      q.append(el('span', '', S('tour.question') + ' '));
      const words = el('span', '', ev.question); words.lang = ev.question_lang; q.appendChild(words);
      card.appendChild(q);
    }
    card.append(turn.byline, turn.text);
    art.appendChild(card);
    $('vf-waiting').hidden = true;
    $('vf-now').appendChild(art);
    turns.set(ev.turn, turn);
    current = ev.turn;
    if (ev.type === 'artwork') announce(S('follow.new_artwork'));
    return turn;
  }

  function draw(turn) {
    const p = turn.text;
    p.textContent = '';
    let at = 0;
    turn.sentences.forEach((s, i) => {
      const span = el('span', 'vf-s', s.text); span.dataset.i = i;
      if (s.text_lang !== lang) span.lang = s.text_lang;
      p.append(span, ' ');
      const found = turn.written.indexOf(s.text, at);
      if (found >= 0) at = found + s.text.length;
    });
    const tail = turn.sentences.length && at === 0 ? '' : turn.written.slice(at).trimStart();
    if (tail) p.append(el('span', 'vf-tail', tail));
  }

  function onEvent(ev) {
    if (ev.id <= lastId) return;                      // seen before (a reconnect overlapping): never twice
    lastId = ev.id;
    if (ev.type === 'artwork' || ev.type === 'answer') { newTurn(ev); return; }
    const turn = turns.get(ev.turn);
    if (!turn) return;
    if (ev.type === 'text') { turn.written += ev.text; draw(turn); }
    else if (ev.type === 'sentence') {
      turn.sentences.push(ev); draw(turn);
      if (ev.audio && ev.turn === current) { queue.push(ev); if (listening && !playing) playNext(); }
    } else if (ev.type === 'notice') {
      const n = el('p', 'vf-notice', S('tour.message') + ': ' + ev.text);
      if (ev.text_lang !== lang) n.lang = ev.text_lang;
      turn.card.appendChild(n);
      if (ev.turn === current) announce(ev.text);
    } else if (ev.type === 'done') {
      turn.byline.textContent = ev.byline;
      if (ev.byline_lang && ev.byline_lang !== lang) turn.byline.lang = ev.byline_lang;
      turn.card.setAttribute('aria-busy', 'false');
      turn.art.dataset.done = 'true';
      if (ev.turn === current) {
        const ready = S(turn.ev.type === 'answer' ? 'follow.answered' : 'follow.described');
        announce([ready, ev.byline, ev.text].filter(Boolean).join(' '));
      }
    }
  }

  // ------------------------------------------------------------------------------------------------- the voice
  function mark(ev) {
    document.querySelectorAll('.vf-s.vf-current').forEach((s) => s.classList.remove('vf-current'));
    if (!ev) return;
    const turn = turns.get(ev.turn);
    const span = turn && turn.text.querySelector(`.vf-s[data-i="${ev.i}"]`);
    if (span) { span.classList.add('vf-current'); span.scrollIntoView({block: 'nearest'}); }
  }

  function playNext() {
    if (!listening) return;
    const next = queue.shift();
    playing = next || null;
    mark(next);
    if (!next) return;
    audio.dataset.rate = String(next.rate || 1);
    audio.src = next.audio;
    audio.dataset.turn = next.turn;
    audio.dataset.i = String(next.i);
    audio.dataset.lang = next.text_lang;
    audio.playbackRate = Number(speed) * Number(next.rate || 1);
    audio.play().catch(() => { playing = null; });
  }
  audio.addEventListener('ended', playNext);
  audio.addEventListener('error', playNext);

  // ------------------------------------------------------------------------------------------------- the stream
  function status(text) { $('vf-connection').textContent = text; }

  function connect() {
    clearTimeout(retry);
    if (gone || (source && source.readyState !== EventSource.CLOSED)) return;
    const url = `/follow/${encodeURIComponent(data.code)}/events?lang=${lang}&last=${lastId}`;
    source = new EventSource(url);
    source.onopen = () => status('');
    source.onmessage = (m) => onEvent(JSON.parse(m.data));
    source.addEventListener('closed', (m) => {
      gone = true; source.close();
      const words = JSON.parse(m.data).text;
      status(words[lang] || words.en); announce(words[lang] || words.en);
    });
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) { status(S('follow.reconnecting')); return; }
      status(S('follow.reconnecting'));
      fetch(location.pathname, {method: 'GET', cache: 'no-store'}).then((r) => {
        if (r.status === 404) { gone = true; status(S('follow.closed')); announce(S('follow.closed')); }
        else retry = setTimeout(connect, 3000);
      }).catch(() => { retry = setTimeout(connect, 3000); });
    };
  }

  function disconnect() { if (source) { source.close(); source = null; } }

  function restart() {
    disconnect();
    lastId = 0; turns = new Map(); current = null; queue = []; playing = null;
    audio.pause();
    $('vf-now').querySelectorAll('.vf-turn').forEach((e) => e.remove());
    $('vf-earlier').textContent = '';
    $('vf-earlier-box').hidden = true;
    $('vf-waiting').hidden = false;
    connect();
  }

  // a phone losing its network, or waking up: drop the dead stream, resume after the last event seen
  window.addEventListener('offline', () => { disconnect(); status(S('follow.reconnecting')); });
  window.addEventListener('online', () => { disconnect(); connect(); });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && (!source || source.readyState === EventSource.CLOSED)) connect();
  });

  bindSettings(); relabel(); applyLook(); connect();
})();
