// hemicycle — sends the pages' forms to the JSON API.
//
// A form says where it goes with data- attributes, so this script stays small
// and knows nothing of parliaments:
//   data-command="check_in"      POST /api/commands/check_in
//   data-api="/api/…"            that address; data-method="DELETE" for another method
//   data-body='{"…":…}'          fixed fields, under the form's own
//   data-confirm="…"             ask first
//   data-then="reload" | "done" | "go:/path" | "console" | "show-login" | "demo-status"
// The body is a JSON object of the form's named fields. A name with dots
// ("question.motion") builds nested objects; data-key="…" gives the last key
// literally. An empty field is left out (an absent optional field is none),
// except a list, sent as []. data-type says how to read a field: int, bool
// (checkbox), json, list, sponsors ("bloc:ID, member:ID"), candidates (lines
// "id Name"), agenda (lines "Title [motion-id]"), datetime (a local date and
// time, sent with this browser's offset). data-only-if="field=value" leaves a
// field out unless another field has that value. A hidden input with
// data-id-prefix="div-x-" and data-next="N" is given the value prefix+N (N
// counts up after each success).
// The button pressed may carry its own name and value, and its own
// data-command. Refusals ({"error":{"code","message"}}) are shown in the form's
// [role=alert] box, else in the page's (.page-error), else in a toast.
(function () {
  'use strict';

  var counters = {};

  function send(method, url, body) {
    var init = {
      method: method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' }
    };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        if (text) {
          try { data = JSON.parse(text); } catch (ignored) { data = null; }
        }
        if (!response.ok) {
          var message = data && data.error && data.error.message;
          throw new Error(message || ('The server answered ' + response.status + ' ' + response.statusText + '.'));
        }
        return data;
      });
    }, function () {
      throw new Error('The server cannot be reached. Check the connection and try again.');
    });
  }

  function fail(message) {
    throw new Error(message);
  }

  function localOffset(date) {
    var minutes = -date.getTimezoneOffset();
    var sign = minutes < 0 ? '-' : '+';
    minutes = Math.abs(minutes);
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return sign + pad(Math.floor(minutes / 60)) + ':' + pad(minutes % 60);
  }

  function lines(text) {
    return text.split('\n').map(function (line) { return line.trim(); })
      .filter(function (line) { return line !== ''; });
  }

  function label(element) {
    var owner = element.closest('label');
    return owner ? owner.textContent.trim().split('\n')[0] : element.name;
  }

  var LISTS = { list: true, sponsors: true, candidates: true, agenda: true };

  var readers = {
    int: function (value, element) {
      if (!/^-?\d+$/.test(value)) { fail(label(element) + ': a whole number is expected.'); }
      return parseInt(value, 10);
    },
    json: function (value) { return JSON.parse(value); },
    list: function (value) {
      return value.split(/[,\n]/).map(function (item) { return item.trim(); })
        .filter(function (item) { return item !== ''; });
    },
    sponsors: function (value) {
      return readers.list(value).map(function (item) {
        var match = /^(bloc|member):(.+)$/.exec(item);
        if (!match) { fail('“' + item + '”: write bloc:ID or member:ID.'); }
        var sponsor = {};
        sponsor[match[1]] = match[2].trim();
        return sponsor;
      });
    },
    candidates: function (value) {
      return lines(value).map(function (line) {
        var match = /^(\S+)\s+(.+)$/.exec(line);
        if (!match) { fail('“' + line + '”: write an identifier, a space, then the name.'); }
        return { id: match[1], name: match[2] };
      });
    },
    agenda: function (value) {
      return lines(value).map(function (line) {
        var match = /^(.*?)\s*\[([^\]]+)\]$/.exec(line);
        return match ? { title: match[1], motion: match[2].trim() } : { title: line };
      });
    },
    datetime: function (value, element) {
      var date = new Date(value);
      if (isNaN(date.getTime())) { fail(label(element) + ': a date and time is expected.'); }
      var seconds = value.length === 16 ? ':00' : '';
      return value + seconds + localOffset(date);
    }
  };

  function read(element) {
    var type = element.dataset.type;
    if (element.type === 'checkbox') {
      return type === 'bool' ? element.checked : (element.checked ? element.value : undefined);
    }
    if (element.type === 'radio') {
      return element.checked ? element.value : undefined;
    }
    if (element.dataset.idPrefix !== undefined) {
      var prefix = element.dataset.idPrefix;
      if (counters[prefix] === undefined) {
        counters[prefix] = parseInt(element.dataset.next || '1', 10);
      }
      return prefix + counters[prefix];
    }
    var value = element.value;
    if (value === '' || value === undefined) {
      // An empty list is still a list (the core requires some, e.g. an agenda).
      return LISTS[type] ? [] : undefined;
    }
    return type && readers[type] ? readers[type](value, element) : value;
  }

  function put(body, element, value) {
    var path = element.name.split('.');
    if (element.dataset.key) {
      path.push(element.dataset.key);
    }
    var target = body;
    for (var i = 0; i < path.length - 1; i++) {
      if (typeof target[path[i]] !== 'object' || target[path[i]] === null) {
        target[path[i]] = {};
      }
      target = target[path[i]];
    }
    target[path[path.length - 1]] = value;
  }

  function fieldValue(form, name) {
    var field = form.elements.namedItem(name);
    return field ? field.value : undefined;
  }

  function collect(form, submitter) {
    var body = form.dataset.body ? JSON.parse(form.dataset.body) : {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.disabled || element.type === 'submit' || element.type === 'button') {
        return;
      }
      var onlyIf = element.dataset.onlyIf;
      if (onlyIf) {
        var parts = onlyIf.split('=');
        if (fieldValue(form, parts[0]) !== parts[1]) { return; }
      }
      var value = read(element);
      if (value !== undefined) { put(body, element, value); }
    });
    if (submitter && submitter.name) {
      put(body, submitter, read(submitter));
    }
    return body;
  }

  function errorBox(form) {
    return form.querySelector('[role=alert]') ||
      document.querySelector('main .page-error[role=alert]') ||
      document.getElementById('errors');
  }

  var toastTimer = null;

  function showError(form, message) {
    var box = errorBox(form);
    if (!box) { window.alert(message); return; }
    box.textContent = message;
    box.hidden = false;
    if (box.id === 'errors') {
      clearTimeout(toastTimer);
      toastTimer = setTimeout(function () { box.hidden = true; }, 12000);
    }
  }

  function clearError(form) {
    var box = errorBox(form);
    if (box) { box.hidden = true; box.textContent = ''; }
  }

  function consoleFor(account) {
    var role = account && (account.role || (account.account && account.account.role));
    if (role === 'clerk') { return '/clerk'; }
    if (role === 'presiding_officer') { return '/officer'; }
    if (role === 'member' || (role && typeof role === 'object' && role.member)) { return '/member'; }
    return null;
  }

  function showLogin(form, data) {
    var output = document.querySelector('[data-login-output]');
    if (!output) { return; }
    var values = {
      member: data.member || '',
      login_url: data.login_url || '',
      login_code: data.login_code || '',
      pin: data.pin || ''
    };
    output.querySelectorAll('[data-login]').forEach(function (element) {
      element.textContent = values[element.dataset.login] || '';
    });
    output.hidden = false;
    output.scrollIntoView({ block: 'nearest' });
  }

  function refreshDemoStatus() {
    var status = document.querySelector('[data-demo-status]');
    if (!status) { return; }
    send('GET', '/api/demo/status').then(function (data) {
      if (!data) { return; }
      if (data.next) {
        status.textContent = 'Next: step ' + data.next_step + ' of ' + data.total_steps + ' — ' + data.next +
          (data.replaying ? ' (replaying…)' : '');
      } else {
        status.textContent = 'The sitting has been replayed to its end (' + data.total_steps + ' steps).';
      }
    }, function (error) {
      status.textContent = error.message;
    });
  }

  function then(form, data) {
    var next = form.dataset.then || 'done';
    if (next === 'reload') {
      window.location.reload();
    } else if (next.indexOf('go:') === 0) {
      window.location.assign(next.slice(3));
    } else if (next === 'console') {
      var target = consoleFor(data);
      if (target) { window.location.assign(target); return; }
      send('GET', '/api/auth/me').then(function (me) {
        window.location.assign(consoleFor(me) || '/gallery');
      }, function () { window.location.assign('/gallery'); });
    } else if (next === 'show-login') {
      showLogin(form, data || {});
    } else if (next === 'demo-status') {
      refreshDemoStatus();
    }
  }

  function submit(event) {
    var form = event.target;
    var command = form.dataset.command;
    var api = form.dataset.api;
    if (!command && !api) { return; }
    event.preventDefault();
    if (form.classList.contains('busy')) { return; }
    var submitter = event.submitter || null;
    if (submitter && submitter.dataset.command) { command = submitter.dataset.command; }
    var question = form.dataset.confirm;
    if (question && !window.confirm(question)) { return; }
    var body;
    try {
      body = collect(form, submitter);
    } catch (error) {
      showError(form, error.message);
      return;
    }
    var url = command ? '/api/commands/' + encodeURIComponent(command) : api;
    var method = command ? 'POST' : (form.dataset.method || 'POST');
    clearError(form);
    form.classList.add('busy');
    form.setAttribute('aria-busy', 'true');
    var nextIdentifiers = function () {
      Array.prototype.forEach.call(form.querySelectorAll('[data-id-prefix]'), function (element) {
        counters[element.dataset.idPrefix] += 1;
      });
    };
    send(method, url, method === 'GET' || method === 'DELETE' ? undefined : body).then(function (data) {
      nextIdentifiers();
      if (form.dataset.then !== 'reload' && form.dataset.then !== 'console') {
        form.querySelectorAll('input:not([type=hidden]):not([type=radio]):not([type=checkbox]), textarea')
          .forEach(function (element) { if (!element.readOnly) { element.value = element.defaultValue; } });
      }
      then(form, data);
    }, function (error) {
      // Someone else took the new identifier first: the next try takes the next one.
      if (/already exists|was already read/.test(error.message)) { nextIdentifiers(); }
      showError(form, error.message);
    }).then(function () {
      form.classList.remove('busy');
      form.removeAttribute('aria-busy');
      document.dispatchEvent(new CustomEvent('hemicycle:sent', { detail: { form: form } }));
    });
  }

  function start() {
    document.addEventListener('submit', submit);
    // A member's login link is /sign-in#code=…: the fragment never reaches the
    // server. Fill the code in, forget the fragment, and ask for the PIN.
    if (document.body.dataset.page === 'sign-in') {
      var match = /^#code=([^&]+)/.exec(window.location.hash);
      var code = document.getElementById('login-code');
      if (match && code) {
        code.value = decodeURIComponent(match[1]);
        window.history.replaceState(null, '', window.location.pathname + window.location.search);
        var pin = document.getElementById('login-pin');
        if (pin) { pin.focus(); }
      }
    }
    if (document.querySelector('[data-demo-status]')) {
      refreshDemoStatus();
      var pending = null;
      document.addEventListener('hemicycle:live', function () {
        clearTimeout(pending);
        pending = setTimeout(refreshDemoStatus, 300);
      });
    }
  }

  window.hemicycle = window.hemicycle || {};
  window.hemicycle.send = send;

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
