// Passkeys (decision 0041): add one on the security page, use one on the sign-in code page.
// The server (django-otp-webauthn behind our endpoints) sends the WebAuthn options as JSON with
// base64url strings; the browser's API wants ArrayBuffers. Our own small script, served from our
// static files: the strict CSP allows no inline script and nothing from elsewhere.
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error(data.detail || String(response.status));
        }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBuffer(item.id), transports: item.transports };
    });
  }

  function credentialJSON(credential, responseFields) {
    var response = {};
    responseFields.forEach(function (field) {
      var value = credential.response[field];
      if (value) {
        response[field] = toText(value);
      }
    });
    if (typeof credential.response.getTransports === "function") {
      response.transports = credential.response.getTransports();
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  // Our own words, in the page's language (the server's English detail is for the log).
  function say(status, key) {
    status.textContent = status.dataset[key];
  }

  function register(form, button, status) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = form.querySelector("input[name=name]").value.trim();
      button.disabled = true;
      say(status, "working");
      post(form.dataset.begin)
        .then(function (options) {
          options.challenge = toBuffer(options.challenge);
          options.user.id = toBuffer(options.user.id);
          options.excludeCredentials = descriptors(options.excludeCredentials);
          return navigator.credentials.create({ publicKey: options });
        })
        .then(function (credential) {
          var body = credentialJSON(credential, ["clientDataJSON", "attestationObject"]);
          return post(form.dataset.complete, { name: name, credential: body });
        })
        .then(function (result) {
          window.location.assign(result.redirect_url);
        })
        .catch(function () {
          button.disabled = false;
          say(status, "failed");
        });
    });
  }

  function authenticate(button, status) {
    button.addEventListener("click", function () {
      button.disabled = true;
      say(status, "working");
      var next = button.dataset.next ? "?next=" + encodeURIComponent(button.dataset.next) : "";
      post(button.dataset.begin)
        .then(function (options) {
          options.challenge = toBuffer(options.challenge);
          options.allowCredentials = descriptors(options.allowCredentials);
          return navigator.credentials.get({ publicKey: options });
        })
        .then(function (credential) {
          var body = credentialJSON(credential, ["clientDataJSON", "authenticatorData", "signature", "userHandle"]);
          return post(button.dataset.complete + next, body);
        })
        .then(function (result) {
          window.location.assign(result.redirect_url);
        })
        .catch(function () {
          button.disabled = false;
          say(status, "failed");
        });
    });
  }

  var status = document.getElementById("passkey-status");
  if (!status) {
    return;
  }
  if (!window.PublicKeyCredential || !navigator.credentials) {
    say(status, "unsupported");
    return;
  }
  var form = document.getElementById("passkey-register-form");
  var registerButton = document.getElementById("passkey-register");
  if (form && registerButton) {
    registerButton.hidden = false;
    register(form, registerButton, status);
  }
  var signInButton = document.getElementById("passkey-sign-in");
  if (signInButton) {
    signInButton.hidden = false;
    authenticate(signInButton, status);
  }
})();
