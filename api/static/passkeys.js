// Passkeys on the login and account pages: navigator.credentials with WebAuthn's JSON forms. No inline
// script anywhere (the pages' CSP), nothing from a CDN.
"use strict";

(function () {
  function decode(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); }).buffer;
  }

  function encode(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    const options = Object.assign({}, json, { challenge: decode(json.challenge) });
    options.user = Object.assign({}, json.user, { id: decode(json.user.id) });
    options.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: decode(c.id) });
    });
    return options;
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    const options = Object.assign({}, json, { challenge: decode(json.challenge) });
    options.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: decode(c.id) });
    });
    return options;
  }

  function toJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const response = credential.response;
    const json = { id: credential.id, rawId: encode(credential.rawId), type: credential.type, response: {},
                   clientExtensionResults: credential.getClientExtensionResults() };
    json.response.clientDataJSON = encode(response.clientDataJSON);
    if (response.attestationObject) {
      json.response.attestationObject = encode(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = encode(response.authenticatorData);
      json.response.signature = encode(response.signature);
      if (response.userHandle) json.response.userHandle = encode(response.userHandle);
    }
    return json;
  }

  function say(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  function problem(error) {
    if (error && error.name === "NotAllowedError") return "The passkey request was cancelled or timed out.";
    if (error && error.name === "InvalidStateError") return "This passkey is already registered.";
    return "The passkey did not work: " + (error && error.message ? error.message : "unknown error");
  }

  const supported = typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
  const csrf = document.querySelector('meta[name="csrf-token"]');

  // the login page: "Sign in with a passkey", and autofill where the browser offers it
  const signIn = document.getElementById("passkey-sign-in");
  if (signIn) {
    const form = signIn.form;
    const message = document.getElementById("passkey-message");
    let pending = null;

    async function run(conditional) {
      // made before the options are asked for: a click while the autofill still waits for them ends it too
      const controller = new AbortController();
      pending = controller;
      const started = await fetch("/passkeys/login/options", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: "{}", signal: controller.signal,
      });
      const body = await started.json();
      if (!started.ok) throw new Error(body.detail || "the service refused");
      const request = { publicKey: requestOptions(body.options), signal: controller.signal };
      if (conditional) request.mediation = "conditional";
      const credential = await navigator.credentials.get(request);
      form.elements.challenge_id.value = body.challenge_id;
      form.elements.credential.value = JSON.stringify(toJSON(credential));
      form.submit();
    }

    if (!supported) {
      signIn.disabled = true;
      say(message, "This browser cannot use passkeys: sign in with your password.");
    } else {
      signIn.addEventListener("click", function () {
        if (pending) pending.abort();
        say(message, "");
        run(false).catch(function (error) { if (error.name !== "AbortError") say(message, problem(error)); });
      });
      if (PublicKeyCredential.isConditionalMediationAvailable) {
        PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
          if (available) run(true).catch(function () { /* autofill closed: the button still works */ });
        });
      }
    }
  }

  // the account page: add a passkey (the password again), then the page shows it
  const add = document.getElementById("add-passkey");
  if (add) {
    const message = document.getElementById("add-passkey-message");
    if (!supported) {
      add.querySelector("button").disabled = true;
      say(message, "This browser cannot make passkeys.");
    }
    add.addEventListener("submit", async function (event) {
      event.preventDefault();
      say(message, "");
      const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : "" };
      try {
        const started = await fetch("/user/me/passkeys/options", {
          method: "POST", headers: headers, body: JSON.stringify({ password: add.elements.password.value }),
        });
        const body = await started.json();
        if (!started.ok) throw new Error(body.detail || "the service refused");
        const credential = await navigator.credentials.create({ publicKey: creationOptions(body.options) });
        const saved = await fetch("/user/me/passkeys", {
          method: "POST", headers: headers,
          body: JSON.stringify({ credential: toJSON(credential), name: add.elements.name.value || null }),
        });
        if (!saved.ok) throw new Error((await saved.json()).detail || "the service refused");
        window.location.assign("/account?done=passkey#passkeys");
      } catch (error) {
        say(message, problem(error));
      }
    });
  }
})();
