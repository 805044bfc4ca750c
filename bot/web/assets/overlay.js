// The overlay: the question on stage and the next session, updated from the
// event stream the moment the bot changes.
"use strict";
(() => {
  let ov = null;
  function render() {
    if (!ov) return;
    const plate = document.getElementById("question");
    const q = ov.on_stage;
    if (q) {
      const key = q.id + ":" + q.text;
      if (plate.dataset.key !== key) { // a new question: replay the entrance
        plate.dataset.key = key;
        plate.hidden = true;
        void plate.offsetWidth;
      }
      WB.text("qmeta", "Q" + q.id + " · ▲ " + q.votes + (q.votes === 1 ? " vote" : " votes"));
      WB.text("qtext", q.text);
      document.getElementById("qasker").replaceChildren(
        document.createTextNode("— " + q.asker), WB.el("span", "sess", " · " + q.session));
      plate.hidden = false;
    } else {
      plate.hidden = true;
      plate.dataset.key = "";
    }
    tick();
  }
  function tick() {
    if (!ov) return;
    const t = WB.now();
    const { next } = WB.liveAndNext(ov, t);
    const box = document.getElementById("next");
    if (!next) { box.hidden = true; return; }
    box.hidden = false;
    WB.text("ntime", WB.clock(Date.parse(next.start)));
    WB.text("ntitle", next.title);
    WB.text("nin", WB.countdown(Date.parse(next.start) - t));
  }
  WB.follow((o) => { ov = o; render(); });
  setInterval(tick, 250);
})();
