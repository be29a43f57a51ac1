/* resetkit hosted pages: the only JavaScript. Everything works without it; it adds: the token
   removed from the address bar, show/hide, live rule checks and strength that mirror the server
   policy (data-policy), inline errors through fetch, and the timed redirect after success.
   Served as a static asset with an immutable name: change the file, bump PAGE_ASSETS in
   src/routes/pages/layout.ts (page-N.js). Loaded with the page nonce. */
(() => {
  const $ = (s, r = document) => r.querySelector(s);
  // The link token must not linger in the address bar, history or screenshots.
  if (/[?&]token=/.test(location.search)) history.replaceState(null, "", location.pathname);
  const finish = (done, url) => {
    done.hidden = false;
    $("h1", done).focus();
    if (url) setTimeout(() => location.assign(url), 4000);
  };
  const done = $("#done");
  if (done && !done.hidden) return finish(done, done.dataset.redirect);
  const form = $("#reset-form");
  if (!form) return;
  const pol = JSON.parse(form.dataset.policy), msg = JSON.parse(form.dataset.i18n);
  const pw = $("#password"), cf = $("#confirm"), strength = $("#strength"), show = $("#show");
  show.parentElement.parentElement.hidden = false;
  show.onchange = () => { pw.type = cf.type = show.checked ? "text" : "password"; };
  const len = (s) => [...s.normalize("NFKC")].length;
  const checks = {
    min: (s) => len(s) >= pol.min,
    upper: (s) => /\p{Lu}/u.test(s),
    lower: (s) => /\p{Ll}/u.test(s),
    digit: (s) => /\p{Nd}/u.test(s),
    symbol: (s) => /[^\p{L}\p{Nd}\s]/u.test(s),
  };
  const codes = { min: "PASSWORD_TOO_SHORT", upper: "PASSWORD_MISSING_UPPERCASE", lower: "PASSWORD_MISSING_LOWERCASE", digit: "PASSWORD_MISSING_DIGIT", symbol: "PASSWORD_MISSING_SYMBOL", common: "PASSWORD_TOO_COMMON", email: "PASSWORD_CONTAINS_EMAIL", reuse: "PASSWORD_REUSED" };
  const rules = [...form.querySelectorAll("[data-rule]")];
  // A rough entropy estimate (length x alphabet), shown as 4 levels; the policy decides, this only guides.
  const score = (s) => {
    const pool = [/[a-z]/, /[A-Z]/, /\d/, /[^\w\s]/, /[^\x00-\x7f]/].reduce((n, re, i) => n + (re.test(s) ? [26, 26, 10, 33, 100][i] : 0), 0);
    const bits = len(s) * Math.log2(pool || 1) * (new Set(s).size / s.length);
    return bits < 40 ? 0 : bits < 60 ? 1 : bits < 80 ? 2 : 3;
  };
  pw.addEventListener("input", () => {
    const s = pw.value;
    let failed = false;
    for (const li of rules) {
      const check = checks[li.dataset.rule];
      if (!check) continue;
      const ok = s !== "" && check(s);
      failed ||= !ok;
      li.classList.toggle("ok", ok);
      li.classList.remove("bad");
      $(".sr", li).textContent = ok ? " " + msg.met : "";
    }
    strength.hidden = s === "";
    $("b", strength).textContent = msg.strength[failed ? 0 : score(s)];
  });
  const summary = $("#summary");
  const showErrors = (errors) => {
    const field = (input, id, list) => {
      input.setAttribute("aria-invalid", String(list.length > 0));
      $("#" + id).textContent = list.map((e) => e.message).join(" ");
      $("#" + id).hidden = !list.length;
    };
    const mismatch = errors.filter((e) => e.code === "mismatch");
    const policy = errors.filter((e) => e.code !== "mismatch");
    field(pw, "password-error", policy);
    field(cf, "confirm-error", mismatch);
    for (const li of rules) li.classList.toggle("bad", policy.some((e) => e.code === codes[li.dataset.rule]));
    const ul = $("ul", summary);
    ul.replaceChildren(...errors.map((e) => Object.assign(document.createElement("li"), { textContent: e.message })));
    summary.hidden = false;
    (policy.length ? pw : cf).focus();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const s = pw.value;
    const errors = Object.keys(checks).filter((r) => pol[r] && !checks[r](s)).map((r) => codes[r]);
    if (len(s) > pol.max) errors.push("PASSWORD_TOO_LONG");
    if (s !== cf.value) errors.push("mismatch");
    if (errors.length) return showErrors(errors.map((code) => ({ code, message: msg.err[code] })));
    const button = $("button[type=submit]", form);
    button.disabled = true;
    try {
      const res = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), headers: { Accept: "application/json" } });
      const body = await res.json();
      button.disabled = false;
      if (body.ok) {
        $("#step").hidden = true;
        const link = $("#continue");
        if (body.redirectUri && link) link.href = body.redirectUri;
        return finish($("#done"), body.redirectUri);
      }
      if (body.errors) return showErrors(body.errors);
    } catch {}
    // Anything else (dead link, expired form, rate limit): let the server render its own page.
    form.submit();
  });
})();
