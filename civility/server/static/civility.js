/* Civility moderator UI: keyboard shortcuts and in-place actions for the review queue.
   Every page works without this file (forms post and redirect back); this only makes the
   work faster. No dependencies, no inline handlers (the page's CSP allows 'self' only). */
(() => {
  "use strict";

  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const live = document.getElementById("live");
  const help = document.getElementById("help");
  const queue = document.getElementById("queue");
  const bulk = document.getElementById("bulk");
  const selectAll = document.getElementById("select-all");
  const selectedCount = document.getElementById("selected-count");
  const badge = document.getElementById("queue-count");
  const pageDone = document.getElementById("page-done");
  // What a decision is called once made: ui.DONE_WORDS, carried by the queue (one list, not two).
  const WORDS = JSON.parse(queue?.dataset.words || "{}");

  let current = null;
  let lastAction = null; // { ids, items } of the last approve/reject, for undo

  function announce(message) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(() => { live.textContent = message; }, 40);
  }

  const items = () => Array.from(document.querySelectorAll(".qitem"));
  const open = (el) => !el.classList.contains("is-decided");
  const label = (el) => el.querySelector(".meta .author")?.textContent.trim() || "anonymous";

  function setCurrent(el, focus = true) {
    if (!el) return;
    for (const it of items()) {
      it.classList.toggle("is-current", it === el);
      it.tabIndex = it === el ? 0 : -1;
    }
    current = el;
    if (focus) {
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "nearest", behavior: "auto" });
    }
  }

  function move(delta) {
    const list = items().filter((it) => open(it) || it === current);
    if (!list.length) return;
    if (!current || !list.includes(current)) {
      setCurrent(delta > 0 ? list[0] : list[list.length - 1]);
      return;
    }
    const next = list[list.indexOf(current) + delta];
    if (next) setCurrent(next);
    else announce(delta > 0 ? "Last comment on this page." : "First comment on this page.");
  }

  function selectedItems() {
    return items().filter((it) => it.querySelector('.qsel input[type="checkbox"]')?.checked);
  }

  function refreshSelection() {
    const chosen = selectedItems();
    for (const it of items()) {
      it.classList.toggle("is-selected", chosen.includes(it));
    }
    if (selectedCount) selectedCount.textContent = `${chosen.length} selected`;
    if (bulk) {
      for (const b of bulk.querySelectorAll("button[data-bulk]")) b.disabled = chosen.length === 0;
    }
    if (selectAll) {
      const openItems = items().filter(open);
      selectAll.checked = openItems.length > 0 && chosen.length === openItems.length;
      selectAll.indeterminate = chosen.length > 0 && chosen.length < openItems.length;
    }
  }

  function toggleSelect(el) {
    const box = el?.querySelector('.qsel input[type="checkbox"]');
    if (!box || box.disabled) return;
    box.checked = !box.checked;
    refreshSelection();
    announce(`${box.checked ? "Selected" : "Deselected"} comment by ${label(el)}.`);
  }

  // The reason chosen beside a Reject button (the item's own, or the bulk toolbar's).
  function reasonOf(scope) {
    return {
      code: scope?.querySelector("select.reason")?.value || "",
      note: scope?.querySelector("input.note")?.value.trim() || "",
    };
  }

  function clearReason(scope) {
    const select = scope?.querySelector("select.reason");
    const note = scope?.querySelector("input.note");
    if (select) select.value = "";
    if (note) note.value = "";
  }

  async function post(ids, action, reason) {
    const body = new URLSearchParams();
    body.append("csrf_token", csrf);
    for (const id of ids) body.append("ids", id);
    body.append("action", action);
    if (action === "reject" && reason?.code) {
      body.append("reason_code", reason.code);
      body.append("reason_note", reason.note);
    }
    const response = await fetch("/queue/decide", {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      body,
    });
    if (response.status === 401) {
      window.location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      throw new Error("Signed out.");
    }
    let data = null;
    try { data = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok) {
      const message = data?.error?.message || `The server answered ${response.status}.`;
      throw new Error(response.status === 403
        ? "Your session changed; reload the page and try again." : message);
    }
    if (badge && typeof data.queue === "number") {
      badge.textContent = String(data.queue);
      badge.setAttribute("aria-label", `${data.queue} held`);
    }
    return data;
  }

  function adjustTotal(delta) {
    const total = document.getElementById("held-total");
    if (!total || total.dataset.status === "all") return; // "all" keeps every comment listed
    const n = Math.max(0, Number(total.dataset.total || 0) + delta);
    const noun = total.dataset.noun || "held comment";
    total.dataset.total = String(n);
    total.textContent = `${n} ${noun}${n === 1 ? "" : "s"}`;
  }

  function markDecided(el, action, reason, undone) {
    const box = el.querySelector('.qsel input[type="checkbox"]');
    if (undone) {
      el.classList.remove("is-decided");
      delete el.dataset.outcome;
      if (box) box.disabled = false;
      return;
    }
    clearReason(el.querySelector("form.decide"));
    el.classList.add("is-decided");
    el.dataset.outcome = action;
    const word = el.querySelector(".outcome .word");
    if (word) word.textContent = reason ? `${WORDS[action]}: ${reason}` : WORDS[action];
    if (box) { box.checked = false; box.disabled = true; }
  }

  // Undo puts each comment back in the status it was listed with (held, in the queue).
  async function decide(targets, action, { reason = null, undo = false } = {}) {
    targets = targets.filter((el) => el && !el.dataset.busy && (undo || open(el))
      && (undo || el.dataset.status !== action));
    if (!targets.length) {
      if (!undo) announce(`Already ${WORDS[action].toLowerCase()}.`);
      return;
    }
    if (undo) {
      action = targets[0].dataset.status || "review";
      targets = targets.filter((el) => (el.dataset.status || "review") === action);
    }
    for (const el of targets) el.dataset.busy = "1";
    const wasCurrent = targets.includes(current);
    try {
      const data = await post(targets.map((el) => el.dataset.id), action, reason);
      for (const el of targets) markDecided(el, action, data.reason, undo);
      adjustTotal(undo ? targets.length : -targets.length);
      refreshSelection();
      if (undo) {
        lastAction = null;
        announce(action === "review" ? data.message : `Undone. ${data.message}`);
        setCurrent(targets[0]);
      } else {
        lastAction = { items: targets };
        const who = targets.length === 1 ? ` Comment by ${label(targets[0])}.` : "";
        announce(`${data.message}${who} Press u to undo.`);
        if (wasCurrent) {
          const after = items().slice(items().indexOf(current) + 1).find(open)
            || items().find(open);
          if (after) setCurrent(after);
          else current?.focus({ preventScroll: true });
        }
      }
      if (pageDone) pageDone.hidden = items().some(open);
    } catch (err) {
      announce(err.message);
      showError(err.message);
    } finally {
      for (const el of targets) delete el.dataset.busy;
    }
  }

  function showError(message) {
    let box = document.getElementById("ui-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "ui-error";
      box.className = "flash error";
      box.setAttribute("role", "alert");
      const anchor = document.querySelector(".filters") || document.querySelector("main > *");
      anchor?.parentNode.insertBefore(box, anchor);
    }
    box.textContent = message;
  }

  function undo() {
    if (!lastAction) { announce("Nothing to undo."); return; }
    decide(lastAction.items, null, { undo: true });
  }

  function bulkDecide(action) {
    const chosen = selectedItems().filter(open);
    if (!chosen.length) { announce("Nothing selected. Press x to select a comment."); return; }
    decide(chosen, action, { reason: reasonOf(bulk) }).then(() => {
      if (!chosen.some(open)) clearReason(bulk);
    });
  }

  // One comment, with the reason chosen in its own form when rejecting.
  function decideOne(el, action) {
    decide([el], action, { reason: reasonOf(el.querySelector("form.decide")) });
  }

  function isTyping(target) {
    if (!(target instanceof HTMLElement)) return false;
    if (target.isContentEditable) return true;
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
    if (target instanceof HTMLInputElement) {
      return !["checkbox", "radio", "button", "submit", "reset"].includes(target.type);
    }
    return false;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (help?.open) return; // the dialog handles Escape itself
    if (isTyping(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    if (key === "?") { help?.showModal(); event.preventDefault(); return; }
    if (key === "/") {
      const search = document.getElementById("f-q");
      if (search) { search.focus(); search.select(); event.preventDefault(); }
      return;
    }
    if (!queue) return;
    const inItem = event.target instanceof Element && event.target.closest(".qitem");
    const handlers = {
      j: () => move(1),
      k: () => move(-1),
      a: () => current && decideOne(current, "publish"),
      r: () => current && decideOne(current, "reject"),
      x: () => current && toggleSelect(current),
      A: () => bulkDecide("publish"),
      R: () => bulkDecide("reject"),
      u: () => undo(),
      o: () => current && window.location.assign(current.dataset.detail),
      t: () => current && window.location.assign(current.dataset.thread),
    };
    if (key === "Enter" && current && event.target === current) {
      window.location.assign(current.dataset.detail);
      event.preventDefault();
      return;
    }
    const handler = handlers[key];
    if (!handler) return;
    if ((key === "a" || key === "r" || key === "x") && !current) {
      if (inItem) setCurrent(inItem, false);
      else { move(1); announce("Press the key again to act on this comment."); event.preventDefault(); return; }
    }
    event.preventDefault();
    handler();
  });

  if (queue) {
    queue.addEventListener("focusin", (event) => {
      const el = event.target.closest(".qitem");
      if (el && el !== current) setCurrent(el, false);
    });
    queue.addEventListener("submit", (event) => {
      const form = event.target.closest("form.decide");
      const el = form?.closest(".qitem");
      if (!el) return;
      event.preventDefault();
      const action = event.submitter?.value;
      if (action) { setCurrent(el, false); decideOne(el, action); }
    });
    queue.addEventListener("click", (event) => {
      if (event.target.closest(".undo")) {
        const el = event.target.closest(".qitem");
        decide([el], null, { undo: true });
      }
    });
    queue.addEventListener("change", (event) => {
      if (event.target.matches('.qsel input[type="checkbox"]')) refreshSelection();
    });
    const fromHash = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (fromHash && fromHash.classList.contains("qitem")) setCurrent(fromHash);
  }

  if (bulk) {
    bulk.addEventListener("submit", (event) => {
      event.preventDefault();
      const action = event.submitter?.value;
      if (action) bulkDecide(action);
    });
  }

  if (selectAll) {
    selectAll.addEventListener("change", () => {
      for (const it of items().filter(open)) {
        const box = it.querySelector('.qsel input[type="checkbox"]');
        if (box) box.checked = selectAll.checked;
      }
      refreshSelection();
      announce(selectAll.checked ? "Selected every comment on this page." : "Selection cleared.");
    });
  }

  refreshSelection();
})();
