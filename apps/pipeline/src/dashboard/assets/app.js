// digitfuse dashboard page: renders the server's snapshots (GET /api/events, server-sent events).
// Every string of the run (parameter names and values, attributes, messages, paths) is data: it is
// shown with textContent or set as an attribute value, never parsed as HTML.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);

  /** An element with text and attributes (values only; never markup). */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === 'text') node.textContent = String(value);
      else node.setAttribute(key, String(value));
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  // ---- formatting -------------------------------------------------------------------------------
  const pct = (x) => (x === null || x === undefined ? '' : (x * 100).toFixed(2) + '%');
  const fixed = (x, d) => (x === null || x === undefined ? '' : Number(x).toFixed(d));
  function duration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return s % 60 === 0 ? m + ' min' : m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    return m % 60 === 0 ? Math.floor(m / 60) + ' h' : Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  }
  /** A moment as summary.md and the report write it: `2026-12-05 01:23:45 UTC` (never the browser's own time zone). */
  const utcTime = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
  /** A parameter's value: a number as the report writes it (its own code, /format-param.js), anything else as text. */
  function param(v) {
    if (typeof v === 'number') return digitfuseFormat.formatParam(v);
    return v === null || v === undefined ? '' : String(v);
  }

  // ---- state ------------------------------------------------------------------------------------
  let snapshot = null;
  let clockOffset = 0; // server time - local time
  let sort = { key: 'number', dir: 1 };
  const drawnSpecs = {};
  const views = {};

  // ---- header, stages, cards --------------------------------------------------------------------
  function renderRun(s) {
    const run = s.run;
    const source = s.source;
    const inDatabase = source.kind === 'postgresql';
    $('title-kind').textContent = run ? 'digitfuse run' : 'digitfuse study';
    $('run-name').textContent = run ? run.name : source.study;
    $('run-root').textContent = run ? run.root : '';
    $('run-root').hidden = !run;
    $('source').textContent = inDatabase ? 'study ' + source.study + ' in ' + source.place : '';
    $('source').hidden = !inDatabase;
    document.title = 'digitfuse — ' + (run ? run.name : source.study);
    const problem = $('problem');
    const problems = [];
    if (run && run.problem) problems.push('run.json: ' + run.problem);
    // A database out of reach: the page keeps the trials as last read, and says so.
    if (s.sourceProblem) {
      problems.push(
        'Cannot read the study from ' + s.source.place + ' since ' + utcTime(s.sourceProblem.since) + ' (trying again): ' + s.sourceProblem.message +
          '. The trials below are as last read.',
      );
    }
    problem.hidden = problems.length === 0;
    problem.textContent = problems.join(' ');

    $('stages-section').hidden = !run;
    $('stages').replaceChildren(
      ...(run ? run.stages : []).map((st) => {
        const mark = st.state === 'done' ? '✓ ' : st.state === 'running' ? '● ' : '';
        const li = el('li', { class: st.state, title: st.title }, [el('span', { text: mark + st.name })]);
        if (st.seconds !== null) li.appendChild(el('span', { class: 'stage-time', text: duration(st.seconds) }));
        else if (st.state === 'running') li.appendChild(el('span', { class: 'stage-time', text: 'now' }));
        return li;
      }),
    );

    const o = run ? run.options : { trials: null, epochs: null, budgetMs: null, objective: null, objectiveTitle: null };
    const c = s.study ? s.study.counts : null;
    const finished = c ? c.COMPLETE + c.PRUNED : 0;
    $('card-trials').textContent = o.trials !== null ? finished + ' of ' + o.trials : String(finished);
    // A search that ended with fewer trials than --trials: its budget ended it (the only way it stops early).
    const search = run ? run.stages.find((st) => st.name === 'search') : null;
    const cut = search && search.state === 'done' && o.trials !== null && o.budgetMs !== null && finished < o.trials;
    $('card-trials-note').textContent = c
      ? c.COMPLETE + ' completed, ' + c.PRUNED + ' pruned, ' + c.FAIL + ' failed, ' + (c.RUNNING - s.study.stopped) + ' running' +
        (s.study.stopped > 0 ? ', ' + s.study.stopped + ' stopped mid-trial' : '') +
        (cut ? ' · the search budget (' + duration(o.budgetMs / 1000) + ') ran out before ' + o.trials + ' trials finished' : '')
      : 'no study yet';
    const best = s.study && s.study.bestTrial !== null ? s.study : null;
    $('card-best').textContent = best ? fixed(best.bestValue, 4) : '–';
    const kept = best ? best.keptBaseline : null;
    $('card-best-note').textContent = !best
      ? 'no completed trial yet'
      : 'trial ' + best.bestTrial + (kept ? ": the paper's configuration, kept over trial " + kept.over + ' (' + fixed(kept.overValue, 4) + '), whose lead is within one standard error (' + fixed(kept.standardError, 4) + ')' : '');
    const ranked = s.study ? s.study.objectiveTitle || s.study.objective : null;
    $('card-objective').textContent = o.objectiveTitle || o.objective || ranked || 'the objective value';
    const limits = [];
    if (o.budgetMs !== null) limits.push('search budget ' + duration(o.budgetMs / 1000));
    if (o.epochs !== null) limits.push('at most ' + o.epochs + (o.epochs === 1 ? ' epoch' : ' epochs') + ' per trial');
    if (s.study && s.study.lastActivityAt !== null) limits.push('last activity ' + utcTime(s.study.lastActivityAt));
    $('card-budget').textContent = limits.join(' · ');

    const ended = $('ended');
    // A run that no process works on and that has stages left: stopped, or only its search was run.
    const idle = !s.ended && run !== null && run.problem === null && run.createdAt !== null && !run.finished && run.active === null;
    ended.hidden = !s.ended && !idle;
    ended.textContent = s.ended
      ? 'The run has ended and the dashboard server has stopped; this page shows its final state.' + (run ? ' The files are in ' + run.root + '.' : '')
      : idle
        ? 'No process is running this run now: it was stopped, or only its search was run. `digitfuse full --resume ' + run.root + '` continues it.'
        : '';
    $('footer').textContent = inDatabase
      ? 'Read-only view of study ' + source.study + ' in ' + source.place + (run ? ' and of the run directory' : '') + '; it updates by itself as the workers write to the database.'
      : 'Read-only view of the run directory; it updates by itself as the run writes run.json and ' + source.place + '.';
  }

  // ---- running trials (ETA counts down every second) --------------------------------------------
  function renderRunning(s) {
    const running = s.trials.filter((t) => t.state === 'RUNNING' && t.progress);
    $('running-section').hidden = running.length === 0 || s.ended;
    $('running').replaceChildren(
      ...running.map((t) => {
        const p = t.progress;
        const total = p.epochs !== null ? ' of ' + p.epochs : '';
        const current = p.epochs !== null ? Math.min(p.epochsDone + 1, p.epochs) : p.epochsDone + 1;
        // An epoch limit that is not known: an indeterminate bar.
        const bar = el('progress', p.epochs === null ? { 'aria-label': 'epochs done' } : { max: p.epochs, value: p.epochsDone, 'aria-label': 'epochs done' });
        const facts = [];
        if (p.lastValue !== null) facts.push('validation accuracy ' + pct(p.lastValue) + ' after epoch ' + p.epochsDone);
        if (p.loss !== null) facts.push('training loss ' + p.loss.toFixed(4) + (p.acc !== null ? ', accuracy ' + pct(p.acc) : ''));
        if (p.epochSeconds !== null) facts.push(duration(p.epochSeconds) + ' per epoch');
        return el('div', { class: 'running-trial', 'data-trial': t.number }, [
          el('div', { class: 'headline', text: 'Trial ' + t.number + ': epoch ' + current + total + (p.epochsDone >= (p.epochs || Infinity) ? ' done, measuring' : '') }),
          // Without the run's --epochs (a study shown alone) the time left is not known.
          p.epochs === null
            ? el('div', {}, [bar, el('span', { class: 'eta', text: 'time left: unknown (the study does not record --epochs; add --run DIR)' })])
            : el('div', {}, [bar, el('span', { class: 'eta', 'data-eta': p.etaAt === null ? '' : p.etaAt, text: etaText(p.etaAt) })]),
          el('div', { class: 'muted' }, [
            document.createTextNode(facts.join(' · ') + (facts.length ? ' · ' : '') + 'running for '),
            // Counts up every second, as the time left counts down.
            el('span', { class: 'running-for', 'data-since': t.startedAt === null ? '' : t.startedAt, text: duration(t.seconds) }),
          ]),
          // Which worker, when several share the study.
          t.heardAt === null ? null : el('div', { class: 'heard', 'data-heard': t.heardAt, 'data-worker': s.study && s.study.workers > 1 ? t.worker || '' : '' }),
        ]);
      }),
    );
    for (const div of document.querySelectorAll('.running-trial .heard')) renderHeard(div);
  }
  function etaText(etaAt) {
    if (etaAt === null || etaAt === '' || etaAt === undefined) return 'time left: known after the first epoch';
    const left = (Number(etaAt) - (Date.now() + clockOffset)) / 1000;
    return left > 0 ? 'about ' + duration(left) + ' left (at most: early stopping can end it sooner)' : 'finishing…';
  }
  // When the trial's worker last wrote to the study (a heartbeat or an epoch's report); a worker
  // silent for longer than two heartbeats may be gone: its machine stopped or lost the storage.
  function renderHeard(div) {
    const study = snapshot && snapshot.study;
    if (!study) return;
    if (snapshot.sourceProblem) {
      div.classList.remove('late');
      div.textContent = 'when its worker was last heard from is not known while the study cannot be read';
      return;
    }
    const silent = (Date.now() + clockOffset - Number(div.getAttribute('data-heard'))) / 1000;
    const who = div.getAttribute('data-worker');
    const from = who ? ' from ' + who : '';
    const late = silent * 1000 > 2 * study.heartbeatMs;
    div.classList.toggle('late', late);
    div.textContent = !late
      ? 'last heard' + from + ' ' + duration(silent) + ' ago'
      : 'no word' + from + ' for ' + duration(silent) + ' (its worker writes every ' + duration(study.heartbeatMs / 1000) + '): its process may have stopped or lost the storage; ' +
        (silent * 1000 > study.staleAfterMs
          ? 'the next worker to start a trial fails this one and runs its parameters again'
          : 'after ' + duration(study.staleAfterMs / 1000) + ' of silence the trial is failed and its parameters run again');
  }
  setInterval(() => {
    for (const span of document.querySelectorAll('.running-trial .eta[data-eta]')) span.textContent = etaText(span.getAttribute('data-eta'));
    for (const div of document.querySelectorAll('.running-trial .heard')) renderHeard(div);
    for (const span of document.querySelectorAll('.running-trial .running-for[data-since]')) {
      const since = span.getAttribute('data-since');
      if (since !== '') span.textContent = duration((Date.now() + clockOffset - Number(since)) / 1000);
    }
  }, 1000);

  // ---- links to the run's files -----------------------------------------------------------------
  function renderLinks(s) {
    const links = s.links.filter((l) => typeof l.href === 'string' && l.href.startsWith('/run/'));
    $('links-section').hidden = links.length === 0;
    $('finished-note').textContent = s.run && s.run.finished ? '(the run has finished)' : '(from the stages finished so far)';
    $('links').replaceChildren(
      ...links.map((l) => {
        const a = el('a', { href: l.href, text: l.label, target: '_blank', rel: 'noopener' });
        if (s.ended) a.removeAttribute('href'); // the server has stopped: the path below is what is left
        return el('li', {}, [a, el('span', { class: 'mono', text: l.path })]);
      }),
    );
  }

  // ---- trial table ------------------------------------------------------------------------------
  function columns(s) {
    const params = s.study ? s.study.paramNames : [];
    // A pruned trial's value on another scale than the objective's (its last clean accuracy) is bracketed.
    const apart = s.study && s.study.prunedValue ? s.study.prunedValue : null;
    const value = (t) => (apart && t.state === 'PRUNED' && t.value !== null ? '(' + fixed(t.value, 4) + ')' : fixed(t.value, 4));
    // Which worker ran a trial, when several did (machines sharing a study, or processes of one run).
    const workers = s.study && s.study.workers > 1 ? [{ key: 'worker', title: 'Worker', get: (t) => t.worker, show: (t) => t.worker || '', text: true }] : [];
    return [
      { key: 'number', title: '#', get: (t) => t.number, show: (t) => String(t.number) },
      { key: 'state', title: 'State', get: (t) => t.state, show: (t) => (t.stopped ? 'stopped mid-trial' : t.state.toLowerCase()) + (t.stoppedByBudget ? ' (budget)' : ''), text: true },
      { key: 'value', title: 'Value', get: (t) => (apart && t.state === 'PRUNED' ? null : t.value), show: value },
      { key: 'clean', title: 'Clean', get: (t) => t.clean, show: (t) => pct(t.clean) },
      { key: 'shifted', title: 'Shifted', get: (t) => t.shifted, show: (t) => pct(t.shifted) },
      { key: 'image', title: 'Image', get: (t) => t.image, show: (t) => pct(t.image) },
      { key: 'bestEpoch', title: 'Best epoch', get: (t) => t.bestEpoch, show: (t) => (t.bestEpoch === null ? '' : String(t.bestEpoch)) },
      { key: 'seconds', title: 'Duration', get: (t) => t.seconds, show: (t) => duration(t.seconds) },
      ...workers,
      ...params.map((name) => ({ key: 'param:' + name, title: name, get: (t) => t.params[name], show: (t) => param(t.params[name]), param: true })),
    ];
  }
  function compare(a, b) {
    const missingA = a === null || a === undefined;
    const missingB = b === null || b === undefined;
    if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a).localeCompare(String(b));
  }
  function renderTable(s) {
    const cols = columns(s);
    if (!cols.some((c) => c.key === sort.key)) sort = { key: 'number', dir: 1 };
    const head = document.querySelector('#trials thead tr');
    head.replaceChildren(
      ...cols.map((c) => {
        // Long parameter names may wrap after an underscore (a zero-width space), keeping columns narrow.
        const button = el('button', { type: 'button', text: c.title.replace(/_/g, '_\u200b'), title: 'Sort by ' + c.title, 'data-key': c.key });
        button.addEventListener('click', () => {
          sort = { key: c.key, dir: sort.key === c.key ? -sort.dir : c.key === 'value' ? -1 : 1 };
          renderTable(snapshot);
        });
        const arrow = sort.key === c.key ? el('span', { class: 'arrow', text: sort.dir > 0 ? '▲' : '▼' }) : null;
        return el('th', { scope: 'col', 'aria-sort': sort.key === c.key ? (sort.dir > 0 ? 'ascending' : 'descending') : null }, [button, arrow]);
      }),
    );
    const col = cols.find((c) => c.key === sort.key);
    const rows = [...s.trials].sort((a, b) => {
      const va = col.get(a);
      const vb = col.get(b);
      const missing = (va === null || va === undefined) !== (vb === null || vb === undefined);
      return (missing ? compare(va, vb) : sort.dir * compare(va, vb)) || a.number - b.number;
    });
    const bestTrial = s.study ? s.study.bestTrial : null;
    const prunedNote = $('pruned-note');
    prunedNote.hidden = !(s.study && s.study.prunedValue && s.study.counts.PRUNED > 0);
    prunedNote.textContent = prunedNote.hidden
      ? ''
      : ' A value in brackets: a pruned trial\'s ' + s.study.prunedValue + ' after its last epoch (what the pruner compares), not the objective, so not comparable with the others.';
    document.querySelector('#trials tbody').replaceChildren(
      ...rows.map((t) => {
        const isBest = t.number === bestTrial;
        const cells = cols.map((c) => {
          const shown = c.show(t);
          const td = el('td', { text: shown });
          if (c.text || (c.param && typeof c.get(t) === 'string')) td.classList.add('text');
          if (shown === '') td.classList.add('missing');
          if (c.key === 'state') {
            td.replaceChildren(el('span', { class: 'state state-' + (t.stopped ? 'STOPPED' : t.state), text: shown }));
            if (t.failReason) td.setAttribute('title', t.failReason);
            if (t.stoppedByBudget) td.setAttribute('title', 'the search budget stopped this trial early: its value is of a shorter training');
            if (t.stopped) td.setAttribute('title', 'its process ended during the trial (Ctrl-C, a kill): a resume fails it and runs its parameters again');
          }
          if (c.param && typeof c.get(t) === 'string') td.setAttribute('title', c.get(t));
          if (c.key === 'number' && isBest) td.replaceChildren(el('span', { class: 'best-mark', text: '★ ', title: 'best trial' }), document.createTextNode(shown));
          return td;
        });
        return el('tr', { class: isBest ? 'best' : null, 'data-trial': t.number, 'data-state': t.state }, cells);
      }),
    );
    $('no-trials').hidden = s.trials.length > 0;
    $('failures').replaceChildren(
      ...s.trials
        .filter((t) => t.state === 'FAIL' && t.failReason)
        .map((t) => el('li', {}, [el('span', { class: 'state state-FAIL', text: 'trial ' + t.number + ' failed: ' }), el('span', { class: 'mono', text: t.failReason })])),
    );
  }

  // ---- charts (the report's Vega-Lite specs) ----------------------------------------------------
  function renderCharts(s) {
    if (typeof window.vegaEmbed !== 'function') return;
    for (const [name, spec] of Object.entries(s.charts)) {
      const target = $('chart-' + name);
      if (!target) continue;
      const json = JSON.stringify(spec);
      if (drawnSpecs[name] === json) continue;
      drawnSpecs[name] = json;
      if (views[name]) views[name].finalize();
      views[name] = null;
      target.replaceChildren();
      target.parentElement.classList.toggle('drawn', spec !== null);
      if (spec === null) continue;
      // A chart wider than its place (parallel coordinates of many parameters) is drawn narrower, down
      // to 70% of its width (its labels overlap below that); fitChart scales or scrolls what is still wider.
      const room = target.parentElement.parentElement.clientWidth - 180;
      const fitted = typeof spec.width === 'number' && spec.width > room ? Object.assign({}, spec, { width: Math.max(Math.round(spec.width * 0.7), room) }) : spec;
      // ast: expressions are interpreted, not compiled with eval, so the page's CSP forbids eval.
      window
        .vegaEmbed(target, fitted, { actions: false, renderer: 'svg', ast: true })
        .then((result) => {
          if (drawnSpecs[name] === json) {
            views[name] = result;
            fitChart(target);
          } else result.finalize();
        })
        .catch((err) => {
          target.replaceChildren(el('p', { class: 'muted', text: 'This chart could not be drawn: ' + err.message }));
        });
    }
  }

  // ---- what is wider than the screen (a phone) ---------------------------------------------------
  // A hint above `box` (`hint` is its element) when `box` scrolls sideways: nothing is cut off unseen.
  function showHint(hint, scrolls) {
    if (hint) hint.hidden = !scrolls;
  }
  // A chart up to 1/0.6 times wider than its box is scaled down to fit (its text stays legible); a
  // wider one (parallel coordinates of many parameters on a phone) keeps its size and scrolls sideways.
  function fitChart(target) {
    const box = target.parentElement;
    const svg = target.querySelector('svg');
    if (!svg) return;
    svg.style.width = '';
    svg.style.height = '';
    const style = getComputedStyle(box);
    const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const width = svg.getBoundingClientRect().width;
    let scrolls = false;
    if (width > room + 1) {
      if (room / width >= 0.6) {
        svg.style.width = room + 'px';
        svg.style.height = 'auto';
      } else scrolls = true;
    }
    showHint(box.querySelector('.scroll-hint'), scrolls);
  }
  function fitTable() {
    const wrap = document.querySelector('.table-wrap');
    showHint($('trials-hint'), wrap.scrollWidth > wrap.clientWidth + 1);
  }
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      fitTable();
      for (const name of Object.keys(views)) if (views[name]) fitChart($('chart-' + name));
    }, 150);
  });

  function render(s) {
    snapshot = s;
    clockOffset = (s.sentAt === undefined ? s.now : s.sentAt) - Date.now();
    renderRun(s);
    renderRunning(s);
    renderLinks(s);
    renderTable(s);
    fitTable();
    renderCharts(s);
  }

  // ---- live updates -----------------------------------------------------------------------------
  function setConnection(kind, text) {
    const pill = $('connection');
    pill.className = 'pill pill-' + kind;
    pill.textContent = text;
  }
  function connect() {
    const events = new EventSource('/api/events');
    events.addEventListener('open', () => setConnection('live', 'live'));
    events.addEventListener('snapshot', (e) => {
      setConnection('live', 'live');
      render(JSON.parse(e.data));
    });
    events.addEventListener('end', () => {
      events.close();
      setConnection('done', 'run ended');
    });
    events.addEventListener('error', () => {
      if (events.readyState !== EventSource.CLOSED) setConnection('wait', 'reconnecting…');
    });
  }
  window.addEventListener('DOMContentLoaded', connect);
})();
