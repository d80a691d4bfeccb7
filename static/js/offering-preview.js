/* The offering editor: show the bond terms for debt only, and keep the preview of the
 * offering document in step with the form, about 1.5 s after the last change.
 *
 * The form is posted to the preview address into a fresh frame of our own origin: the
 * site's policy frames only our own addresses (frame-src 'self', so no blob: URL), and a
 * PDF served from our origin carries no policy that would block the browser's PDF viewer.
 * A fresh frame each time leaves no trail of previews in the browser's history. Nothing
 * is stored. Every text shown comes from the form's data-text-* attributes, translated by
 * the page. Without JavaScript, the form's "Preview" button opens the same PDF. */
(function () {
  "use strict";

  var DELAY_MS = 1500;
  var form = document.getElementById("offering-form");
  var frame = document.getElementById("offering-preview");
  var status = document.getElementById("preview-status");
  if (!form || !frame || !status) {
    return;
  }

  var security = form.querySelector("[name=security_type]");
  var bond = document.getElementById("bond-terms");
  function showBondTermsForDebtOnly() {
    if (security && bond) {
      bond.hidden = security.value !== "debt";
    }
  }
  showBondTermsForDebtOnly();
  if (security) {
    security.addEventListener("change", showBondTermsForDebtOnly);
  }

  var timer = null;
  var renders = 0;

  function say(key) {
    status.textContent = form.dataset[key] || "";
  }

  function loaded(event) {
    var shown = null;
    try {
      shown = event.target.contentDocument;
    } catch (error) {
      shown = null;
    }
    var invalid = shown && shown.querySelector && shown.querySelector("[data-preview-invalid]");
    say(invalid ? "textIncomplete" : "textReady");
  }

  function refresh() {
    var next = frame.cloneNode(false);
    renders += 1;
    next.removeAttribute("srcdoc");
    next.name = "offering-preview-" + renders;
    next.addEventListener("load", loaded);
    frame.replaceWith(next);
    frame = next;
    say("textLoading");
    var action = form.getAttribute("action");
    form.setAttribute("action", form.dataset.previewUrl);
    form.setAttribute("target", next.name);
    HTMLFormElement.prototype.submit.call(form);
    form.setAttribute("action", action);
    form.removeAttribute("target");
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  refresh();
})();
