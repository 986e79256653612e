// The console's only script: the queue refreshes itself, forms know where they are, and the
// caller's contact field asks for what "Came in by" says.
"use strict";

document.querySelectorAll("input[data-here]").forEach((input) => {
  input.value = window.location.pathname + window.location.search;
});

const live = document.getElementById("live");
const rows = document.getElementById("queue-rows");
if (live && rows) {
  const EVERY_MS = 3000;
  let version = live.dataset.version || "";
  const refresh = async () => {
    try {
      const since = encodeURIComponent(version);
      const answer = await fetch(`${live.dataset.rows}&since=${since}`, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (answer.redirected) {
        window.location.reload(); // signed out meanwhile: the page shows the sign-in form
        return;
      }
      if (answer.status === 200) {
        const before = new Set([...rows.querySelectorAll("tr[data-ticket]")].map((row) => row.dataset.ticket));
        rows.innerHTML = await answer.text();
        version = answer.headers.get("X-Queue-Version") || version;
        rows.querySelectorAll("tr[data-ticket]").forEach((row) => {
          if (!before.has(row.dataset.ticket)) row.classList.add("fresh");
        });
        live.dataset.version = version;
      } else if (answer.status === 401 || answer.status === 403) {
        window.location.reload();
        return;
      }
    } catch (error) {
      // The server is restarting or the network blinked: try again at the next tick.
    }
    window.setTimeout(refresh, EVERY_MS);
  };
  window.setTimeout(refresh, EVERY_MS);
}

const changed = document.getElementById("changed");
if (changed) {
  const check = async () => {
    try {
      const since = encodeURIComponent(changed.dataset.version || "");
      const answer = await fetch(`${changed.dataset.check}?since=${since}`, { credentials: "same-origin" });
      if (answer.status === 200 && !answer.redirected) {
        changed.hidden = false; // someone acted or the reporter wrote: offer the new state
        return;
      }
    } catch (error) {
      // Try again at the next tick.
    }
    window.setTimeout(check, 5000);
  };
  window.setTimeout(check, 5000);
}

const source = document.querySelector("#caller-form select[name=source]");
const contactLabel = document.getElementById("contact-label");
const contact = document.querySelector("#caller-form input[name=contact]");
if (source && contactLabel && contact) {
  const fit = () => {
    const way = source.value === "email" ? "email" : "phone";
    contactLabel.textContent = contactLabel.dataset[way];
    contact.placeholder = contact.dataset[way];
    contact.type = way === "email" ? "email" : "tel";
    contact.autocomplete = way === "email" ? "email" : "tel";
  };
  source.addEventListener("change", fit);
  fit();
}
