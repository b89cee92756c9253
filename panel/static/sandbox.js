// "Try your bot": draws two emulated Telegram chats and turns clicks into CSRF-checked POSTs.
// The server holds the truth (the emulator's transcripts); this file only polls and draws.
(function () {
  var root = document.querySelector("[data-sandbox]");
  if (!root) return;
  var csrf = root.getAttribute("data-csrf");
  var errorBox = document.querySelector("[data-error]");
  var panes = {};
  root.querySelectorAll("[data-pane]").forEach(function (el) {
    panes[el.getAttribute("data-pane")] = { el: el, last: "", busy: false };
  });
  var STYLE = { bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code", pre: "pre" };

  // Telegram entities count UTF-16 units, as JavaScript strings do.
  function formatted(text, entities) {
    var frag = document.createDocumentFragment();
    var marks = [];
    for (var i = 0; i < text.length; i++) marks.push([]);
    (entities || []).forEach(function (e) {
      if (!STYLE[e.type] && e.type !== "text_link") return;
      for (var j = e.offset; j < e.offset + e.length && j < text.length; j++) marks[j].push(e);
    });
    var start = 0;
    function flush(end) {
      if (end <= start) return;
      var node = document.createTextNode(text.slice(start, end));
      marks[start].forEach(function (e) {
        var wrap = e.type === "text_link" ? document.createElement("a") : document.createElement(STYLE[e.type]);
        if (e.type === "text_link") { wrap.href = e.url; wrap.target = "_blank"; wrap.rel = "noopener"; }
        wrap.appendChild(node);
        node = wrap;
      });
      frag.appendChild(node);
    }
    for (var k = 1; k <= text.length; k++) {
      if (k === text.length || marks[k].length !== marks[start].length ||
          marks[k].some(function (e, n) { return e !== marks[start][n]; })) {
        flush(k);
        start = k;
      }
    }
    return frag;
  }

  function bubble(m) {
    var li = document.createElement("li");
    li.className = "tg-msg " + (m.from === "bot" ? "in" : "out");
    li.setAttribute("data-message-id", m.id);
    var body = document.createElement("div");
    body.className = "tg-bubble";
    if (m.contact) {
      body.textContent = "📱 " + root.getAttribute("data-contact") + " " + m.contact;
    } else {
      body.appendChild(formatted(m.text, m.entities));
    }
    if (m.edited) {
      var small = document.createElement("small");
      small.className = "tg-edited";
      small.textContent = root.getAttribute("data-edited");
      body.appendChild(small);
    }
    li.appendChild(body);
    if (m.buttons.length) {
      var kb = document.createElement("div");
      kb.className = "tg-inline";
      m.buttons.forEach(function (row) {
        var r = document.createElement("div");
        r.className = "tg-row";
        row.forEach(function (b) {
          var el;
          if (b.url) {
            el = document.createElement("a");
            el.href = b.url; el.target = "_blank"; el.rel = "noopener";
          } else {
            el = document.createElement("button");
            el.type = "button";
            el.setAttribute("data-press", b.data || "");
            el.setAttribute("data-message", m.id);
          }
          el.className = "tg-button";
          el.textContent = b.text;
          r.appendChild(el);
        });
        kb.appendChild(r);
      });
      li.appendChild(kb);
    }
    return li;
  }

  function draw(name, chat) {
    var pane = panes[name];
    var key = JSON.stringify(chat);
    if (key === pane.last) return;
    pane.last = key;
    var log = pane.el.querySelector("[data-log]");
    var nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    var list = document.createElement("ul");
    chat.messages.forEach(function (m) { list.appendChild(bubble(m)); });
    log.replaceChildren(list);
    if (nearBottom || chat.messages.length) log.scrollTop = log.scrollHeight;
    var start = pane.el.querySelector("[data-start]");
    if (start) start.hidden = chat.messages.length > 0;
    var keyboard = pane.el.querySelector("[data-keyboard]");
    keyboard.replaceChildren();
    chat.keyboard.forEach(function (row) {
      var r = document.createElement("div");
      r.className = "tg-row";
      row.forEach(function (b) {
        var el = document.createElement("button");
        el.type = "button";
        el.className = "tg-key";
        el.setAttribute("data-reply", b.text);
        el.textContent = b.text;
        r.appendChild(el);
      });
      keyboard.appendChild(r);
    });
    var toast = pane.el.querySelector("[data-toast]");
    toast.textContent = chat.toast;
    toast.hidden = !chat.toast;
  }

  function show(state) {
    errorBox.hidden = !state.error;
    errorBox.textContent = state.error || "";
    draw("client", state.client);
    draw("provider", state.provider);
  }

  function answer(response) {
    var type = response.headers.get("content-type") || "";
    if (type.indexOf("application/json") !== 0) {
      window.location.reload();  // logged out or CSRF refused: the page says why
      return null;
    }
    return response.json();
  }

  function refresh() {
    return fetch("/panel/sandbox/state", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(answer)
      .then(function (state) { if (state) show(state); })
      .catch(function () {});
  }

  function post(name, action, fields) {
    var pane = panes[name];
    if (pane.busy) return Promise.resolve();
    pane.busy = true;
    pane.el.classList.add("busy");
    var body = new FormData();
    body.append("csrf_token", csrf);
    Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
    return fetch("/panel/sandbox/" + name + "/" + action, {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(answer)
      .then(function (state) { if (state) show(state); })
      .catch(function () {})
      .finally(function () { pane.busy = false; pane.el.classList.remove("busy"); });
  }

  Object.keys(panes).forEach(function (name) {
    var el = panes[name].el;
    el.addEventListener("click", function (event) {
      var t = event.target.closest("button");
      if (!t || !el.contains(t)) return;
      if (t.hasAttribute("data-press")) {
        post(name, "press", { message_id: t.getAttribute("data-message"), data: t.getAttribute("data-press") });
      } else if (t.hasAttribute("data-reply")) {
        post(name, "reply", { text: t.getAttribute("data-reply") });
      } else if (t.hasAttribute("data-say")) {
        post(name, "text", { text: t.getAttribute("data-say") });
      } else if (t.getAttribute("data-action") === "start") {
        post(name, "start", {});
      }
    });
    el.querySelector("[data-compose]").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = event.target.elements["text"];
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      post(name, "text", { text: text });
    });
  });

  refresh();
  // Short polling: notifications arrive when the scheduler sends them, not when we click.
  setInterval(function () { if (!document.hidden) refresh(); }, 1500);
})();
