() => {
  // Sentence highlight while the audio plays, and the playback rate the speech asked for (gTTS speeds).
  const body = () => document.querySelector('#vt-caption .vt-caption-body');
  const isMedia = (t) => t instanceof HTMLMediaElement && t.closest('#vt-audio');
  document.addEventListener('timeupdate', (e) => {
    if (!isMedia(e.target)) return;
    const spans = body() ? body().querySelectorAll('.vt-s[data-start]') : [];
    let current = null;
    spans.forEach((s) => { if (parseFloat(s.dataset.start) <= e.target.currentTime + 0.05) current = s; });
    spans.forEach((s) => s.classList.toggle('vt-current', s === current));
  }, true);
  document.addEventListener('play', (e) => {
    if (!isMedia(e.target) || !body()) return;
    const rate = parseFloat(body().dataset.playbackRate || '1');
    if (rate > 0 && Math.abs(e.target.playbackRate - rate) > 0.01) e.target.playbackRate = rate;
  }, true);
  // The open caption card starts below its (fixed) controls, whatever their height at this width.
  window.vtFitCard = () => {
    const open = document.documentElement.classList.contains('vt-card-open');
    const controls = document.getElementById('vt-card-controls'), card = document.getElementById('vt-caption');
    if (card) card.style.paddingTop = open && controls ? (controls.offsetHeight + 16) + 'px' : '';
  };
  window.addEventListener('resize', () => window.vtFitCard());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { document.documentElement.classList.remove('vt-card-open'); window.vtFitCard(); }
  });
  document.documentElement.dataset.vtPreset = document.documentElement.dataset.vtPreset || 'dark';
}
