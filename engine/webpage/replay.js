// Switches the page between the replay's precomputed steps. Every text and every bar
// geometry comes from the embedded JSON (recorded by PyTorch's autograd); nothing here
// computes a gradient. Text is written with textContent only.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("replay-data").textContent);
  var steps = data.steps, tracks = data.tracks, changes = data.changes;
  var last = steps.length - 1, step = -1, timer = null, edgeNow = null, speed = 1, frame = null;
  function $(id) { return document.getElementById(id); }

  function valueAt(item, k) {  // the item's last value at or before step k
    var h = tracks[item], lo = 0, hi = h.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (h[mid][0] <= k) lo = mid; else hi = mid - 1; }
    return h[lo][1];
  }
  function setTag(id, text) {
    var g = $(id); if (!g) return;
    g.classList.toggle("hidden", !text);
    if (!text) return;
    var t = g.querySelector("text"), r = g.querySelector("rect");
    t.textContent = text;
    var box = t.getBBox();
    r.setAttribute("x", box.x - 6); r.setAttribute("width", box.width + 12);
  }
  function show(item, v) {
    var kind = item.slice(0, item.indexOf(":")), key = item.slice(item.indexOf(":") + 1), el;
    if (kind === "card") {
      el = $("g-" + key);
      el.querySelector("tspan").textContent = v[0];
      el.querySelector("title").textContent = v[2];
      el.setAttribute("class", "line grad" + (v[1] === "muted" ? " muted" : ""));
    } else if (kind === "halo") {
      el = $("n-" + key);
      el.classList.toggle("lit", v === "lit"); el.classList.toggle("current", v === "current");
    } else if (kind === "sum") { setTag("t-sum-" + key, v);
    } else if (kind === "edge") { setTag("t-edge-" + key, v);
    } else if (kind === "seed") { setTag("t-seed-" + key, v);
    } else if (kind === "bar") {
      el = $("b-" + key);
      el.setAttribute("y", v.y); el.setAttribute("height", v.h); el.setAttribute("class", "bar " + v.c);
      el.setAttribute("data-value", v.v === null ? "None" : v.v);
      var label = $("v-" + key);
      if (label) { label.textContent = v.t; label.setAttribute("y", v.ty); label.setAttribute("class", "barvalue " + v.c); }
    }
  }
  function ensureVisible(el) {  // the canvas scrolls to what the step is about, as the app does
    if (!el) return;
    var canvas = document.querySelector(".canvas"), r = el.getBoundingClientRect(),
        c = canvas.getBoundingClientRect(), m = 30;
    if (r.right > c.right - m) canvas.scrollLeft += Math.min(r.right - c.right + m, r.left - c.left - m);
    else if (r.left < c.left + m) canvas.scrollLeft -= c.left + m - r.left;
    if (r.bottom > c.bottom - m) canvas.scrollTop += Math.min(r.bottom - c.bottom + m, r.top - c.top - m);
    else if (r.top < c.top + m) canvas.scrollTop -= c.top + m - r.top;
  }
  function goTo(k, initial) {
    k = Math.max(0, Math.min(last, k | 0));
    if (k === step && !initial) return;
    var items = {}, i, j;
    if (initial) { for (i in tracks) items[i] = true; }
    else {
      for (i = Math.min(step, k) + 1; i <= Math.max(step, k); i++)
        for (j = 0; j < changes[i].length; j++) items[changes[i][j]] = true;
    }
    for (i in items) show(i, valueAt(i, k));
    var old = $("s-" + step); if (old) old.classList.remove("now");
    step = k;
    var row = $("s-" + k), list = $("steps");
    row.classList.add("now");
    if (row.offsetTop < list.scrollTop || row.offsetTop + row.offsetHeight > list.scrollTop + list.clientHeight)
      list.scrollTop = row.offsetTop - list.clientHeight / 2;
    if (edgeNow) edgeNow.classList.remove("now");
    edgeNow = steps[k].edge === null ? null : $("p-" + steps[k].edge);
    if (edgeNow) edgeNow.classList.add("now");
    var node = steps[k].node === null ? null : $("n-" + steps[k].node);
    ensureVisible(edgeNow || node);
    if (k === 0 && node) ensureVisible($("t-seed-" + steps[k].node));  // the seed beside it
    $("scrub").value = k;
    $("counter").textContent = "step " + k + " / " + last;
    $("caption").textContent = steps[k].mark + " " + steps[k].text;
    try { history.replaceState(null, "", "#step=" + k); } catch (e) { /* some file:// hosts */ }
  }
  function playing() { return timer !== null; }
  function stopPulse() {
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null; $("pulse").classList.add("hidden");
  }
  function pulse(edge, ms) {  // a dot runs back along the edge, consumer to producer
    var path = $("p-" + edge), dot = $("pulse"), length = path.getTotalLength(), start = null;
    function move(now) {
      if (start === null) start = now;
      var t = Math.min(1, (now - start) / ms), p = path.getPointAtLength(length * (1 - t));
      dot.setAttribute("cx", p.x); dot.setAttribute("cy", p.y);
      dot.classList.remove("hidden");
      frame = t < 1 ? requestAnimationFrame(move) : null;
    }
    frame = requestAnimationFrame(move);
  }
  function pause() {
    if (timer !== null) clearTimeout(timer);
    timer = null; stopPulse(); $("play").textContent = "▶ Play";
  }
  function tick() {
    if (step >= last) { pause(); return; }
    var next = steps[step + 1], ms = next.ms / speed;
    if (next.edge !== null) pulse(next.edge, ms);
    timer = setTimeout(function () {
      stopPulse(); goTo(step + 1);
      if (step >= last) pause(); else tick();
    }, ms);
  }
  function play() {
    if (!last) return;
    if (step >= last) goTo(0);
    $("play").textContent = "‖ Pause"; tick();
  }
  function toggle() { if (playing()) pause(); else play(); }
  function stepTo(k) { pause(); goTo(k); }

  $("play").onclick = toggle;
  $("back").onclick = function () { stepTo(step - 1); };
  $("forward").onclick = function () { stepTo(step + 1); };
  $("restart").onclick = function () { stepTo(0); };
  $("scrub").oninput = function () { stepTo(+this.value); };
  $("speed").onchange = function () { speed = +this.value; };
  $("steps").onclick = function (e) {
    var li = e.target.closest("li[data-step]"); if (li) stepTo(+li.getAttribute("data-step"));
  };
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    // a focused control keeps its own keys: Space presses a button, the slider and the
    // speed list take the arrows (the slider then moves the replay through its input event)
    var tag = e.target.tagName;
    if (e.key === " " && (tag === "BUTTON" || tag === "SELECT")) return;
    if ((tag === "INPUT" || tag === "SELECT") && e.key !== " ") return;
    var keys = { ArrowLeft: function () { stepTo(step - 1); }, ArrowRight: function () { stepTo(step + 1); },
                 " ": toggle, Home: function () { stepTo(0); }, End: function () { stepTo(last); } };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  function fromHash() {
    var m = /step=(\d+)/.exec(location.hash);
    return m ? +m[1] : 0;
  }
  window.addEventListener("hashchange", function () { stepTo(fromHash()); });
  goTo(fromHash(), true);
  document.body.setAttribute("data-ready", "1");
})();
