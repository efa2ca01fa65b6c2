// @ts-check
/*
 * Sked's booking flow, for the booking page and for any site that embeds it:
 *
 *   <div data-sked-booking="{tenant_slug}/{event_type_slug}"></div>
 *   <script src="{SKED_PUBLIC_URL}/widget.js" async></script>
 *
 * Each such div gets a shadow root holding the flow (month, times, form, confirmation); the
 * div's own children (the page's no-script forms) are no longer shown. With
 * data-sked-mode="button" the div shows a floating button that opens the flow in a modal dialog
 * (data-sked-label names the button).
 * It talks only to the public JSON API on the origin this script was loaded from, builds every
 * node with textContent (never HTML from data), and styles itself with a constructed stylesheet,
 * which pages with `style-src 'self'` allow. After a booking it dispatches a bubbling
 * `sked:booked` event on the div: detail {booking_id, confirmation_code, start}.
 */
(() => {
  /** @typedef {{id: string, label: string, type: "text"|"choice"|"yes_no", required: boolean, options?: string[] | null}} Question */
  /** @typedef {{slug: string, title: string, description?: string | null, duration_minutes: number, time_zone: string, questions?: Question[], business_name?: string, location?: string | null, max_days_ahead?: number}} EventType */
  /** @typedef {{start: string, end: string}} Slot */
  /** @typedef {{available_dates: string[], slots_by_date: Record<string, Slot[]>}} Slots */
  /** @typedef {{id: string, uid?: string, confirmation_code: string, start: string, end: string, manage_url?: string | null}} Booking */
  /** @typedef {{status: number, body: any}} Answer */
  /** @typedef {Record<string, any> | null} Props */
  /** @typedef {Node | string | null | undefined | false} Kid */

  const script = /** @type {HTMLScriptElement | null} */ (
    document.currentScript || [...document.scripts].find((s) => /\/widget\.js(\?|#|$)/.test(s.src))
  );
  const ORIGIN = script && script.src ? new URL(script.src).origin : location.origin;

  const CSS = `
:host{all:initial;display:block;color:#1a1a1a;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}
[hidden]{display:none!important}
.sk{max-width:56rem;padding:.5rem;background:#fff;color:#1a1a1a}
h2{font-size:1.35rem;margin:0 0 .25rem}
h3{font-size:1.1rem;margin:0 0 .5rem}
p{margin:.25rem 0 .75rem}
.muted{color:#555}
.cols{display:flex;flex-wrap:wrap;gap:1rem 2rem}
.cal{flex:1 1 17rem;max-width:24rem}
.times{flex:1 1 12rem}
.bar{display:flex;align-items:center;justify-content:space-between;gap:.5rem;margin-bottom:.25rem}
button,select,input,textarea{font:inherit;color:inherit}
button{cursor:pointer;border:1px solid #1f5fbf;border-radius:.4rem;background:#fff;color:#1f5fbf;padding:.45rem .8rem;min-height:2.5rem}
button:hover{background:#eef3fb}
button.primary{background:#1f5fbf;color:#fff}
button.primary:hover{background:#174a96}
button:disabled,button[aria-disabled=true]{cursor:default;border-color:#ccc;color:#6b6b6b;background:#f4f4f4}
:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}
.link{border:0;background:none;padding:.25rem;min-height:0;text-decoration:underline}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th{font-size:.8rem;font-weight:600;color:#555;padding:.2rem 0}
td{padding:2px;text-align:center}
td button,ul button{width:100%;min-height:2.4rem;padding:0;border-color:transparent;font-weight:600}
td button.open{border-color:#1f5fbf;background:#eef3fb}
td button[aria-disabled=true]{border-color:transparent;background:none;font-weight:400}
td button[aria-pressed=true]{background:#1f5fbf;color:#fff}
ul{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(7rem,1fr));gap:.5rem}
label,legend{display:block;font-weight:600;margin-top:.75rem}
input,select,textarea{display:block;width:100%;max-width:28rem;border:1px solid #6b6b6b;border-radius:.3rem;padding:.45rem;background:#fff}
fieldset{border:0;margin:0;padding:0}
fieldset label{display:inline-flex;gap:.35rem;align-items:center;font-weight:400;margin-right:1rem}
fieldset input{width:1.25rem;height:1.25rem;display:inline;margin:0}
[aria-invalid=true]{border-color:#b3261e;border-width:2px}
.err{color:#b3261e;margin:.2rem 0 0;font-size:.95rem}
.alert:not(:empty){border-left:4px solid #b3261e;padding:.5rem .75rem;background:#fdf0ef;margin:.75rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}
a{color:#1f5fbf}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.code{font-size:1.3rem;font-weight:700;letter-spacing:.08em}
.fab{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;background:#1f5fbf;color:#fff;border-radius:2rem;padding:.7rem 1.2rem;box-shadow:0 2px 8px rgba(0,0,0,.3)}
.fab:hover{background:#174a96}
dialog{border:0;border-radius:.6rem;padding:0;width:min(56rem,100vw - 1rem);max-height:calc(100vh - 1rem);color:#1a1a1a;background:#fff}
dialog::backdrop{background:rgba(0,0,0,.5)}
.close{float:right;margin:.5rem}
`;

  /**
   * An element with properties (or attributes, for names with a dash or unknown to it), event
   * listeners (`on...`) and children (strings become text nodes).
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {Props} [props]
   * @param {...Kid} kids
   * @returns {HTMLElementTagNameMap[K]}
   */
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k in el && !k.includes("-")) /** @type {any} */ (el)[k] = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids) if (kid != null && kid !== false) el.append(kid);
    return el;
  }

  /** @param {string} path @param {unknown} [body] @param {Record<string, string>} [headers] @returns {Promise<Answer>} */
  async function api(path, body, headers) {
    /** @type {RequestInit} */
    const init = body === undefined
      ? { headers: { accept: "application/json" } }
      : { method: "POST", headers: { accept: "application/json", "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
    const res = await fetch(ORIGIN + "/public/v1/" + path, init);
    let json = null;
    try { json = await res.json(); } catch (_) { /* an empty or non-JSON answer */ }
    return { status: res.status, body: json };
  }

  /** A message for an answer that is not the one hoped for. @param {Answer | null} a */
  function problem(a) {
    if (!a) return "The booking service could not be reached. Check your connection and try again.";
    if (a.status === 429) return "Too many tries in a short time. Wait a moment and try again.";
    return (a.body && a.body.detail) || "Something went wrong (" + a.status + "). Try again.";
  }

  /** @param {string} date `YYYY-MM-DD` @returns {Date} that day at midnight UTC */
  const day = (date) => new Date(date + "T00:00:00Z");
  /** @param {Date} d @returns {string} its UTC date as `YYYY-MM-DD` */
  const iso = (d) => d.toISOString().slice(0, 10);
  /** @param {string} date @param {number} n @returns {string} */
  const addDays = (date, n) => iso(new Date(day(date).getTime() + n * 864e5));
  /** @param {string} date @param {number} n @returns {string} the first of the month n months on */
  const addMonths = (date, n) => {
    const d = day(date);
    return iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)));
  };
  /** @param {string} tz @returns {string} today's date in tz */
  const today = (tz) => {
    /** @type {Record<string, string>} */
    const p = {};
    for (const x of new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date())) p[x.type] = x.value;
    return p.year + "-" + p.month + "-" + p.day;
  };
  /** @param {string} instant @returns {string} `YYYYMMDDTHHMMSSZ` */
  const compact = (instant) => new Date(instant).toISOString().replace(/[-:]|\.\d+/g, "");

  /** The reader's language: dates, the clock (12 or 24 hours) and the week's first day follow it. */
  const LOCALE = navigator.language || undefined;
  /** @param {Intl.DateTimeFormatOptions} o */
  const fmt = (o) => new Intl.DateTimeFormat(LOCALE, o);
  const monthName = fmt({ month: "long", year: "numeric", timeZone: "UTC" });
  const longDate = fmt({ weekday: "long", month: "long", day: "numeric", year: "numeric", timeZone: "UTC" });
  const weekday = fmt({ weekday: "short", timeZone: "UTC" });
  const weekdayLong = fmt({ weekday: "long", timeZone: "UTC" });

  /** The first day of the week in the reader's locale (0 = Sunday). */
  function firstWeekday() {
    try {
      const loc = /** @type {any} */ (new Intl.Locale(LOCALE || "en"));
      const info = loc.getWeekInfo ? loc.getWeekInfo() : loc.weekInfo;
      if (info && info.firstDay) return info.firstDay % 7;
    } catch (_) { /* an old engine: Monday */ }
    return 1;
  }

  /** Every zone the browser knows, with `tz` among them. @param {string} tz */
  function zones(tz) {
    /** @type {string[]} */
    let all = [];
    try { all = /** @type {any} */ (Intl).supportedValuesOf("timeZone"); } catch (_) { /* an old engine */ }
    if (!all.includes(tz)) all = [tz, ...all];
    if (!all.includes("UTC")) all.push("UTC");
    return all;
  }

  /** Text escaped for an iCalendar TEXT value. @param {string} s */
  const icsText = (s) => s.replace(/[\\;,]/g, (c) => "\\" + c).replace(/\r?\n/g, "\\n");

  /**
   * An iCalendar file of the booking, lines folded at 74 characters.
   * @param {Booking} b @param {string} title @param {string} details
   */
  function ics(b, title, details) {
    const lines = [
      "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sked//Booking widget//EN", "METHOD:PUBLISH", "BEGIN:VEVENT",
      "UID:" + (b.uid || b.id), "DTSTAMP:" + compact(new Date().toISOString()),
      "DTSTART:" + compact(b.start), "DTEND:" + compact(b.end),
      "SUMMARY:" + icsText(title), "DESCRIPTION:" + icsText(details),
      b.manage_url ? "URL:" + b.manage_url : "", "END:VEVENT", "END:VCALENDAR",
    ];
    return lines.filter(Boolean).map((l) => l.match(/.{1,74}/g)?.join("\r\n ") ?? l).join("\r\n") + "\r\n";
  }

  /**
   * The booking flow for one event type, in `root`.
   * @param {HTMLElement} host the div the page wrote
   * @param {ShadowRoot | HTMLElement} root where to render
   * @param {string} tenant @param {string} slug
   */
  function flow(host, root, tenant, slug) {
    const base = encodeURIComponent(tenant) + "/";
    const etPath = base + "event-types/" + encodeURIComponent(slug);
    let tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    let month = addMonths(today(tz), 0);
    /** @type {Record<string, Slot[]>} */
    let byDate = {};
    /** @type {string | null} */ let chosenDay = null;
    /** @type {Slot | null} */ let chosen = null;
    let focusDay = today(tz);
    /** @type {EventType | null} */ let et = null;
    let firstLoad = true;
    let loading = 0;
    // One idempotency key per distinct request, so sending the same booking again (a lost
    // answer, a second click) gets the first answer back instead of a "taken" from itself.
    let lastSent = "";
    let idemKey = "";
    const sr = /** @type {ShadowRoot} */ (host.shadowRoot);

    const status = h("p", { role: "status", className: "muted" });
    // The page's main heading when the page put its own inside the div (the booking page does).
    const [top, sub] = host.querySelector("h1") ? /** @type {const} */ (["h1", "h2"]) : /** @type {const} */ (["h2", "h3"]);
    const heading = h(top, { tabIndex: -1 }, "Book a time");
    const about = h("p", { className: "muted" });
    const mTitle = h(sub, { id: "sk-month" });
    const prev = h("button", { type: "button", className: "link", "aria-label": "Previous month", onclick: () => move(addMonths(month, -1)) }, h("span", { "aria-hidden": "true" }, "\u2039 "), "Previous");
    const next = h("button", { type: "button", className: "link", "aria-label": "Next month", onclick: () => move(addMonths(month, 1)) }, "Next", h("span", { "aria-hidden": "true" }, " \u203a"));
    const grid = h("table", { role: "grid", "aria-labelledby": "sk-month" });
    const zoneSel = h("select", { id: "sk-tz", onchange: () => { tz = zoneSel.value; zoneNote.textContent = "Times in " + tz; load(); } });
    const zoneNote = h("p", { className: "muted" });
    const timesTitle = h(sub, { id: "sk-times", tabIndex: -1 }, "Choose a day");
    const times = h("ul", { "aria-labelledby": "sk-times" });
    const pick = h("div", { className: "cols" },
      h("section", { className: "cal", "aria-label": "Days" }, h("div", { className: "bar" }, prev, mTitle, next), grid),
      h("section", { className: "times" }, timesTitle, zoneNote, times,
        h("label", { htmlFor: "sk-tz" }, "Time zone"), zoneSel));

    // The form: built once per event type, so what was typed survives every change of time.
    const summary = h("p", { id: "sk-when", tabIndex: -1, className: "when" });
    const alert = h("div", { role: "alert", className: "alert" });
    const alts = h("ul", { "aria-label": "Other times" });
    const fields = h("div");
    const submit = h("button", { type: "submit", className: "primary" }, "Confirm booking");
    /** @type {Map<string, {el: HTMLElement, err: HTMLElement, value: () => string | boolean | null, required: boolean, label: string}>} */
    const inputs = new Map();
    const form = h("form", { noValidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); book(); } },
      h(sub, null, "Your details"), summary,
      h("button", { type: "button", className: "link", onclick: () => show("pick") }, "Change time"),
      alert, alts, fields, h("div", { className: "actions" }, submit));

    const done = h("div", { hidden: true });
    const content = h("div", { className: "sk" }, heading, about, status, pick, form, done);
    form.hidden = true;
    root.append(content);

    /** @type {[string, Intl.DateTimeFormat] | null} */
    let clock = null;
    /** The time of an instant in the chosen zone, 12- or 24-hour as the reader's locale writes it. @param {string} instant */
    const timeOf = (instant) => {
      if (!clock || clock[0] !== tz) clock = [tz, fmt({ hour: "numeric", minute: "2-digit", timeZone: tz })];
      return clock[1].format(new Date(instant));
    };
    /** @param {string} instant */
    const dateOf = (instant) => fmt({ weekday: "long", month: "long", day: "numeric", timeZone: tz }).format(new Date(instant));
    /** @param {Slot} s */
    const whenText = (s) => dateOf(s.start) + ", " + timeOf(s.start) + " \u2013 " + timeOf(s.end) + " (" + tz + ")";

    /** @param {"pick"|"form"|"done"} step @param {HTMLElement | null} [focus] */
    function show(step, focus) {
      pick.hidden = step !== "pick";
      form.hidden = step !== "form";
      done.hidden = step !== "done";
      if (focus) focus.focus();
      else if (step === "pick") (/** @type {HTMLElement} */ (grid.querySelector("button[tabindex='0']") || heading)).focus();
    }

    /** The first of the last month a booking may fall in. */
    const lastMonth = () => addMonths(addDays(today(tz), et && et.max_days_ahead != null ? et.max_days_ahead : 366), 0);

    /** @param {string} to the first of a month */
    function move(to) {
      if (to < addMonths(today(tz), 0) || to > lastMonth()) return;
      month = to;
      if (focusDay.slice(0, 7) !== month.slice(0, 7)) focusDay = month;
      load();
    }

    async function start() {
      const a = await api(etPath).catch(() => null);
      if (!a || a.status !== 200) {
        status.textContent = a && a.status === 404 ? "This booking page does not exist." : problem(a);
        pick.hidden = true;
        return;
      }
      et = /** @type {EventType} */ (a.body);
      heading.textContent = et.title;
      about.textContent = [et.business_name, et.duration_minutes + " minutes", et.location, et.description].filter(Boolean).join(" \u00b7 ");
      for (const z of zones(tz)) zoneSel.append(h("option", { value: z, selected: z === tz }, z));
      zoneNote.textContent = "Times in " + tz;
      buildFields(et.questions || []);
      await load();
    }

    /** Fetches the month's slots in the chosen zone and draws the month. */
    async function load() {
      const ticket = ++loading;
      status.textContent = "Loading available times\u2026";
      const q = new URLSearchParams({ from: month, to: addMonths(month, 1), time_zone: tz });
      const a = await api(etPath + "/slots?" + q).catch(() => null);
      if (ticket !== loading) return; // a later request replaced this one
      if (!a || a.status !== 200) {
        status.textContent = problem(a);
        return;
      }
      byDate = /** @type {Slots} */ (a.body).slots_by_date || {};
      const dates = Object.keys(byDate).sort();
      if (firstLoad && !dates.length && month === addMonths(today(tz), 0)) {
        firstLoad = false; // nothing this month: look at the next one once
        month = addMonths(month, 1);
        focusDay = month;
        return load();
      }
      if (firstLoad && dates.length && !byDate[focusDay]) focusDay = dates.find((d) => d >= focusDay) || dates[0];
      firstLoad = false;
      if (chosenDay && !byDate[chosenDay]) chosenDay = null;
      const inGrid = grid.contains(sr.activeElement);
      draw();
      status.textContent = dates.length
        ? dates.length + (dates.length === 1 ? " day" : " days") + " with free times in " + monthName.format(day(month))
        : "No free times in " + monthName.format(day(month)) + ". Try the next month.";
      drawTimes();
      if (inGrid) focusCell();
    }

    function draw() {
      mTitle.textContent = monthName.format(day(month));
      prev.setAttribute("aria-disabled", String(month <= addMonths(today(tz), 0)));
      next.setAttribute("aria-disabled", String(month >= lastMonth()));
      const first = firstWeekday();
      const lead = (day(month).getUTCDay() - first + 7) % 7;
      const last = addDays(addMonths(month, 1), -1);
      const head = h("tr");
      for (let i = 0; i < 7; i++) {
        const d = addDays("2026-01-04", first + i); // 4 January 2026 was a Sunday
        head.append(h("th", { scope: "col", abbr: weekdayLong.format(day(d)) }, weekday.format(day(d))));
      }
      const body = h("tbody");
      let row = h("tr");
      for (let i = 0; i < lead; i++) row.append(h("td"));
      const now = today(tz);
      for (let d = month; d <= last; d = addDays(d, 1)) {
        const open = !!(byDate[d] && byDate[d].length);
        row.append(h("td", null, h("button", {
          type: "button", className: open ? "open" : "", "data-date": d,
          tabIndex: d === focusDay ? 0 : -1,
          "aria-label": longDate.format(day(d)) + (open ? ", times available" : ", no times"),
          "aria-disabled": open ? null : "true",
          "aria-pressed": open ? String(d === chosenDay) : null,
          "aria-current": d === now ? "date" : null,
          onclick: () => choose(d),
        }, String(Number(d.slice(8))))));
        if (row.children.length === 7) { body.append(row); row = h("tr"); }
      }
      if (row.children.length) body.append(row);
      grid.replaceChildren(h("thead", null, head), body);
      if (!grid.querySelector("button[tabindex='0']")) {
        const b = grid.querySelector("button");
        if (b) { b.tabIndex = 0; focusDay = b.dataset.date || month; }
      }
    }

    function focusCell() {
      const b = /** @type {HTMLButtonElement | null} */ (grid.querySelector("button[data-date='" + focusDay + "']"));
      if (b) b.focus();
    }

    /** Arrow keys, Home/End and Page Up/Down move through days (the roving tabindex). */
    grid.addEventListener("keydown", (e) => {
      const steps = /** @type {Record<string, number>} */ ({ ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 });
      const dow = (day(focusDay).getUTCDay() - firstWeekday() + 7) % 7;
      let to = null;
      if (e.key in steps) to = addDays(focusDay, steps[e.key]);
      else if (e.key === "Home") to = addDays(focusDay, -dow);
      else if (e.key === "End") to = addDays(focusDay, 6 - dow);
      else if (e.key === "PageUp" || e.key === "PageDown") {
        const m = addMonths(focusDay, e.key === "PageUp" ? -1 : 1);
        to = addDays(m, Math.min(Number(focusDay.slice(8)), Number(addDays(addMonths(m, 1), -1).slice(8))) - 1);
      } else return;
      e.preventDefault();
      if (to.slice(0, 7) < today(tz).slice(0, 7) || to.slice(0, 7) > lastMonth().slice(0, 7)) return;
      focusDay = to;
      if (to.slice(0, 7) !== month.slice(0, 7)) { month = to.slice(0, 8) + "01"; load(); return; }
      for (const b of grid.querySelectorAll("button")) b.tabIndex = b.dataset.date === to ? 0 : -1;
      focusCell();
    });

    /** @param {string} d */
    function choose(d) {
      focusDay = d;
      if (!(byDate[d] && byDate[d].length)) {
        status.textContent = "No free times on " + longDate.format(day(d)) + ".";
        return;
      }
      chosenDay = d;
      for (const b of grid.querySelectorAll("button")) {
        b.tabIndex = b.dataset.date === d ? 0 : -1;
        if (b.hasAttribute("aria-pressed")) b.setAttribute("aria-pressed", String(b.dataset.date === d));
      }
      drawTimes();
      const firstTime = times.querySelector("button");
      if (firstTime) firstTime.focus();
    }

    function drawTimes() {
      const slots = (chosenDay && byDate[chosenDay]) || [];
      timesTitle.textContent = chosenDay ? "Times on " + longDate.format(day(chosenDay)) : "Choose a day";
      times.replaceChildren(...slots.map((s) => h("li", null, h("button", { type: "button", "data-start": s.start, onclick: () => take(s) }, timeOf(s.start)))));
    }

    /** @param {Slot} s */
    function take(s) {
      chosen = s;
      summary.textContent = whenText(s);
      alert.textContent = "";
      alts.replaceChildren();
      show("form", /** @type {HTMLElement} */ (fields.querySelector("input, select, textarea")));
    }

    /** The form's fields: the attendee, notes, then the event type's questions. @param {Question[]} qs */
    function buildFields(qs) {
      /**
       * @param {string} key the API's field name
       * @param {string} label @param {boolean} required
       * @param {HTMLElement} el the input (or fieldset)
       * @param {() => string | boolean | null} value
       * @param {HTMLElement | null} [labelEl]
       */
      const add = (key, label, required, el, value, labelEl) => {
        const err = h("p", { className: "err", id: "sk-err-" + inputs.size, hidden: true });
        el.setAttribute("aria-describedby", err.id);
        inputs.set(key, { el, err, value, required, label });
        fields.append(h("div", null, labelEl === undefined ? h("label", { htmlFor: el.id }, label + (required ? " (required)" : " (optional)")) : labelEl, el, err));
      };
      /** @param {string} key @param {string} label @param {boolean} required @param {Props} props */
      const text = (key, label, required, props) => {
        const el = h(props && props.rows ? "textarea" : "input", { id: "sk-f-" + inputs.size, name: key, required, ...props });
        add(key, label, required, el, () => el.value.trim() || null);
      };
      text("attendee.name", "Name", true, { autocomplete: "name", maxLength: 200 });
      text("attendee.email", "Email", true, { type: "email", autocomplete: "email", maxLength: 254 });
      text("attendee.phone", "Phone", false, { type: "tel", autocomplete: "tel", maxLength: 32 });
      text("notes", "Notes", false, { rows: 3, maxLength: 5000 });
      for (const q of qs) {
        const key = "answers." + q.id;
        if (q.type === "choice") {
          const sel = h("select", { id: "sk-f-" + inputs.size, name: key, required: q.required },
            h("option", { value: "" }, "Choose\u2026"), ...(q.options || []).map((o) => h("option", { value: o }, o)));
          add(key, q.label, q.required, sel, () => sel.value || null);
        } else if (q.type === "yes_no") {
          const n = "sk-q-" + inputs.size;
          /** @param {string} v @param {string} t */
          const radio = (v, t) => h("label", null, h("input", { type: "radio", name: n, value: v, required: q.required }), t);
          const legend = h("legend", null, q.label + (q.required ? " (required)" : " (optional)"));
          const set = h("fieldset", { id: n, role: "radiogroup" }, legend, radio("yes", "Yes"), radio("no", "No"));
          add(key, q.label, q.required, set, () => {
            const on = /** @type {HTMLInputElement | null} */ (set.querySelector("input:checked"));
            return on ? on.value === "yes" : null;
          }, null);
        } else {
          text(key, q.label, q.required, { maxLength: 1000 });
        }
      }
    }

    /** Shows each field's error beside it (and clears the others). @param {Record<string, string>} errs */
    function showErrors(errs) {
      let firstBad = null;
      for (const [key, f] of inputs) {
        const msg = errs[key];
        f.err.hidden = !msg;
        f.err.textContent = msg ? f.label + " " + msg : "";
        f.el.setAttribute("aria-invalid", String(!!msg));
        if (msg && !firstBad) firstBad = f.el;
      }
      if (firstBad) (/** @type {HTMLElement} */ (firstBad.querySelector("input") || firstBad)).focus();
      return !!firstBad;
    }

    async function book() {
      if (!chosen || !et || submit.disabled) return;
      /** @type {Record<string, string>} */
      const errs = {};
      /** @type {Record<string, string | boolean>} */
      const answers = {};
      /** @type {Record<string, string | null>} */
      const v = {};
      for (const [key, f] of inputs) {
        const val = f.value();
        if (f.required && val === null) errs[key] = "is required";
        if (key.startsWith("answers.")) { if (val !== null) answers[key.slice(8)] = val; }
        else v[key] = /** @type {string | null} */ (val);
      }
      const email = v["attendee.email"];
      if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errs["attendee.email"] = "must be an email address";
      if (showErrors(errs)) {
        alert.textContent = "Check the fields marked below.";
        return;
      }
      // Empty optional fields are left out rather than sent as null.
      const attendee = { name: v["attendee.name"], email, time_zone: tz, ...(v["attendee.phone"] ? { phone: v["attendee.phone"] } : {}) };
      const body = {
        event_type_slug: et.slug,
        start: chosen.start,
        attendee,
        ...(v.notes ? { notes: v.notes } : {}),
        ...(Object.keys(answers).length ? { answers } : {}),
      };
      submit.disabled = true;
      alert.textContent = "";
      status.textContent = "Booking\u2026";
      const sent = JSON.stringify(body);
      if (sent !== lastSent) {
        lastSent = sent;
        idemKey = typeof crypto.randomUUID === "function" ? crypto.randomUUID() : "";
      }
      const a = await api(base + "bookings", body, idemKey ? { "idempotency-key": idemKey } : {}).catch(() => null);
      submit.disabled = false;
      status.textContent = "";
      if (a && a.status === 201) return confirmed(/** @type {Booking} */ (a.body));
      if (a && a.status === 422 && a.body && Array.isArray(a.body.errors) && a.body.errors.length) {
        /** @type {Record<string, string>} */
        const fieldErrs = {};
        const other = [];
        for (const e of a.body.errors) {
          if (inputs.has(e.field)) fieldErrs[e.field] = e.message;
          else other.push(e.field + " " + e.message);
        }
        showErrors(fieldErrs);
        alert.textContent = other.length ? other.join("; ") : "Check the fields marked below.";
        return;
      }
      if (a && a.body && Array.isArray(a.body.alternatives)) return offer(a);
      alert.textContent = problem(a);
    }

    /** The time was taken (or is no longer open): offer the nearest free ones. @param {Answer} a */
    function offer(a) {
      /** @type {Slot[]} */
      const list = a.body.alternatives;
      alert.textContent = (a.status === 409 ? "Sorry, that time was just taken." : "That time is no longer available.")
        + (list.length ? " Choose another time below; your details are kept." : " Choose another time.");
      alts.replaceChildren(...list.map((s) => h("li", null, h("button", {
        type: "button", "data-start": s.start, onclick: () => {
          chosen = s;
          summary.textContent = whenText(s);
          alert.textContent = "Time changed to " + whenText(s) + ". Confirm to book it.";
          alts.replaceChildren();
          submit.focus();
        },
      }, dateOf(s.start) + ", " + timeOf(s.start)))));
      load(); // the month behind the form shows the taken time gone
      const firstAlt = alts.querySelector("button");
      (firstAlt || summary).focus();
    }

    /** @param {Booking} b */
    function confirmed(b) {
      const title = et ? et.title : "Booking";
      const when = whenText(b);
      const details = "Confirmation code: " + b.confirmation_code + (b.manage_url ? "\nChange or cancel: " + b.manage_url : "");
      const file = URL.createObjectURL(new Blob([ics(b, title, details)], { type: "text/calendar" }));
      const google = "https://calendar.google.com/calendar/render?" + new URLSearchParams({
        action: "TEMPLATE", text: title, dates: compact(b.start) + "/" + compact(b.end), details,
      });
      const outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + new URLSearchParams({
        path: "/calendar/action/compose", rru: "addevent", subject: title,
        startdt: new Date(b.start).toISOString(), enddt: new Date(b.end).toISOString(), body: details,
      });
      const head = h(sub, { tabIndex: -1 }, "You are booked");
      done.replaceChildren(head,
        h("p", null, title + ": " + when),
        h("p", null, "Confirmation code: ", h("span", { className: "code" }, b.confirmation_code)),
        h("p", { className: "muted" }, "A confirmation is on its way to your email."),
        h("div", { className: "actions", role: "group", "aria-label": "Add to calendar" },
          h("a", { href: file, download: "booking.ics" }, "Download calendar file (.ics)"),
          h("a", { href: google, target: "_blank", rel: "noopener" }, "Add to Google Calendar"),
          h("a", { href: outlook, target: "_blank", rel: "noopener" }, "Add to Outlook")),
        b.manage_url ? h("p", null, h("a", { href: b.manage_url, className: "manage" }, "Change or cancel this booking")) : "");
      about.hidden = true;
      status.className = "sr"; // said to screen readers; the page shows the same below
      show("done", head);
      status.textContent = "Booked: " + when + ". Confirmation code " + b.confirmation_code + ".";
      host.dispatchEvent(new CustomEvent("sked:booked", {
        bubbles: true, composed: true,
        detail: { booking_id: b.id, confirmation_code: b.confirmation_code, start: b.start },
      }));
    }

    start();
  }

  /** A shadow root's own stylesheet (constructed, so `style-src 'self'` pages allow it). @param {ShadowRoot} root */
  function style(root) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (_) {
      root.append(h("style", null, CSS)); // engines without constructed sheets
    }
  }

  /** @param {HTMLElement} host */
  function mount(host) {
    if (host.shadowRoot || host.dataset.skedMounted) return;
    host.dataset.skedMounted = "1";
    const [tenant, slug] = (host.dataset.skedBooking || "").split("/");
    if (!tenant || !slug) return;
    const root = host.attachShadow({ mode: "open" });
    style(root);
    if (host.dataset.skedMode !== "button") return flow(host, root, tenant, slug);

    const fab = h("button", { type: "button", className: "fab", "aria-haspopup": "dialog" }, host.dataset.skedLabel || "Book a time");
    const close = h("button", { type: "button", className: "close link", "aria-label": "Close" }, "\u2715");
    const body = h("div");
    const dialog = h("dialog", { "aria-label": host.dataset.skedLabel || "Book a time" }, close, body);
    let built = false;
    fab.addEventListener("click", () => {
      if (!built) { built = true; flow(host, body, tenant, slug); }
      dialog.showModal();
    });
    close.addEventListener("click", () => dialog.close());
    // Escape closes a modal dialog natively; focus then goes back to the button.
    dialog.addEventListener("close", () => fab.focus());
    root.append(fab, dialog);
  }

  function init() {
    for (const el of document.querySelectorAll("[data-sked-booking]")) mount(/** @type {HTMLElement} */ (el));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
