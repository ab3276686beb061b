/*
 * "Sign with NCALayer" on the association's agreement page.
 *
 * NCALayer (the NCA RK desktop application) listens on wss://127.0.0.1:13579; the page's Content-Security-Policy
 * allows that one address, on this page only. The script:
 *   1. fetches the exact agreement PDF the association reviews (same origin, the user's session);
 *   2. asks NCALayer's kz.gov.pki.knca.basics module for a detached CMS signature over it ("sign", format
 *      "cms", not encapsulated), filtered to legal-entity keys (extended key usage 1.2.398.3.3.4.1.2) of the
 *      association's BIN — the server still checks the role (first head or employee with the right to sign);
 *   3. puts the CMS into the page's upload form as the signature file and sends that form, so the server
 *      verifies it exactly as an uploaded signature and answers with a page showing the result.
 * Without NCALayer (or without JavaScript: the block stays hidden) the upload form is the way to sign.
 * All texts come from the page (data-msg-*), in the user's language.
 */
(function () {
  "use strict";

  var NCALAYER_URL = "wss://127.0.0.1:13579/";
  var LEGAL_ENTITY_EKU = "1.2.398.3.3.4.1.2";
  var TIMEOUT_MS = 10 * 60 * 1000; // the user picks a key and types its password in NCALayer's own window

  var block = document.getElementById("ncalayer");
  if (!block || !window.WebSocket || !window.fetch || !window.DataTransfer) {
    return;
  }
  var button = document.getElementById("ncalayer-sign");
  var status = document.getElementById("ncalayer-status");
  var form = document.getElementById("cms-form");
  var input = form ? form.querySelector("input[type=file]") : null;
  if (!button || !status || !form || !input) {
    return;
  }
  block.hidden = false;

  function say(key, isError) {
    status.textContent = block.getAttribute("data-msg-" + key) || key;
    status.className = isError ? "field-error" : "hint";
  }

  function toBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var chunks = [];
    for (var i = 0; i < bytes.length; i += 0x8000) {
      chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)));
    }
    return window.btoa(chunks.join(""));
  }

  function fromBase64(text) {
    var binary = window.atob(text.replace(/[^A-Za-z0-9+/=]/g, ""));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function signatureFrom(reply) {
    // { status: true, body: { result: ["MII…"] } }; some versions answer a string instead of a list
    if (!reply || reply.status !== true || !reply.body) {
      return null;
    }
    var result = reply.body.result;
    if (Array.isArray(result)) {
      result = result[0];
    }
    return typeof result === "string" && result.length > 0 ? result : null;
  }

  function askNcaLayer(pdfBase64) {
    return new Promise(function (resolve, reject) {
      var socket;
      var settled = false;
      var timer = window.setTimeout(function () { finish(reject, "timeout"); }, TIMEOUT_MS);
      function finish(how, value) {
        if (settled) {
          return;
        }
        settled = true;
        window.clearTimeout(timer);
        try { socket.close(); } catch (ignored) { /* already closed */ }
        how(value);
      }
      try {
        socket = new WebSocket(NCALAYER_URL);
      } catch (error) {
        finish(reject, "unavailable");
        return;
      }
      socket.onerror = function () { finish(reject, "unavailable"); };
      socket.onclose = function () { finish(reject, "unavailable"); };
      socket.onopen = function () {
        socket.send(JSON.stringify({
          module: "kz.gov.pki.knca.basics",
          method: "sign",
          args: {
            allowedStorages: null,
            format: "cms",
            data: pdfBase64,
            signingParams: { decode: true, encapsulate: false, digested: false, tsaProfile: null },
            signerParams: { extKeyUsageOids: [LEGAL_ENTITY_EKU], bin: block.getAttribute("data-bin"), iin: "",
                            serialNumber: "", chain: [] },
            locale: block.getAttribute("data-locale") || "kk"
          }
        }));
      };
      socket.onmessage = function (event) {
        var reply;
        try {
          reply = JSON.parse(event.data);
        } catch (error) {
          return; // heartbeats and the version greeting are not answers
        }
        if (!reply || typeof reply.status !== "boolean") {
          return;
        }
        var signature = signatureFrom(reply);
        if (signature) {
          finish(resolve, signature);
        } else {
          finish(reject, reply.code === "USER_CANCELED" || reply.code === "CANCELED" ? "cancelled" : "refused");
        }
      };
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say("preparing", false);
    window.fetch(block.getAttribute("data-pdf-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw "download";
        }
        return response.arrayBuffer();
      })
      .then(function (buffer) {
        say("waiting", false);
        return askNcaLayer(toBase64(buffer));
      })
      .then(function (signature) {
        var files = new DataTransfer();
        files.items.add(new File([fromBase64(signature)], "agreement.p7s", { type: "application/pkcs7-signature" }));
        input.files = files.files;
        say("sending", false);
        form.submit();
      })
      .catch(function (problem) {
        button.disabled = false;
        var known = ["download", "unavailable", "cancelled", "refused", "timeout"];
        say(known.indexOf(problem) >= 0 ? problem : "refused", true);
      });
  });
})();
