// The dashboard: renders each overview from the event stream, runs the clock
// and the countdowns, and sends the moderators' actions with the token in the
// Authorization header. The token lives in this tab's sessionStorage only.
"use strict";
(() => {
  const KEY = "workshopbot-dashboard-token";
  const STATUSES = ["sent", "late", "skipped", "failed", "unknown", "pending", "planned"];
  let ov = null;
  let token = sessionStorage.getItem(KEY) || "";
  let shown = "";

  function toast(msg, err) {
    const t = document.getElementById("toast");
    t.textContent = msg;
    t.className = err ? "toast err" : "toast";
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
  }

  function setMode() {
    const mode = document.getElementById("mode");
    mode.textContent = token ? "moderator" : "read-only";
    mode.className = "pill " + (token ? "pill-mod" : "pill-ro");
    document.getElementById("token").hidden = !!token;
    document.querySelector("#auth button[type=submit]").hidden = !!token;
    document.getElementById("lock").hidden = !token;
    for (const b of document.querySelectorAll(".act")) b.disabled = !token;
  }

  async function post(path) {
    return fetch(path, { method: "POST", headers: { "Authorization": "Bearer " + token }, cache: "no-store" });
  }

  document.getElementById("auth").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = document.getElementById("token");
    token = input.value.trim();
    input.value = "";
    const r = await post("/api/token");
    if (r.ok) {
      sessionStorage.setItem(KEY, token);
      toast("Unlocked: the buttons act as a moderator.");
    } else {
      token = "";
      toast("That token is not right. The bot prints it when it starts.", true);
    }
    setMode();
  });
  document.getElementById("lock").addEventListener("click", () => {
    token = "";
    sessionStorage.removeItem(KEY);
    setMode();
  });

  document.addEventListener("click", async (e) => {
    const b = e.target.closest(".act");
    if (!b || b.disabled) return;
    const path = b.dataset.act === "next" ? "/api/questions/next" : "/api/questions/" + b.dataset.id + "/" + b.dataset.act;
    b.disabled = true;
    try {
      const r = await post(path);
      const body = await r.json().catch(() => ({}));
      if (r.status === 401) {
        token = "";
        sessionStorage.removeItem(KEY);
        toast(body.error || "The token was refused.", true);
      } else if (!r.ok) {
        toast(body.error || "The bot refused: HTTP " + r.status, true);
      } else {
        toast(body.message || "Done.");
      }
    } catch (err) {
      toast("The bot did not answer: " + err, true);
    } finally {
      setMode();
    }
  });

  function renderSession(card, s, t, live) {
    const kids = [WB.el("h2", null, live ? "Now" : "Next")];
    if (!s) {
      kids.push(WB.el("p", "title muted", live ? "Nothing live right now" : "The program is over"));
    } else {
      const start = Date.parse(s.start), end = Date.parse(s.end);
      kids.push(WB.el("p", "kind", s.kind));
      kids.push(WB.el("p", "title", s.title));
      kids.push(WB.el("p", "muted", (s.speakers || []).join(", ")));
      const when = WB.el("p", "when", live ? WB.clock(start) + "–" + WB.clock(end) + " · ends " : WB.clock(start) + " · starts ");
      const cd = WB.el("span", "countdown", WB.countdown((live ? end : start) - t));
      cd.dataset.at = String(live ? end : start);
      when.appendChild(cd);
      kids.push(when);
    }
    card.replaceChildren(...kids);
  }

  function renderQuestions() {
    const list = document.getElementById("questions");
    const items = [];
    for (const q of ov.questions) {
      const li = WB.el("li", "q" + (q.status === "onstage" ? " onstage" : ""));
      li.dataset.id = String(q.id);
      const votes = WB.el("div", "votes");
      votes.append(WB.el("span", "n", q.votes), WB.el("span", "l", q.votes === 1 ? "vote" : "votes"));
      const body = WB.el("div", "body");
      if (q.status === "onstage") body.append(WB.el("p", "stage", "On stage"));
      body.append(WB.el("p", "text", q.text), WB.el("p", "meta", "Q" + q.id + " · " + q.asker + " · " + q.session));
      const actions = WB.el("div", "actions");
      const ok = WB.el("button", "btn btn-ok act", "Answered");
      ok.dataset.act = "answered"; ok.dataset.id = String(q.id);
      const no = WB.el("button", "btn btn-danger act", "Dismiss");
      no.dataset.act = "dismiss"; no.dataset.id = String(q.id);
      actions.append(ok, no);
      li.append(votes, body, actions);
      items.push(li);
    }
    if (items.length === 0) {
      items.push(WB.el("li", "empty muted", ov.questions_on ? "No open questions yet. Attendees ask with /ask." : "This bot does not collect questions."));
    }
    list.replaceChildren(...items);
    const waiting = (ov.question_counts || {}).waiting || 0;
    WB.text("qcount", ov.questions.length + " in the queue" + (waiting ? " · " + waiting + " waiting for approval" : ""));
  }

  function renderReminders() {
    const rows = [];
    let firstOpen = null;
    for (const r of ov.reminders) {
      const tr = WB.el("tr", "st-" + r.status);
      const s = WB.el("td", "s", r.title);
      s.append(WB.el("span", "muted", " · " + lead(r.lead)));
      const chip = WB.el("span", "chip st-" + r.status, r.status);
      if (r.error) chip.title = r.error;
      const st = WB.el("td"); st.append(chip);
      const ln = WB.el("td", "lnk");
      if (r.link) {
        const a = WB.el("a", null, "open ↗");
        a.href = r.link; a.target = "_blank"; a.rel = "noopener noreferrer";
        ln.append(a);
      }
      tr.append(WB.el("td", "t", WB.clock(Date.parse(r.due))), s, st, ln);
      if (!firstOpen && (r.status === "planned" || r.status === "pending")) firstOpen = tr;
      rows.push(tr);
    }
    document.getElementById("reminders").replaceChildren(...rows);
    const counts = [];
    for (const st of STATUSES) {
      const n = (ov.reminder_counts || {})[st];
      if (n) counts.push(WB.el("span", "chip st-" + st, n + " " + st));
    }
    document.getElementById("rcounts").replaceChildren(...counts);
    // Keep the last few decided reminders and the next ones in view.
    const box = document.getElementById("rscroll");
    const i = firstOpen ? rows.indexOf(firstOpen) : rows.length;
    box.scrollTop = i > 3 ? rows[i - 3].offsetTop : 0;
  }

  function lead(s) {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
    if (!m) return s;
    const parts = [];
    if (+m[1]) parts.push(m[1] + " h");
    if (+m[2]) parts.push(m[2] + " min");
    if (+m[3]) parts.push(m[3] + " s");
    return parts.length ? parts.join(" ") + " before" : "at start";
  }

  // The green room: who of the next sessions' speakers and chairs is in.
  function renderGreen() {
    const g = ov.green_room || [];
    document.getElementById("green-card").hidden = g.length === 0;
    const out = [];
    for (const e of g) {
      out.push(WB.el("p", "gs", WB.clock(Date.parse(e.start)) + " " + e.title));
      const p = WB.el("p", "gp");
      for (const who of e.people) {
        const chip = WB.el("span", "chip gr-" + who.state, "@" + who.name + (who.chair ? " (chair)" : "") + " · " + who.state);
        chip.title = who.state;
        p.append(chip, " ");
      }
      out.push(p);
    }
    document.getElementById("green").replaceChildren(...out);
  }

  function renderPosters() {
    const p = ov.posters;
    WB.text("posters", p.enabled ? p.placed + " / " + p.posters + " placed" : "not synced on this transport");
    WB.text("posters-note", p.enabled
      ? (p.placed === p.posters ? "Every poster has its channel." : "The sync places the rest; /workshop sync forces one.")
      : p.posters + " posters in posters.csv; channels are made on Discord.");
  }

  function tick() {
    if (!ov) return;
    const t = WB.now();
    WB.text("clock", WB.clock(t, true));
    const { live, next } = WB.liveAndNext(ov, t);
    const key = (live ? live.id : "-") + "|" + (next ? next.id : "-");
    if (key !== shown) {
      shown = key;
      renderSession(document.getElementById("now"), live, t, true);
      renderSession(document.getElementById("next"), next, t, false);
    }
    for (const cd of document.querySelectorAll(".countdown[data-at]")) {
      const v = WB.countdown(Number(cd.dataset.at) - t);
      if (cd.textContent !== v) cd.textContent = v;
    }
  }

  function setConn(ok) {
    document.getElementById("conn").className = ok ? "dot" : "dot off";
    WB.text("connt", ok ? "live" : "reconnecting…");
  }

  WB.follow((o) => {
    ov = o;
    shown = "";
    renderQuestions();
    renderReminders();
    renderPosters();
    renderGreen();
    setMode();
    tick();
  }, setConn);
  setMode();
  setInterval(tick, 200);
})();
