/* Payment pages. New card or bank details go from the page straight to the payment provider
   (the sandbox's token endpoint, or Stripe.js); only the token returned is sent to the portal. */
(function () {
  "use strict";

  function selected(form) {
    var r = form.querySelector('input[name="method"]:checked');
    return r ? r.value : "";
  }

  function showFields(form) {
    var choice = selected(form);
    form.querySelectorAll(".new-method").forEach(function (el) { el.hidden = el.dataset.for !== choice; });
    var save = form.querySelector(".new-method-save");
    if (save) { save.hidden = !(choice === "new-card" || choice === "new-ach"); }
  }

  function value(form, name) {
    var el = form.querySelector('[data-pay="' + name + '"]');
    return el ? el.value.trim() : "";
  }

  function fail(form, message) {
    var box = form.querySelector("#method-error");
    box.textContent = message;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  }

  function sandboxToken(form, choice) {
    var body;
    if (choice === "new-card") {
      var exp = value(form, "exp").split("/");
      body = { kind: "card", number: value(form, "number"), exp_month: exp[0], exp_year: exp[1], cvc: value(form, "cvc") };
    } else {
      body = { kind: "ach", routing: value(form, "routing"), account: value(form, "account"), account_type: value(form, "account_type") };
    }
    return fetch(form.dataset.tokenizeUrl, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { throw new Error(data.error.message); }
        return data.token;
      });
  }

  var stripe = null, card = null;
  function setupStripe(form) {
    var mount = form.querySelector("#stripe-card");
    if (!mount || !window.Stripe) { return; }
    stripe = window.Stripe(document.body.dataset.stripeKey);
    card = stripe.elements().create("card");
    card.mount(mount);
  }

  function stripeToken(form, choice) {
    if (choice !== "new-card" || !stripe) { return Promise.reject(new Error("Bank accounts cannot be added here yet.")); }
    return stripe.createPaymentMethod({ type: "card", card: card }).then(function (res) {
      if (res && res.error) { throw new Error(res.error.message); }
      if (!res || !res.paymentMethod) { throw new Error("We could not read the card. Please try again."); }
      return res.paymentMethod.id;
    });
  }

  // 3-D Secure: Stripe.js shows the bank's check, then the form goes back to the portal, which asks
  // Stripe how it went. On an error the customer reads it and presses Continue (no automatic loop).
  function verifyWithStripe(form) {
    if (!window.Stripe || !document.body.dataset.stripeKey) { return; }
    var status = document.getElementById("verify-status");
    window.Stripe(document.body.dataset.stripeKey).confirmCardPayment(form.dataset.clientSecret).then(function (res) {
      if (res && res.paymentIntent) { form.submit(); return; }
      if (status) { status.textContent = (res && res.error && res.error.message) || "The check did not finish. Press Continue."; }
    }, function () {
      if (status) { status.textContent = "The check did not finish. Press Continue."; }
    });
  }

  function onSubmit(event) {
    var form = event.target;
    var choice = selected(form);
    var submitter = event.submitter;
    if (submitter && submitter.value === "cart") { return; }
    var tokenField = form.querySelector("#new-token");
    if (!(choice === "new-card" || choice === "new-ach") || !tokenField || tokenField.value) { return; }
    event.preventDefault();
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    var get = document.body.dataset.provider === "stripe" ? stripeToken : sandboxToken;
    get(form, choice).then(function (token) {
      tokenField.value = token;
      if (submitter) {
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.submit();
    }).catch(function (err) { fail(form, err.message || "Please check the details and try again."); });
  }

  function init() {
    document.querySelectorAll("form.pay-form").forEach(function (form) {
      form.addEventListener("change", function (e) { if (e.target.name === "method") { showFields(form); } });
      form.addEventListener("submit", onSubmit);
      showFields(form);
      if (document.body.dataset.provider === "stripe") { setupStripe(form); }
    });
    document.querySelectorAll("form.stripe-verify-form").forEach(verifyWithStripe);
    // Pay once: the button is disabled after the first press (the server also charges once).
    document.querySelectorAll("form.confirm-form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var b = form.querySelector("[data-once]");
        if (b) { setTimeout(function () { b.disabled = true; }, 0); }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
