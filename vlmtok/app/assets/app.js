() => {
  // vlmtok's Tour page: the caption card (full screen, its own Play/Pause), the player, the sentence highlight,
  // text size and colours, and a few repairs to Gradio's markup. Words come from the page (the catalogues), never
  // from here. No inline handlers, no eval: listeners on the document, state on <html> and in sessionStorage.
  const html = document.documentElement;
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const store = {
    get(key, fallback) { try { const v = sessionStorage.getItem('vt.' + key); return v === null ? fallback : v; } catch (e) { return fallback; } },
    set(key, value) { try { sessionStorage.setItem('vt.' + key, String(value)); } catch (e) { /* private mode */ } },
  };
  const SIZES = [24, 28, 32, 40, 48, 56, 64];
  const PRESETS = ['dark', 'light', 'dyslexia'];
  const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  // ----- the player: one audio element; a turn is a list of clips played in order -----------------------------
  // Each clip is {src, rate, marks: [[seconds, sentence index], ...]} (the turn's data-clips). A turn spoken
  // sentence by sentence is one clip per sentence; clips added to the turn while it plays are picked up at 'ended'.
  const audio = document.createElement('audio');
  audio.id = 'vt-audio-el';
  audio.preload = 'auto';
  document.body.appendChild(audio);
  const player = { turnId: null, index: 0, rate: parseFloat(store.get('rate', '1')) || 1, threadId: null,
                   stale: false, played: new Set(), current: -1 };
  window.vtPlayer = player;
  player.audio = audio;

  const turnEl = (id) => (id ? document.getElementById('vt-turn-' + id) : null);
  const latestTurn = () => $('#vt-thread .vt-turn.vt-on-card:not(.vt-turn-message)') || $$('#vt-thread .vt-turn').pop() || null;
  const clipsOf = (el) => { try { return JSON.parse((el && el.dataset.clips) || '[]'); } catch (e) { return []; } };
  const resolve = (src) => {
    const root = (window.gradio_config && window.gradio_config.root) || window.location.href;
    return new URL(src, root.endsWith('/') ? root : root + '/').href;
  };

  function startClip() {
    const clips = clipsOf(turnEl(player.turnId));
    const clip = clips[player.index];
    if (!clip) { stop(); return; }
    audio.src = resolve(clip.src);
    audio.defaultPlaybackRate = audio.playbackRate = (clip.rate || 1) * player.rate;
    audio.play().catch(() => sync());
    sync();
  }
  function playTurn(id, fromStart = true) {
    if (!turnEl(id) || !clipsOf(turnEl(id)).length) return false;
    if (!fromStart && player.turnId === id && audio.src && !audio.ended) { audio.play().catch(() => sync()); return true; }
    player.turnId = id; player.index = 0; player.current = -1;
    startClip();
    return true;
  }
  function stop() {
    audio.pause();
    audio.removeAttribute('src');
    audio.load();
    player.turnId = null; player.index = 0; player.current = -1;
    $$('#vt-thread .vt-s.vt-current').forEach((s) => s.classList.remove('vt-current'));
    sync();
  }
  audio.addEventListener('ended', () => {
    const clips = clipsOf(turnEl(player.turnId));
    if (player.index + 1 < clips.length) { player.index += 1; startClip(); } else { sync(); }
  });
  ['play', 'pause', 'playing', 'emptied'].forEach((type) => audio.addEventListener(type, () => sync()));
  audio.addEventListener('timeupdate', () => highlight());
  audio.addEventListener('seeked', () => highlight());

  function onPlay() {
    if (!audio.paused) { audio.pause(); return; }
    if (player.stale) { const speak = $('#vt-speak'); if (speak) { speak.click(); return; } }
    const latest = latestTurn();
    if (!latest) return;
    playTurn(latest.dataset.turn, player.turnId !== latest.dataset.turn);
  }
  function replay(id) {
    const target = id || (latestTurn() && latestTurn().dataset.turn);
    if (target) playTurn(target, true);
  }

  // ----- the sentence being spoken: highlighted, and kept in view without fighting a reader who scrolled ----
  let lastUserScroll = 0;
  ['wheel', 'touchmove'].forEach((type) => document.addEventListener(type, (e) => {
    if (e.target.closest && e.target.closest('#vt-thread')) lastUserScroll = Date.now();
  }, { passive: true, capture: true }));
  document.addEventListener('keydown', (e) => {
    if (['PageDown', 'PageUp', 'ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key) && e.target.closest && e.target.closest('#vt-thread')) lastUserScroll = Date.now();
  }, true);

  function highlight() {
    const el = turnEl(player.turnId);
    const clip = clipsOf(el)[player.index];
    if (!el || !clip) return;
    let index = -1;
    for (const [time, i] of clip.marks || []) if (time <= audio.currentTime + 0.05) index = i;
    if (index === player.current && el.querySelector('.vt-s.vt-current')) return;
    player.current = index;
    $$('#vt-thread .vt-s.vt-current').forEach((s) => s.classList.remove('vt-current'));
    const span = index >= 0 ? el.querySelector(`.vt-s[data-i="${index}"]`) : null;
    if (span) { span.classList.add('vt-current'); keepInView(span); }
  }
  function keepInView(span) {
    const box = $('#vt-thread .vt-thread');
    const behavior = reducedMotion() ? 'auto' : 'smooth';
    const scrollsItself = box && box.scrollHeight > box.clientHeight + 1;
    const strip = document.getElementById('vt-strip');                // the page scrolls: the strip stays on top
    const under = !scrollsItself && strip ? Math.max(0, strip.getBoundingClientRect().bottom) : 0;
    const view = scrollsItself ? box.getBoundingClientRect()
      : { top: under, bottom: window.innerHeight, height: window.innerHeight - under };
    const r = span.getBoundingClientRect();
    const below = r.bottom > view.bottom - 4;               // the voice has gone past what is on screen
    const above = r.top < view.top;                          // a replay from the start, or a reader who went ahead
    if (!below && !(above && Date.now() - lastUserScroll > 8000)) return;
    // a little of what was said stays above it, but never so much that a sentence that fits is cut at the bottom
    const delta = r.top - view.top - Math.min(view.height * 0.2, 80, Math.max(0, view.height - r.height - 6));
    if (scrollsItself) box.scrollTo({ top: box.scrollTop + delta, behavior });
    else window.scrollBy({ top: delta, behavior });
  }

  // ----- the caption card: real full screen when the browser allows it, else a fixed overlay --------------------
  const card = () => document.getElementById('vt-card');
  function openCard() {
    const el = card();
    if (!el) return;
    html.classList.add('vt-card-open');
    if (el.requestFullscreen && document.fullscreenEnabled !== false) {
      el.requestFullscreen({ navigationUI: 'hide' }).catch(() => { /* the overlay stays: fallback */ });
    }
    sync();
    const focus = $('#vt-strip .vt-play');
    if (focus) focus.focus({ preventScroll: true });
    const box = $('#vt-thread .vt-thread'), shown = $('#vt-thread .vt-on-card');
    if (box && shown) box.scrollTop = shown.offsetTop - box.offsetTop;
  }
  function closeCard() {
    html.classList.remove('vt-card-open');
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    sync();
    const toggle = $('#vt-strip .vt-card-toggle');
    if (toggle) toggle.focus({ preventScroll: true });
  }
  document.addEventListener('fullscreenchange', () => {
    if (!document.fullscreenElement && html.classList.contains('vt-card-open')) closeCard();   // Esc, browser UI
  });

  // ----- text size and colours: the page's own settings, no server round trip ----------------------------------
  function applyLook() {
    const size = parseInt(store.get('size', '32'), 10) || 32;
    const preset = PRESETS.includes(store.get('preset', 'dark')) ? store.get('preset', 'dark') : 'dark';
    html.style.setProperty('--vt-caption-size', size + 'px');
    html.dataset.vtPreset = preset;
    html.dataset.vtSize = String(size);
  }
  function stepSize(dir) {
    const size = parseInt(store.get('size', '32'), 10) || 32;
    const i = SIZES.findIndex((s) => s >= size);
    const next = SIZES[Math.max(0, Math.min(SIZES.length - 1, (i < 0 ? SIZES.length - 1 : i) + dir))];
    store.set('size', next);
    applyLook(); sync();
  }
  function nextPreset() {
    const now = html.dataset.vtPreset || 'dark';
    store.set('preset', PRESETS[(PRESETS.indexOf(now) + 1) % PRESETS.length]);
    applyLook(); sync();
  }

  // ----- the strip's buttons and the thread's Replay buttons (re-drawn by the server: delegated) ---------------
  document.addEventListener('click', (e) => {
    if (e.target.closest && e.target.closest('.label-wrap')) setTimeout(repair, 0);
    const button = e.target.closest && e.target.closest('[data-vt-action]');
    if (!button) return;
    const action = button.dataset.vtAction;
    if (action === 'play') onPlay();
    else if (action === 'replay-latest') replay(null);
    else if (action === 'replay') replay(button.dataset.turn);
    else if (action === 'smaller') stepSize(-1);
    else if (action === 'larger') stepSize(1);
    else if (action === 'preset') nextPreset();
    else if (action === 'card') { if (html.classList.contains('vt-card-open')) closeCard(); else openCard(); }
    else if (action === 'close-card') closeCard();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && html.classList.contains('vt-card-open')) closeCard();
    const options = $('#vt-options > button.label-wrap.open');            // the options sheet closes with Esc too
    if (e.key === 'Escape' && options && window.innerWidth <= 820 && e.target.closest && e.target.closest('#vt-options')) {
      options.click(); options.focus({ preventScroll: true });
    }
  });

  // ----- the guide edits the text: what was made from the old text must not play (Play speaks the new text) -----
  document.addEventListener('input', (e) => {
    const t = e.target;
    if (t.closest && t.closest('#vt-approved')) { player.stale = true; if (!audio.paused) audio.pause(); sync(); }
  }, true);
  // the speed slider's own event (page.py wires it): every clip plays at the clip's rate times this one
  document.addEventListener('vt-rate', (e) => {
    const rate = parseFloat(e.detail);
    if (!(rate > 0)) return;
    player.rate = rate; store.set('rate', player.rate);
    const clip = clipsOf(turnEl(player.turnId))[player.index];
    audio.defaultPlaybackRate = audio.playbackRate = ((clip && clip.rate) || 1) * player.rate;
  });

  // ----- a file too large is refused before it is sent: the server says so (spoken), in the visitor's language --
  const maxBytes = () => (window.gradio_config && window.gradio_config.max_file_size) || 0;
  function tooLarge(file) {
    if (!file || !maxBytes() || file.size <= maxBytes()) return false;
    const button = $('#vt-too-large');
    if (button) button.click();
    return true;
  }
  document.addEventListener('change', (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.closest('#vt-image')) return;
    if (tooLarge(input.files && input.files[0])) { e.stopImmediatePropagation(); e.preventDefault(); input.value = ''; }
  }, true);
  document.addEventListener('drop', (e) => {
    if (!(e.target.closest && e.target.closest('#vt-image'))) return;
    if (tooLarge(e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0])) { e.stopImmediatePropagation(); e.preventDefault(); }
  }, true);

  // ----- an upload the server could not store (HTTP 507, its disk full): said and spoken, never a silent "Ready" --
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await nativeFetch(...args);
    const url = String((args[0] && args[0].url) || args[0] || '');
    if (response.status === 507 && /\/upload(\?|$)/.test(url)) {
      const button = $('#vt-upload-failed');
      if (button) button.click();
    }
    return response;
  };

  document.addEventListener('error', (e) => {                // a file that is no picture shows no broken icon
    if (e.target instanceof HTMLImageElement && e.target.closest('#vt-image')) e.target.classList.add('vt-broken');
  }, true);
  document.addEventListener('load', (e) => {
    if (e.target instanceof HTMLImageElement) e.target.classList.remove('vt-broken');
  }, true);

  // ----- keep the page in step with what the server drew ---------------------------------------------------------
  let lastReady = null;
  function onThread() {
    const box = $('#vt-thread .vt-thread');
    if (!box) return;
    if (box.dataset.thread !== player.threadId) {          // a new picture, a cleared or failed one: old audio goes
      if (player.threadId !== null) stop();
      player.threadId = box.dataset.thread;
    }
    for (const el of $$('.vt-turn[data-play]', box)) {
      const token = el.dataset.play;
      if (token && !player.played.has(token)) { player.played.add(token); player.stale = false; playTurn(el.dataset.turn, true); }
    }
    if (player.turnId && audio.ended) {                      // spoken as written: the next sentence came after
      const clips = clipsOf(turnEl(player.turnId));          // the last one had ended, so it plays on from there
      if (player.index + 1 < clips.length) { player.index += 1; startClip(); }
    }
    const ready = box.dataset.state + ':' + box.dataset.thread + ':' + $$('.vt-turn', box).length;
    if ((box.dataset.state === 'ready' || box.dataset.state === 'message') && ready !== lastReady) {
      lastReady = ready;
      const cardEl = card(), strip = document.getElementById('vt-strip');   // the strip off screen: bring it in
      if (cardEl && strip && !html.classList.contains('vt-card-open') && strip.getBoundingClientRect().bottom > window.innerHeight) {
        cardEl.scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
      }
      const last = $$('.vt-turn', box).pop();
      if (last && box.scrollHeight > box.clientHeight) box.scrollTop = last.offsetTop - box.offsetTop;
    }
    if (!$$('.vt-turn', box).some((el) => el.dataset.turn === player.turnId) && player.turnId) stop();
  }

  function sync() {
    const playing = !audio.paused && !audio.ended;
    html.classList.toggle('vt-playing', playing);
    const open = html.classList.contains('vt-card-open');
    const toggle = $('#vt-strip .vt-card-toggle');
    if (toggle) toggle.setAttribute('aria-pressed', String(open));
    const latest = latestTurn();
    const play = $('#vt-strip .vt-play');
    if (play) {
      const can = playing || player.stale || !!(latest && clipsOf(latest).length);
      play.setAttribute('aria-disabled', String(!can));
    }
    const preset = $('#vt-strip .vt-preset');
    if (preset) {
      let labels = {};
      try { labels = JSON.parse(preset.dataset.labels || '{}'); } catch (e) { /* keep */ }
      const now = html.dataset.vtPreset || 'dark', [shown, said] = labels[now] || [];
      const name = $('.vt-preset-name', preset), full = $('.vt-preset-said', preset);
      if (name && shown && name.textContent !== shown) name.textContent = shown;
      if (full && said && full.textContent !== said) full.textContent = said;
    }
    const size = parseInt(html.dataset.vtSize || '32', 10);
    const smaller = $('#vt-strip [data-vt-action="smaller"]'), larger = $('#vt-strip [data-vt-action="larger"]');
    if (smaller) smaller.setAttribute('aria-disabled', String(size <= SIZES[0]));
    if (larger) larger.setAttribute('aria-disabled', String(size >= SIZES[SIZES.length - 1]));
  }

  // ----- Gradio's own words (upload box, image buttons, footer) in the page's language ------------------------------
  // The server puts {Gradio's English: the words in the chosen language} (the catalogue's gradio.* keys) in
  // #vt-words-data; each text and name Gradio draws is swapped, its English kept so a later switch can swap it back.
  const OWN = '.vt-thread, .vt-strip, .vt-ledger, .vt-how, .vt-lens, #vt-words, script, style, textarea';   // our words
  const NAMES = ['aria-label', 'title', 'placeholder', 'alt'];
  const shownText = new WeakMap();                       // a text node -> [Gradio's English, the words shown]
  let words = null, wordsRaw = null, patterns = [];
  function readWords() {
    const el = document.getElementById('vt-words-data');
    const raw = el ? el.getAttribute('data-vt-words') : null;
    if (raw === wordsRaw) return;
    wordsRaw = raw; patterns = [];
    try { words = raw ? JSON.parse(raw) : null; } catch (e) { words = null; }
    for (const [en, said] of Object.entries(words || {})) {     // "Thumbnail {n} of {m}": its parts kept as they are
      if (!/\{\w+\}/.test(en)) continue;
      const names = [];
      const source = en.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, k) => { names.push(k); return '(.+?)'; });
      patterns.push({ re: new RegExp('^' + source + '$'), names, said });
    }
  }
  function say(english) {
    if (Object.prototype.hasOwnProperty.call(words, english)) return words[english];
    for (const p of patterns) {
      const m = english.match(p.re);
      if (m) return p.said.replace(/\{(\w+)\}/g, (_, k) => m[p.names.indexOf(k) + 1] || '');
    }
    return english;
  }
  function translateGradio() {
    readWords();
    if (!words) return;
    const root = document.querySelector('gradio-app') || document.body;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT, {
      acceptNode: (n) => (n.nodeType !== 1 ? NodeFilter.FILTER_ACCEPT
        : n.matches(OWN) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP) });
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const trimmed = n.data.trim();
      if (!trimmed || trimmed.length > 80) continue;
      const mem = shownText.get(n);
      const english = mem && mem[1] === trimmed ? mem[0] : trimmed;
      const want = say(english);
      if (want !== trimmed) n.data = n.data.replace(trimmed, want);
      if (want !== english || mem) shownText.set(n, [english, want]);
    }
    for (const el of $$(NAMES.map((a) => `[${a}]`).join(','), root)) {
      if (el.closest(OWN)) continue;
      for (const a of NAMES) {
        const now = el.getAttribute(a);
        if (!now) continue;
        const stored = el.getAttribute('data-vt-en-' + a);
        const english = stored !== null && now === el.getAttribute('data-vt-shown-' + a) ? stored : now;
        const want = say(english);
        if (want === english && stored === null) continue;
        if (want !== now) el.setAttribute(a, want);
        el.setAttribute('data-vt-en-' + a, english);
        el.setAttribute('data-vt-shown-' + a, want);
      }
    }
  }

  // Gradio's markup, repaired where it fails a keyboard or a screen reader, and the page language.
  function repair() {
    $$('fieldset').forEach((group, n) => {
      const radios = $$('input[type=radio]', group);
      if (!radios.length) return;
      const name = 'vt-radio-' + (group.id || n);
      radios.forEach((r) => { if (r.name !== name) r.name = name; });      // one group: arrow keys move within it
      if (group.getAttribute('role') !== 'radiogroup') group.setAttribute('role', 'radiogroup');
      const title = $('[data-testid="block-info"]', group);
      if (title) { title.id = title.id || name + '-label'; group.setAttribute('aria-labelledby', title.id); }
    });
    $$('.gradio-container button[aria-label]').forEach((b) => {    // an upload box: its visible words are its name (2.5.3)
      const words = (b.innerText || '').trim();
      if (words && b.getAttribute('aria-label') !== words && b.querySelector('[data-testid="upload-text"]')) b.setAttribute('aria-label', words);
    });
    $$('#vt-tap-image button:not([aria-label])').forEach((b) => {      // the picture to tap is named by its title
      const title = $('#vt-tap-image [data-testid="block-label"]');
      if (title && title.innerText.trim()) b.setAttribute('aria-label', title.innerText.trim());
    });
    $$('button.thumbnail-item[aria-label]').forEach((b) => {           // a thumbnail is named by what it shows
      if ((b.innerText || '').trim() || $('img[alt]:not([alt=""])', b)) b.removeAttribute('aria-label');
    });
    $$('.gradio-container div[aria-label]:not([role]), .gradio-container span[aria-label]:not([role])').forEach((d) => {
      if (!d.closest(OWN)) d.setAttribute('role', 'img');          // a name needs a role (Gradio's empty boxes)
    });
    $$('.gr-accordion > button.label-wrap').forEach((b) => {   // a disclosure says whether it is open (4.1.2)
      const open = String(b.classList.contains('open'));
      if (b.getAttribute('aria-expanded') !== open) b.setAttribute('aria-expanded', open);
    });
    const strip = $('#vt-strip .vt-strip'), chosen = document.getElementById('vt-words-data');
    const lang = (chosen && chosen.getAttribute('data-vt-lang')) || (strip && strip.getAttribute('lang'));
    if (lang && html.lang !== lang) html.lang = lang;                        // screen readers switch voice (3.1.1)
    const status = document.getElementById('vt-status');
    if (status) {
      if (status.getAttribute('role') !== 'status') { status.setAttribute('role', 'status'); status.setAttribute('aria-live', 'polite'); }
      if (lang && status.getAttribute('lang') !== lang) status.setAttribute('lang', lang);
    }
  }

  function remember() {                                                     // the options panel stays as left
    const panel = $('#vt-options');
    if (!panel || panel.dataset.vtWatched) return;
    panel.dataset.vtWatched = '1';
    const header = $('button.label-wrap', panel);
    if (!header) return;
    // reopened only where it pushes nothing away (an upright tablet shows it as a sheet over the card)
    if (window.innerWidth > 820 && store.get('options', 'closed') === 'open' && !header.classList.contains('open')) header.click();
    header.addEventListener('click', () => setTimeout(() => store.set('options', header.classList.contains('open') ? 'open' : 'closed'), 0));
  }

  // The conversation box fills the first screen down to the question row (a phone scrolls the page instead).
  function fitThread() {
    const box = $('#vt-thread .vt-thread');
    if (!box || html.classList.contains('vt-card-open')) return;
    if (window.innerWidth <= 480) { html.style.removeProperty('--vt-thread-h'); return; }
    const edit = document.getElementById('vt-edit'), ask = document.getElementById('vt-ask');
    const last = edit ? ($('.label-wrap', edit) || $('button', edit) || edit) : ask;
    if (!last) return;
    const bottom = last.getBoundingClientRect().bottom + window.scrollY;     // where the first screen must end
    const now = box.getBoundingClientRect().height;
    const h = Math.max(200, Math.floor(now - (bottom - (window.innerHeight - 10))));
    if (html.style.getPropertyValue('--vt-thread-h') !== h + 'px') html.style.setProperty('--vt-thread-h', h + 'px');
  }
  window.addEventListener('resize', () => fitThread());

  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; onThread(); repair(); translateGradio(); remember(); sync(); fitThread(); });
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true,
                                    attributeFilter: ['data-thread', 'data-state', 'data-play', 'lang', 'aria-expanded',
                                                      'aria-label', 'title', 'placeholder', 'alt', 'data-vt-words'] });
  applyLook();
  onThread(); repair(); translateGradio(); remember(); sync(); fitThread();
}
