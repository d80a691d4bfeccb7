// Keep each countdown current, minute by minute, from the portal's clock (the sandbox
// clock may be ahead of the browser's). The page says the same without this script.
(function () {
  "use strict";
  var timers = document.querySelectorAll("time[data-countdown]");
  if (!timers.length || !window.Intl || !Intl.ListFormat) {
    return;
  }
  var language = document.documentElement.lang || "fr";
  var loadedAt = Date.now();
  var joined = new Intl.ListFormat(language, { style: "long", type: "conjunction" });
  function unit(name, count) {
    return new Intl.NumberFormat(language, { style: "unit", unit: name, unitDisplay: "long" }).format(count);
  }
  function words(minutesLeft) {
    var days = Math.floor(minutesLeft / 1440);
    var hours = Math.floor((minutesLeft % 1440) / 60);
    var minutes = minutesLeft % 60;
    if (days >= 2) { return unit("day", days); }
    if (days === 1) { return hours ? joined.format([unit("day", 1), unit("hour", hours)]) : unit("day", 1); }
    var parts = [];
    if (hours) { parts.push(unit("hour", hours)); }
    if (minutes) { parts.push(unit("minute", minutes)); }
    return parts.length ? joined.format(parts) : null;
  }
  function update() {
    var elapsed = Date.now() - loadedAt;
    timers.forEach(function (timer) {
      var now = Date.parse(timer.dataset.now) + elapsed;
      var left = Date.parse(timer.getAttribute("datetime")) - now;
      if (left <= 0) {
        timer.textContent = timer.dataset.ended;
        return;
      }
      var text = words(Math.floor(left / 60000));
      if (text) { timer.textContent = text; }
    });
  }
  // The server's text is right when the page loads; from then on, once a minute.
  window.setInterval(function () {
    try {
      update();
    } catch (error) {
      // An older browser without unit formatting keeps the last text shown.
    }
  }, 60000);
})();
