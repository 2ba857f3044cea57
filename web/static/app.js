/* The guest front end's only script: autocomplete, rooms, rates on the hotel page, local times,
   and following a booking's status. Every page works without it (forms submit normally). */
(function () {
  "use strict";
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Deadlines are sent in UTC; show them in the guest's own time zone.
  function localTimes(root) {
    $all("time.local", root).forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.textContent = when.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
      el.title = el.getAttribute("datetime");
    });
  }

  function autocomplete(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var region = $("#region_id"), hotel = $("#hid");
    var items = [], active = -1, timer = null, seq = 0;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function choose(i) {
      var item = items[i]; if (!item) return;
      input.value = item.label;
      region.value = item.kind === "region" ? item.id : "";
      hotel.value = item.kind === "hotel" ? item.id : "";
      close();
    }
    function highlight(i) {
      $all("li", list).forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0) input.setAttribute("aria-activedescendant", "opt-" + i);
    }
    function show(found) {
      items = found; list.innerHTML = "";
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = "opt-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        li.dataset.kind = item.kind;
        li.textContent = item.label + " — " + item.detail;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
    }
    input.addEventListener("input", function () {
      region.value = ""; hotel.value = "";
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { show([]); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(input.dataset.suggest + "&q=" + encodeURIComponent(q)).then(function (r) { return r.json(); })
          .then(function (doc) { if (mine === seq) show(doc.items || []); }).catch(function () { show([]); });
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  function rooms(button) {
    button.addEventListener("click", function () {
      var all = $all("[data-room]");
      if (all.length >= 9) return;
      var copy = all[all.length - 1].cloneNode(true);
      $("input", copy).value = "";
      $(".room-name", copy).textContent = $(".room-name", copy).textContent.replace(/\d+$/, String(all.length + 1));
      all[all.length - 1].after(copy);
    });
  }

  function hotelRates(form) {
    var box = document.getElementById("rates");
    function load(query) {
      box.setAttribute("aria-busy", "true");
      box.innerHTML = "<p>Loading prices…</p>";
      fetch(form.getAttribute("action") + "?" + query + "&partial=1", { headers: { Accept: "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (text) { box.innerHTML = text; try { localTimes(box); } catch (e) { /* UTC text stays */ } })
        .catch(function () { box.innerHTML = "<p class=\"notice error\" role=\"alert\">We could not load prices. Please try again.</p>"; })
        .then(function () { box.removeAttribute("aria-busy"); });
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var query = new URLSearchParams(new FormData(form)).toString();
      history.replaceState(null, "", location.pathname + "?" + query);
      load(query);
    });
    var params = new URLSearchParams(location.search);
    if (params.get("checkin")) {
      ["checkin", "checkout"].forEach(function (k) { form.elements[k].value = params.get(k) || ""; });
      var first = (params.getAll("rooms")[0] || "2").split("-")[0];
      form.elements.rooms.value = first;
      ["lang", "cur"].forEach(function (k) { if (!params.get(k)) params.set(k, form.elements[k].value); });
      load(params.toString());
    }
  }

  function follow(status) {
    var every = parseInt(status.dataset.pollMs || "1000", 10);
    function tick() {
      fetch(status.dataset.poll, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (doc) {
        if (doc.final) { location.reload(); return; }
        status.dataset.state = doc.state;
        setTimeout(tick, every);
      }).catch(function () { setTimeout(tick, every * 2); });
    }
    setTimeout(tick, every);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    var dest = $("#dest"); if (dest) autocomplete(dest);
    var add = $("[data-add-room]"); if (add) rooms(add);
    var ratesForm = $("[data-rates-form]"); if (ratesForm) hotelRates(ratesForm);
    var status = $("#status[data-poll]"); if (status) follow(status);
    $all("form[data-once]").forEach(function (f) {
      f.addEventListener("submit", function () { $all("button[type=submit]", f).forEach(function (b) { b.disabled = true; }); });
    });
  });
})();
