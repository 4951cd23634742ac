// Staff dashboard: live feed (server-sent events), new-alert announcements, confirmations.
// No inline scripts: this file is the only script the dashboard loads.
(function () {
  "use strict";

  const body = document.body;
  const feedUrl = body.dataset.feedUrl;
  const intakeUrl = body.dataset.intakeUrl;
  const rowsUrl = body.dataset.rowsUrl;
  const banner = document.getElementById("alert-banner");
  const bannerTitle = document.getElementById("alert-title");
  const bannerList = document.getElementById("alert-list");
  const announcer = document.getElementById("announcer");
  const liveState = document.getElementById("live-state");
  const baseTitle = document.title;
  const queueUrl = intakeUrl ? intakeUrl.replace(/intakes\/$/, "") : "";
  const MAX_LISTED = 5;

  // Alerts the page already showed when it loaded (queue page); elsewhere the first
  // event sets the baseline. The banner itself always shows every unacknowledged alert.
  const known = new Set(JSON.parse(body.dataset.knownAlerts || "null") || []);
  let baselineSet = body.dataset.knownAlerts !== undefined;
  let dismissed = false;

  function setLiveState(text, className) {
    if (!liveState) return;
    liveState.textContent = text;
    liveState.className = "live-state " + className;
  }

  function timeOf(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function showBanner(alerts) {
    if (!banner) return;
    if (alerts.length === 0 || dismissed) {
      banner.hidden = true;
      document.title = baseTitle;
      return;
    }
    const emergencies = alerts.filter((alert) => alert.tier === "emergency").length;
    bannerTitle.textContent =
      alerts.length === 1
        ? "1 escalated intake is waiting for acknowledgement"
        : alerts.length + " escalated intakes are waiting for acknowledgement";
    // Emergencies first, then the newest: the one that just arrived is always listed.
    const ordered = alerts.slice().sort(
      (a, b) =>
        (b.tier === "emergency") - (a.tier === "emergency") ||
        String(b.escalated_at).localeCompare(String(a.escalated_at))
    );
    const items = ordered.slice(0, MAX_LISTED).map((alert) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = intakeUrl + encodeURIComponent(alert.id);
        link.textContent =
          alert.tier.toUpperCase() + " intake #" + alert.id + " (" + timeOf(alert.escalated_at) + ")";
        item.append(link);
        return item;
      });
    if (ordered.length > MAX_LISTED) {
      const more = document.createElement("li");
      const link = document.createElement("a");
      link.href = queueUrl + "?status=escalated";
      link.textContent = "and " + (ordered.length - MAX_LISTED) + " more";
      more.append(link);
      items.push(more);
    }
    bannerList.replaceChildren(...items);
    banner.classList.toggle("urgent-only", emergencies === 0);
    banner.hidden = false;
    document.title = "(" + alerts.length + ") " + baseTitle;
  }

  function announce(newAlerts) {
    const parts = newAlerts.map(
      (alert) => "New " + alert.tier + " intake number " + alert.id + " at " + timeOf(alert.escalated_at) + "."
    );
    // Clear first so screen readers announce the same text again.
    announcer.textContent = "";
    window.setTimeout(() => {
      announcer.textContent = parts.join(" ");
    }, 50);
  }

  async function refreshRows() {
    if (!rowsUrl) return;
    const response = await fetch(rowsUrl + window.location.search, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) return;
    // Server-rendered, escaped markup from our own origin.
    document.getElementById("queue-rows").innerHTML = await response.text();
  }

  function onQueueEvent(event) {
    const alerts = JSON.parse(event.data).alerts;
    const fresh = baselineSet ? alerts.filter((alert) => !known.has(alert.id)) : [];
    alerts.forEach((alert) => known.add(alert.id));
    baselineSet = true;
    if (fresh.length > 0) {
      dismissed = false;
      announce(fresh);
    }
    showBanner(alerts);
    refreshRows();
  }

  function connect() {
    const source = new EventSource(feedUrl);
    source.addEventListener("open", () => setLiveState("Live", "live"));
    source.addEventListener("queue", onQueueEvent);
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (signed out or session expired).
        setLiveState("Live updates stopped: reload the page", "stopped");
      } else {
        setLiveState("Reconnecting…", "");
      }
    });
  }

  if (feedUrl) {
    document.getElementById("alert-dismiss").addEventListener("click", () => {
      dismissed = true;
      banner.hidden = true;
    });
    connect();
  }

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
