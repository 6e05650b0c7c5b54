// hemicycle — keeps a page current from the live stream (Server-Sent Events).
//
// The server sends `snapshot` (everything a page shows) on connecting, then
// `update` after each change (the sitting and division panels whole, and only
// the seats that changed), and `resync` when this page fell behind: then the
// page fetches a fresh snapshot. Both are applied by one function. The page
// marks what to keep current:
//   [data-member=ID]      its data-state becomes the member's seat state (seats, roll rows)
//   [data-state-of=ID]    its text becomes the member's state in words
//   [data-presence-of=ID] its text becomes the member's attendance in words
//   [data-live=NAME]      a panel's text or attributes (see render below)
//   [data-live-value=…]   a hidden input's value (sitting-id, division-id)
//   [data-show-when=…]    shown when every condition holds (see condition below;
//                         the server renders the same with widgets::condition)
// On a member's console (<body data-member=ID>) it also keeps the vote buttons'
// state and "your ballot" current. EventSource reconnects by itself, and the
// server resumes from Last-Event-ID.
(function () {
  'use strict';

  var body = document.body;
  var me = body.dataset.member || null;
  var WORDS = {
    absent: 'absent',
    present: 'present',
    excused: 'excused',
    boycotting: 'boycotting',
    pending: 'present, not yet voted',
    yes: 'voted yes',
    no: 'voted no',
    abstain: 'abstained',
    voted: 'voted'
  };
  // One letter per seat state, as the server's SeatState::letter writes them.
  var LETTERS = { a: 'absent', p: 'present', e: 'excused', b: 'boycotting', w: 'pending',
    y: 'yes', n: 'no', x: 'abstain', v: 'voted' };
  var BALLOTS = { yes: 'Yes', no: 'No', abstain: 'Abstain', voted: 'Voted', pending: 'Not yet voted' };
  var PRESENT = { present: true, pending: true, yes: true, no: true, abstain: true, voted: true };
  var VOTED = { yes: true, no: true, abstain: true, voted: true };
  var METHODS = { recorded: 'recorded division', secret: 'secret ballot', show_of_hands: 'show of hands' };

  var seatElements = {};
  var stateTexts = {};
  var presenceTexts = {};
  var candidateNames = {};
  var current = { sequence: -1, sitting: null, division: null, seats: {} };
  var initialSitting = null;

  function index() {
    document.querySelectorAll('[data-member]').forEach(function (element) {
      if (element === body) { return; }
      var id = element.dataset.member;
      (seatElements[id] = seatElements[id] || []).push(element);
    });
    document.querySelectorAll('[data-state-of]').forEach(function (element) {
      var id = element.dataset.stateOf;
      (stateTexts[id] = stateTexts[id] || []).push(element);
    });
    document.querySelectorAll('[data-presence-of]').forEach(function (element) {
      var id = element.dataset.presenceOf;
      (presenceTexts[id] = presenceTexts[id] || []).push(element);
    });
    document.querySelectorAll('[data-candidate][data-name]').forEach(function (element) {
      candidateNames[element.dataset.candidate] = element.dataset.name;
    });
    var sittingId = document.querySelector('[data-live="sitting-id"]');
    initialSitting = sittingId ? sittingId.textContent : null;
  }

  function each(name, action) {
    document.querySelectorAll('[data-live="' + name + '"]').forEach(action);
  }

  function setText(name, text) {
    each(name, function (element) {
      if (element.textContent !== text) { element.textContent = text; }
    });
  }

  function setValue(name, value) {
    document.querySelectorAll('[data-live-value="' + name + '"]').forEach(function (element) {
      element.value = value;
    });
  }

  function mySeat() {
    return (me && current.seats[me]) || 'absent';
  }

  // The same words as the server's widgets::condition.
  function condition(word) {
    if (word.charAt(0) === '!') { return !condition(word.slice(1)); }
    var sitting = current.sitting;
    var division = current.division;
    switch (word) {
      case 'sitting': return !!sitting;
      case 'sitting-convened': return !!sitting && sitting.status === 'convened';
      case 'sitting-open': return !!sitting && sitting.status === 'open';
      case 'sitting-suspended': return !!sitting && sitting.status === 'suspended';
      case 'sitting-closed': return !!sitting && sitting.status === 'closed';
      case 'sitting-live': return !!sitting && (sitting.status === 'open' || sitting.status === 'suspended');
      case 'boycotts': return !!sitting && sitting.boycotts.length > 0;
      case 'division': return !!division;
      case 'division-open': return !!division && division.open;
      case 'division-closed': return !!division && !division.open;
      case 'motion': return !!division && division.motion !== null;
      case 'election': return !!division && division.motion === null;
      case 'recorded':
      case 'secret':
      case 'show_of_hands': return !!division && division.method === word;
      case 'changes-allowed': return !!division && division.ballot_changes_allowed;
      case 'me-present': return !!me && PRESENT[mySeat()] === true;
      case 'me-voted': return !!me && VOTED[mySeat()] === true;
      default: return false;
    }
  }

  function paintSeat(id, state) {
    (seatElements[id] || []).forEach(function (element) {
      if (element.getAttribute('data-state') !== state) { element.setAttribute('data-state', state); }
    });
    (stateTexts[id] || []).forEach(function (element) {
      element.textContent = WORDS[state] || state;
    });
    (presenceTexts[id] || []).forEach(function (element) {
      element.textContent = PRESENT[state] ? 'present' : (WORDS[state] || state);
    });
  }

  function quorumVerdict(quorum) {
    if (quorum.met) {
      var spare = quorum.counted - quorum.required;
      return spare > 0 ? 'quorum met, ' + spare + ' to spare' : 'quorum met exactly';
    }
    return 'quorum not met, ' + Math.max(quorum.required - quorum.counted, 0) + ' short';
  }

  function renderSitting() {
    var sitting = current.sitting;
    setText('sitting-title', sitting ? sitting.title : 'No sitting yet');
    setText('sitting-id', sitting ? sitting.id : '');
    setText('sitting-kind', sitting ? sitting.kind : '');
    setText('sitting-status', sitting ? sitting.status : 'none');
    each('sitting-status', function (element) { element.dataset.status = sitting ? sitting.status : 'none'; });
    setText('present', sitting ? String(sitting.present) : '0');
    setValue('sitting-id', sitting ? sitting.id : '');

    var quorum = sitting && sitting.quorum;
    each('quorum', function (element) {
      element.hidden = !quorum;
      element.dataset.met = quorum ? String(quorum.met) : 'false';
    });
    if (quorum) {
      var seats = Math.max(sitting.seats, 1);
      each('gauge', function (svg) { svg.setAttribute('viewBox', '0 0 ' + seats + ' 10'); });
      document.querySelectorAll('.gauge-track').forEach(function (rect) { rect.setAttribute('width', seats); });
      each('gauge-fill', function (rect) { rect.setAttribute('width', Math.min(quorum.counted, seats)); });
      each('gauge-mark', function (line) {
        line.setAttribute('x1', quorum.required);
        line.setAttribute('x2', quorum.required);
      });
      setText('quorum-counted', String(quorum.counted));
      setText('quorum-required', String(quorum.required));
      setText('quorum-verdict', quorumVerdict(quorum));
    }

    var boycotts = sitting ? sitting.boycotts : [];
    each('boycotts', function (list) {
      var shown = Array.prototype.map.call(list.children, function (item) { return item.textContent; });
      if (shown.join('\n') === boycotts.join('\n')) { return; }
      list.textContent = '';
      boycotts.forEach(function (bloc) {
        var item = document.createElement('li');
        var name = document.createElement('bdi');
        name.dir = 'auto';
        name.textContent = bloc;
        item.appendChild(name);
        list.appendChild(item);
      });
    });
    each('no-boycotts', function (element) { element.hidden = boycotts.length > 0; });
  }

  function candidateName(id) {
    return candidateNames[id] || id;
  }

  function learnCandidates(division) {
    if (!division || division.motion !== null) { return; }
    var unknown = Object.keys(division.tally.candidates).some(function (id) { return !candidateNames[id]; });
    if (!unknown || !window.fetch) { return; }
    fetch('/api/divisions/' + encodeURIComponent(division.id), { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        var candidates = data && data.question && data.question.candidates;
        if (!candidates) { return; }
        candidates.forEach(function (candidate) { candidateNames[candidate.id] = candidate.name; });
        renderDivision();
        renderMember(true);
      }, function () { /* the ids stand in for the names */ });
  }

  function renderDivision() {
    var division = current.division;
    each('division', function (element) {
      element.dataset.divisionId = division ? division.id : '';
    });
    setText('division-title', division ? division.title : '');
    setText('division-method', division ? (METHODS[division.method] || division.method) : '');
    var status = division ? (division.open ? 'open' : 'closed') : '';
    setText('division-status', status);
    each('division-status', function (element) { element.dataset.status = status; });
    each('division-timer', function (element) {
      element.dataset.closesAt = division && division.open && division.closes_at ? division.closes_at : '';
    });
    setValue('division-id', division ? division.id : '');
    each('chart', function (figure) {
      figure.dataset.division = division ? (division.open ? 'open' : 'closed') : 'none';
    });
    var tally = division ? division.tally : { yes: 0, no: 0, abstain: 0, candidates: {} };
    setText('tally-yes', String(tally.yes));
    setText('tally-no', String(tally.no));
    setText('tally-abstain', String(tally.abstain));
    setText('tally-taking-part', String(division ? division.taking_part : 0));
    var pending = 0;
    Object.keys(current.seats).forEach(function (id) {
      if (current.seats[id] === 'pending') { pending += 1; }
    });
    setText('tally-pending', String(pending));
    each('tally-candidates', function (list) {
      list.textContent = '';
      Object.keys(tally.candidates || {}).forEach(function (id) {
        var item = document.createElement('li');
        item.dataset.candidate = id;
        var name = document.createElement('bdi');
        name.dir = 'auto';
        name.textContent = candidateName(id);
        var votes = document.createElement('strong');
        votes.textContent = String(tally.candidates[id]);
        item.appendChild(name);
        item.appendChild(document.createTextNode(' '));
        item.appendChild(votes);
        list.appendChild(item);
      });
    });
    var outcome = division && division.outcome;
    setText('outcome-verdict', outcome ? outcome.verdict : '');
    each('outcome-verdict', function (element) { element.dataset.verdict = outcome ? outcome.verdict : ''; });
    setText('outcome-explanation', outcome ? outcome.explanation : '');
    learnCandidates(division);
  }

  function renderLegend() {
    document.querySelectorAll('.legend.blocs[data-chart]').forEach(function (legend) {
      var chart = document.getElementById(legend.dataset.chart);
      if (!chart) { return; }
      legend.querySelectorAll('[data-group]').forEach(function (item) {
        var present = 0;
        chart.querySelectorAll('.seat.group-' + item.dataset.group).forEach(function (seat) {
          if (PRESENT[seat.getAttribute('data-state')]) { present += 1; }
        });
        var count = item.querySelector('[data-live="group-present"]');
        if (count) { count.textContent = String(present); }
      });
    });
  }

  function renderRoll() {
    document.querySelectorAll('.roll-bloc').forEach(function (bloc) {
      var present = 0;
      bloc.querySelectorAll('[data-member]').forEach(function (row) {
        if (PRESENT[row.getAttribute('data-state')]) { present += 1; }
      });
      var count = bloc.querySelector('[data-live="roll-present"]');
      if (count) { count.textContent = String(present); }
    });
  }

  function ballotNote(seat) {
    var division = current.division;
    if (!division || !division.open) { return ['No division is open.', false]; }
    var voted = VOTED[seat] === true;
    if (voted && !division.ballot_changes_allowed) {
      return ['Your ballot is recorded. The standing orders do not allow it to be changed.', true];
    }
    if (voted) { return ['Your ballot is recorded. You may change it until the division closes.', false]; }
    if (division.method === 'show_of_hands') {
      return ['This vote is by show of hands: raise your hand; the clerk enters the count.', false];
    }
    if (division.method === 'secret') { return ['Cast your secret ballot, then record that you took part.', false]; }
    if (!PRESENT[seat]) { return ['Check in to vote.', false]; }
    return ['Choose your ballot.', false];
  }

  var shownCandidatesFor = null;

  function renderCandidateButtons(division, force) {
    var container = document.querySelector('[data-live="candidate-buttons"]');
    if (!container || !division || division.motion !== null) { return; }
    if (!force && container.dataset.divisionId === division.id) { return; }
    container.dataset.divisionId = division.id;
    container.textContent = '';
    Object.keys(division.tally.candidates).forEach(function (id) {
      var button = document.createElement('button');
      button.type = 'submit';
      button.name = 'choice';
      button.value = JSON.stringify({ candidate: id });
      button.dataset.type = 'json';
      button.dataset.vote = 'candidate';
      button.dataset.testid = 'vote-candidate';
      button.className = 'vote vote-candidate';
      var name = document.createElement('bdi');
      name.dir = 'auto';
      name.textContent = candidateName(id);
      button.appendChild(name);
      container.appendChild(button);
    });
  }

  function renderMember(force) {
    if (!me) { return; }
    var seat = mySeat();
    body.dataset.state = seat;
    var division = current.division;
    if (shownCandidatesFor !== (division && division.id) || force) {
      renderCandidateButtons(division, force);
      shownCandidatesFor = division && division.id;
    }
    var note = ballotNote(seat);
    setText('ballot-note', note[0]);
    each('ballot-note', function (element) { element.dataset.locked = String(note[1]); });
    var open = !!division && division.open;
    document.querySelectorAll('button[data-vote]').forEach(function (button) {
      var choice = button.dataset.vote;
      button.disabled = !open || note[1] || (choice !== 'candidate' && choice === seat);
      button.setAttribute('aria-pressed', String(choice === seat));
    });
    each('my-ballot', function (element) {
      var words = BALLOTS[seat] || (division ? 'Not voting' : '—');
      // Keep "Voted for …" (known when the page was drawn) while it is still true.
      if (seat === 'voted' && element.textContent.indexOf('Voted') === 0) { return; }
      element.textContent = words;
    });
  }

  function renderVisibility() {
    document.querySelectorAll('[data-show-when]').forEach(function (element) {
      var shown = element.dataset.showWhen.split(/\s+/).filter(Boolean).every(condition);
      if (element.hidden === shown) { element.hidden = !shown; }
    });
  }

  function apply(message, whole) {
    if (!message) { return; }
    if (!whole && typeof message.sequence === 'number' && message.sequence <= current.sequence) { return; }
    if (whole) { current.seats = {}; }
    var seats = message.seats || {};
    Object.keys(seats).forEach(function (id) {
      current.seats[id] = seats[id];
      paintSeat(id, seats[id]);
    });
    if (typeof message.seat_letters === 'string') {
      // Every seat, one letter each, in the order of the member ids sorted.
      var order = Object.keys(current.seats).sort();
      if (order.length !== message.seat_letters.length) { resync(); return; }
      for (var i = 0; i < order.length; i += 1) {
        var state = LETTERS[message.seat_letters.charAt(i)] || 'absent';
        if (current.seats[order[i]] !== state) {
          current.seats[order[i]] = state;
          paintSeat(order[i], state);
        }
      }
    }
    current.sequence = message.sequence;
    current.sitting = message.sitting || null;
    current.division = message.division || null;
    // The chair's console is drawn for one sitting; when another comes into focus, redraw it.
    if (body.dataset.page === 'officer' && initialSitting !== null &&
        (current.sitting ? current.sitting.id : '') !== initialSitting) {
      window.location.reload();
      return;
    }
    renderSitting();
    renderDivision();
    renderLegend();
    renderRoll();
    renderMember(false);
    renderVisibility();
    document.dispatchEvent(new CustomEvent('hemicycle:live', { detail: current }));
  }

  function tick() {
    document.querySelectorAll('[data-closes-at]').forEach(function (element) {
      var closesAt = element.dataset.closesAt;
      if (!closesAt) {
        if (element.textContent) { element.textContent = ''; }
        return;
      }
      var left = Math.round((Date.parse(closesAt) - Date.now()) / 1000);
      var text;
      if (isNaN(left)) {
        text = '';
      } else if (left <= 0) {
        text = 'time is up';
      } else {
        var seconds = left % 60;
        text = Math.floor(left / 60) + ':' + (seconds < 10 ? '0' : '') + seconds + ' left';
      }
      if (element.textContent !== text) { element.textContent = text; }
    });
  }

  function connection(status, text) {
    each('connection', function (element) {
      element.dataset.status = status;
      element.textContent = text;
    });
  }

  function resync() {
    fetch('/api/live/snapshot', { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (snapshot) { apply(snapshot, true); }, function () { /* the stream will try again */ });
  }

  function start() {
    index();
    tick();
    setInterval(tick, 1000);
    document.addEventListener('hemicycle:sent', function () { renderMember(false); });
    if (!window.EventSource) {
      connection('unsupported', 'This browser cannot follow the sitting live; reload the page to see changes.');
      return;
    }
    var source = new EventSource('/api/live');
    source.addEventListener('open', function () { connection('live', 'Live'); });
    source.addEventListener('error', function () {
      connection('reconnecting', source.readyState === EventSource.CLOSED ? 'Disconnected; reload the page.' : 'Reconnecting…');
    });
    source.addEventListener('snapshot', function (event) { apply(JSON.parse(event.data), true); });
    source.addEventListener('update', function (event) { apply(JSON.parse(event.data), false); });
    source.addEventListener('resync', resync);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
