/*
 * Patient chat widget for the physio intake assistant.
 *
 * Embed with one classic script tag (not type="module": the widget reads its own tag):
 *   <script src="https://clinic.example/static/widget/widget.js" defer
 *           data-server-url="https://rasa.clinic.example"
 *           data-clinic-name="Riverside Physiotherapy" data-clinic-phone="+1 555 0100"
 *           data-emergency-number="911"></script>
 *
 * It talks to Rasa's REST channel (one POST per turn, see docs/widget.md for why), keeps the
 * conversation id and the transcript in sessionStorage so a reload resumes, and renders every
 * message with textContent only: bot and patient text are never parsed as HTML. Every message
 * carries an id (metadata.message_id); resending after a network error reuses it, so Rasa
 * answers a message that did arrive without processing it twice.
 * No inline scripts or styles, so it runs under `script-src 'self'; style-src 'self'`.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  const HOST_ID = "physio-intake-widget";
  if (!script || document.getElementById(HOST_ID)) {
    return; // loaded as a module (no currentScript) or included twice
  }

  const REQUEST_TIMEOUT_MS = 30000;
  const GROUP_GAP_MS = 2 * 60 * 1000; // messages closer than this share one time stamp
  const STORAGE_VERSION = 1;
  const START_PAYLOAD = "/greet";

  const config = {
    serverUrl: (script.dataset.serverUrl || "").replace(/\/+$/, ""),
    clinicName: script.dataset.clinicName || "the clinic",
    clinicPhone: script.dataset.clinicPhone || "",
    emergencyNumber: script.dataset.emergencyNumber || "911",
    stylesheet: new URL("widget.css", script.src).href,
  };
  const storageKey = `${HOST_ID}:${config.serverUrl}`;

  // ---- state, persisted per browser tab ------------------------------------------------------

  function newState() {
    return {
      version: STORAGE_VERSION,
      sender: `web-${randomHex(16)}`,
      started: false, // the patient has read the notice and pressed Start
      open: false,
      messages: [], // {role: "bot" | "patient", text, time (ISO), tone?: "emergency"}
      quickReplies: [], // {title, payload} of the latest bot message
      mode: "normal", // "normal" | "urgent" | "emergency"; only goes up
      pinnedText: "",
      clinicPhone: config.clinicPhone,
      emergencyNumber: config.emergencyNumber,
      unconfirmed: null, // {message, id} of a message sent without a reply: resent with its id
    };
  }

  function newMessageId() {
    // A version 4 UUID from getRandomValues (randomUUID needs a secure context).
    const hex = randomHex(16).split("");
    hex[12] = "4";
    hex[16] = "89ab"[parseInt(hex[16], 16) % 4];
    const text = hex.join("");
    return [0, 8, 12, 16, 20].map((start, i, cuts) => text.slice(start, cuts[i + 1])).join("-");
  }

  function randomHex(bytes) {
    // getRandomValues works outside secure contexts too (randomUUID does not).
    const values = crypto.getRandomValues(new Uint8Array(bytes));
    return Array.from(values, (value) => value.toString(16).padStart(2, "0")).join("");
  }

  function loadState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storageKey) || "null");
      if (saved && saved.version === STORAGE_VERSION && typeof saved.sender === "string") {
        return saved;
      }
    } catch (error) {
      // Storage disabled or corrupt: start a fresh conversation.
    }
    return newState();
  }

  function saveState() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      // Storage disabled or full: the chat still works, it just won't survive a reload.
    }
  }

  let state = loadState();
  let sending = false;

  // ---- DOM helpers (text only, never HTML) -----------------------------------------------------

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "class") {
        node.className = value;
      } else {
        node.setAttribute(name, value);
      }
    }
    node.append(...children); // strings become text nodes
    return node;
  }

  function telHref(number) {
    return `tel:${number.replace(/[^\d+]/g, "")}`;
  }

  function phoneLink(number, label = number) {
    return el("a", { class: "pw-tel", href: telHref(number) }, label);
  }

  function usablePhone(value, fallback) {
    // A template placeholder Rasa could not fill ("{clinic_phone}") is not a number.
    return typeof value === "string" && /\d/.test(value) && !value.includes("{") ? value : fallback;
  }

  function clinicPhoneSentence(before) {
    const phone = state.clinicPhone;
    if (!phone) {
      return [`${before} the clinic.`];
    }
    return [`${before} `, phoneLink(phone), "."];
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // ---- build the widget ------------------------------------------------------------------------

  const host = el("div", { id: HOST_ID });
  host.hidden = true; // until the stylesheet has loaded, so nothing flashes unstyled
  const root = host.attachShadow({ mode: "open" });
  const stylesheet = el("link", { rel: "stylesheet", href: config.stylesheet });

  const launcher = el(
    "button",
    { class: "pw-launcher", type: "button", "aria-expanded": "false", "aria-controls": "pw-panel" },
    el("span", { class: "pw-launcher-icon", "aria-hidden": "true" }),
    "Chat with us",
  );

  const title = el("h2", { id: "pw-title", class: "pw-title" }, config.clinicName);
  const restartButton = el("button", { class: "pw-header-button", type: "button" }, "Start over");
  const closeButton = el(
    "button",
    { class: "pw-header-button pw-close", type: "button", "aria-label": "Close chat" },
    el("span", { "aria-hidden": "true" }, "\u00d7"),
  );
  // A div, not <header>: the page has its own banner landmark.
  const header = el(
    "div",
    { class: "pw-header" },
    el(
      "div",
      { class: "pw-heading" },
      title,
      el("p", { class: "pw-subtitle" }, "Symptom intake assistant"),
    ),
    el("div", { class: "pw-header-actions" }, restartButton, closeButton),
  );

  // Live regions exist from the start (empty) so screen readers announce what is put into them.
  const emergencyBanner = el("div", { class: "pw-emergency", role: "alert", tabindex: "-1" });
  const urgentBanner = el("div", { class: "pw-urgent", role: "status" });
  const errorNotice = el("div", { class: "pw-error", role: "alert" });
  const announcer = el("div", { class: "pw-visually-hidden", "aria-live": "polite" });

  const confirmYes = el(
    "button",
    { class: "pw-button pw-button-primary", type: "button" },
    "Yes, start over",
  );
  const confirmNo = el("button", { class: "pw-button", type: "button" }, "Cancel");
  const restartConfirm = el(
    "div",
    { class: "pw-confirm", role: "group", "aria-labelledby": "pw-confirm-text" },
    el(
      "p",
      { id: "pw-confirm-text" },
      "Start again from the beginning? What you have typed so far will be cleared from this window.",
    ),
    el("div", { class: "pw-confirm-actions" }, confirmYes, confirmNo),
  );
  restartConfirm.hidden = true;

  const startButton = el(
    "button",
    { class: "pw-button pw-button-primary pw-start", type: "button" },
    "Start",
  );
  const notice = el(
    "div",
    { class: "pw-notice", role: "group", "aria-labelledby": "pw-notice-title" },
    el("h3", { id: "pw-notice-title" }, "Before you start"),
    el(
      "p",
      {},
      `This assistant asks about your symptoms so your physiotherapist at ${config.clinicName} ` +
        "can prepare your visit. It takes about 5 minutes.",
    ),
    el(
      "p",
      {},
      "Nothing is sent until you press Start. The assistant will then explain how your answers " +
        "are stored and ask for your consent before any questions. Only clinic staff read them.",
    ),
    el(
      "p",
      { class: "pw-notice-warning" },
      "Not for emergencies. If you have chest pain, trouble breathing, sudden weakness or " +
        "numbness, or you might hurt yourself, call ",
      phoneLink(config.emergencyNumber),
      " now.",
    ),
    startButton,
  );

  const log = el("ol", { class: "pw-log" });
  const typing = el("div", { class: "pw-typing", role: "status" });
  // Focusable, so keyboard users can scroll back through the conversation.
  const scroller = el(
    "div",
    { class: "pw-scroller", role: "region", "aria-label": "Conversation", tabindex: "0" },
    notice,
    log,
    typing,
  );

  const quickReplies = el("div", {
    class: "pw-replies",
    role: "group",
    "aria-label": "Suggested answers",
  });

  const input = el("textarea", {
    id: "pw-input",
    class: "pw-input",
    rows: "1",
    maxlength: "2000",
    autocomplete: "off",
    enterkeyhint: "send",
  });
  const sendButton = el("button", { class: "pw-send", type: "submit" }, "Send");
  const form = el(
    "form",
    { class: "pw-form" },
    el("label", { class: "pw-visually-hidden", for: "pw-input" }, "Your message"),
    input,
    sendButton,
  );

  const panel = el(
    "section",
    { id: "pw-panel", class: "pw-panel", role: "dialog", "aria-labelledby": "pw-title" },
    header,
    emergencyBanner,
    urgentBanner,
    restartConfirm,
    scroller,
    errorNotice,
    quickReplies,
    form,
    announcer,
  );
  panel.hidden = true;

  const reveal = () => {
    host.hidden = false;
  };
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal); // unstyled but usable beats invisible

  root.append(stylesheet, el("div", { class: "pw-root" }, launcher, panel));

  // ---- rendering -------------------------------------------------------------------------------

  function renderMessage(message, previous) {
    const startsGroup =
      !previous ||
      previous.role !== message.role ||
      new Date(message.time) - new Date(previous.time) > GROUP_GAP_MS;
    let group = log.lastElementChild;
    if (startsGroup || !group) {
      const time = new Date(message.time);
      group = el(
        "li",
        { class: `pw-group pw-group-${message.role}` },
        el(
          "p",
          { class: "pw-meta" },
          el("span", { class: "pw-who" }, message.role === "bot" ? "Assistant" : "You"),
          " ",
          el("time", { datetime: message.time }, timeFormat.format(time)),
        ),
      );
      log.append(group);
    }
    const bubble = el("p", { class: "pw-bubble" }, message.text);
    if (message.tone === "emergency") {
      bubble.classList.add("pw-bubble-emergency");
    }
    group.append(bubble);
  }

  function renderLog() {
    log.replaceChildren();
    renderMessagesFrom(0);
  }

  function renderMessagesFrom(first) {
    for (let index = first; index < state.messages.length; index += 1) {
      renderMessage(state.messages[index], state.messages[index - 1]);
    }
  }

  function renderQuickReplies() {
    quickReplies.replaceChildren(
      ...state.quickReplies.map((reply) => {
        const button = el("button", { class: "pw-reply", type: "button" }, reply.title);
        // event.detail is 0 when a key (not a pointer) pressed the button.
        button.addEventListener("click", (event) =>
          send(reply.payload, reply.title, event.detail === 0),
        );
        return button;
      }),
    );
    quickReplies.hidden = state.quickReplies.length === 0;
  }

  function renderMode() {
    const paused = state.mode === "emergency";
    panel.dataset.mode = state.mode;
    emergencyBanner.replaceChildren();
    urgentBanner.replaceChildren();
    if (paused) {
      emergencyBanner.append(
        el("h3", {}, "Get medical help now"),
        el("p", { class: "pw-pinned" }, state.pinnedText),
        el(
          "p",
          { class: "pw-call-actions" },
          phoneLink(state.emergencyNumber, `Call ${state.emergencyNumber}`),
          ...(state.clinicPhone
            ? [" ", phoneLink(state.clinicPhone, `Call the clinic: ${state.clinicPhone}`)]
            : []),
        ),
      );
    } else if (state.mode === "urgent") {
      urgentBanner.append(
        el("p", { class: "pw-urgent-title" }, "A clinician will call you today."),
        el(
          "p",
          {},
          "If you feel worse, call ",
          phoneLink(state.emergencyNumber),
          ".",
          ...(state.clinicPhone ? [" Clinic: ", phoneLink(state.clinicPhone), "."] : []),
        ),
      );
    }
    input.disabled = paused;
    sendButton.disabled = paused;
    input.placeholder = paused
      ? `Chat paused. Please call ${state.emergencyNumber} now.`
      : "Type your answer";
    // One click must not clear the emergency instructions away.
    restartButton.hidden = paused || !state.started;
    if (paused) {
      restartConfirm.hidden = true;
    }
  }

  function renderAll() {
    renderLog();
    renderControls();
  }

  function renderControls() {
    notice.hidden = state.started;
    form.hidden = !state.started;
    renderQuickReplies();
    renderMode();
  }

  function showTyping(shown) {
    if (shown) {
      typing.replaceChildren(
        el("span", { class: "pw-dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
        "The assistant is typing\u2026",
      );
    } else {
      typing.replaceChildren();
    }
  }

  function scrollToEnd() {
    followingEnd = true;
    scroller.scrollTo({
      top: scroller.scrollHeight,
      behavior: reducedMotion.matches ? "auto" : "smooth",
    });
  }

  // Keep the latest message in view when the chat gets shorter (an on-screen keyboard opens, a
  // banner appears, the phone turns), unless the patient has scrolled back up to read.
  let followingEnd = true;
  let lastScrollTop = 0;
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4) {
      followingEnd = true;
    } else if (scroller.scrollTop < lastScrollTop) {
      followingEnd = false;
    }
    lastScrollTop = scroller.scrollTop;
  });
  new ResizeObserver(() => {
    if (followingEnd) {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }).observe(scroller);

  function announce(text) {
    announcer.textContent = "";
    // A separate task, so the same sentence twice in a row is still announced.
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  // What the patient reads when a message was not taken; the typed text stays in the box.
  function errorWords(failure) {
    if (failure.status === 413) {
      const limit = Number.isInteger(failure.limit)
        ? ` (at most ${failure.limit.toLocaleString()} characters)`
        : "";
      return [
        `Your message is too long for the assistant${limit}. ` +
          "Please shorten it and send it again.",
      ];
    }
    if (failure.status === 429) {
      const wait = Number.isInteger(failure.retryAfter)
        ? `${failure.retryAfter} second${failure.retryAfter === 1 ? "" : "s"}`
        : "a moment";
      return [
        `Messages are arriving too quickly. Please wait ${wait}, then press Send again. `,
        ...clinicPhoneSentence("If you can't wait, please call"),
      ];
    }
    if (failure.status >= 400 && failure.status < 500) {
      return ["The assistant couldn't read that message. Please change it and send it again."];
    }
    return [
      "Sorry, we can't reach the assistant right now. ",
      ...clinicPhoneSentence("Please call"),
      " If you feel seriously unwell, call ",
      phoneLink(state.emergencyNumber),
      " now.",
    ];
  }

  function showError(failure) {
    errorNotice.replaceChildren(el("p", {}, ...errorWords(failure)));
  }

  // ---- talking to Rasa -------------------------------------------------------------------------

  // {replies} or {failure: {status, retryAfter?, limit?}}; status 0 when nothing came back.
  async function postToRasa(message, messageId) {
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    // ?sender= lets a load balancer send every message of a conversation to the same instance.
    const sender = encodeURIComponent(state.sender);
    const url = `${config.serverUrl}/webhooks/rest/webhook?sender=${sender}`;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          sender: state.sender,
          message,
          metadata: { message_id: messageId },
        }),
        credentials: "omit",
        cache: "no-store",
        signal: controller.signal,
      });
      if (!response.ok) {
        const refusal = await response.json().catch(() => ({}));
        return {
          failure: {
            status: response.status,
            retryAfter: refusal.retry_after,
            limit: refusal.limit,
          },
        };
      }
      const replies = await response.json();
      // Rasa answers [] when it lost the conversation (e.g. its tracker store failed): a failure.
      return Array.isArray(replies) && replies.length > 0
        ? { replies }
        : { failure: { status: 0 } };
    } catch (error) {
      // Network error, CORS refusal, time-out or a body that is not JSON.
      return { failure: { status: 0 } };
    } finally {
      window.clearTimeout(timer);
    }
  }

  function applyReplies(replies) {
    const now = new Date().toISOString();
    const spoken = [];
    let lastText = null; // the bot message an escalation marker belongs to
    let mode = state.mode;
    state.quickReplies = [];
    for (const reply of replies) {
      if (typeof reply.text === "string" && reply.text.trim()) {
        lastText = { role: "bot", text: reply.text, time: now };
        state.messages.push(lastText);
        spoken.push(reply.text);
      }
      if (Array.isArray(reply.buttons)) {
        state.quickReplies = reply.buttons
          .filter(
            (button) => typeof button.title === "string" && typeof button.payload === "string",
          )
          .map((button) => ({ title: button.title, payload: button.payload }));
      }
      // The escalation responses carry {"state": "emergency" | "urgent", "phone", ...} as a
      // separate message right after their text.
      const custom = reply.custom;
      if (!custom || (custom.state !== "emergency" && custom.state !== "urgent")) {
        continue;
      }
      state.clinicPhone = usablePhone(custom.phone, state.clinicPhone);
      state.emergencyNumber = usablePhone(custom.emergency_number, state.emergencyNumber);
      if (custom.state === "emergency") {
        mode = "emergency";
        if (lastText) {
          lastText.tone = "emergency";
          state.pinnedText = lastText.text;
        } else {
          state.pinnedText = `Please call ${state.emergencyNumber} now or go to the nearest emergency department.`;
        }
      } else if (mode === "normal") {
        mode = "urgent"; // the tier only goes up
      }
    }
    state.mode = mode;
    if (mode === "emergency") {
      state.quickReplies = []; // the conversation is paused: nothing to answer
    } else {
      // In an emergency the banner is an alert and speaks for itself.
      announce(spoken.join(" "));
    }
  }

  async function send(message, shownText = message, byKeyboard = true) {
    if (sending || state.mode === "emergency") {
      return;
    }
    sending = true;
    const isStart = !state.started;
    const sentAt = new Date().toISOString();
    input.readOnly = true;
    sendButton.disabled = true;
    errorNotice.replaceChildren();
    if (!isStart) {
      // Shown straight away, taken back if it does not arrive.
      renderMessage(
        { role: "patient", text: shownText, time: sentAt },
        state.messages[state.messages.length - 1],
      );
      state.quickReplies = [];
      renderQuickReplies();
    }
    showTyping(true);
    scrollToEnd();

    // The same text again after a failure keeps its id: if the first try did reach Rasa, Rasa
    // answers from that one instead of taking the answer twice.
    if (!state.unconfirmed || state.unconfirmed.message !== message) {
      state.unconfirmed = { message, id: newMessageId() };
    }
    saveState();
    const { replies, failure } = await postToRasa(message, state.unconfirmed.id);

    showTyping(false);
    input.readOnly = false;
    sendButton.disabled = false;
    sending = false;
    if (failure) {
      renderAll(); // takes the unsent message back out; typed text is still in the input
      showError(failure);
      keepFocus(byKeyboard, quickReplies.querySelector("button") || input);
      return;
    }
    state.unconfirmed = null;
    const firstNew = state.messages.length;
    if (isStart) {
      state.started = true;
    } else {
      state.messages.push({ role: "patient", text: shownText, time: sentAt });
      if (message === input.value.trim()) {
        input.value = ""; // it came from the text box (a button leaves typed text alone)
      }
    }
    applyReplies(replies);
    saveState();
    renderMessagesFrom(isStart ? firstNew : firstNew + 1); // the patient's line is already shown
    renderControls();
    scrollToEnd();
    if (state.mode === "emergency") {
      emergencyBanner.focus({ preventScroll: true });
    } else {
      keepFocus(byKeyboard, input);
    }
  }

  function keepFocus(byKeyboard, target) {
    // When the focused button was replaced, keyboard users continue at `target`. Pointer and
    // touch users are left alone: focusing the text box would pop up the on-screen keyboard.
    const focused = root.activeElement;
    if (byKeyboard && (!focused || focused.closest("[hidden]"))) {
      target.focus();
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  function setOpen(open) {
    state.open = open;
    saveState();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      scrollToEnd();
    }
  }

  launcher.addEventListener("click", () => {
    setOpen(true);
    if (state.mode === "emergency") {
      emergencyBanner.focus({ preventScroll: true });
    } else {
      (state.started ? input : startButton).focus();
    }
  });

  closeButton.addEventListener("click", () => {
    setOpen(false);
    launcher.focus();
  });

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false);
      launcher.focus();
    }
  });

  startButton.addEventListener("click", (event) => send(START_PAYLOAD, "", event.detail === 0));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) {
      send(text);
    }
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter adds a line; not while an input method is composing a word.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  restartButton.addEventListener("click", () => {
    restartConfirm.hidden = false;
    confirmNo.focus();
  });

  confirmNo.addEventListener("click", () => {
    restartConfirm.hidden = true;
    restartButton.focus();
  });

  confirmYes.addEventListener("click", () => {
    state = { ...newState(), open: true };
    saveState();
    restartConfirm.hidden = true;
    input.value = "";
    renderAll();
    startButton.focus();
  });

  // ---- start -----------------------------------------------------------------------------------

  function mount() {
    document.body.append(host);
    renderAll();
    setOpen(state.open);
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount, { once: true });
  }
})();
