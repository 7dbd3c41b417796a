// The "Copy key" button of a new API token. Without script the key stays in a read-only
// field to select and copy by hand; with it, a button copies it and says so.
document.querySelectorAll("[data-select-on-focus]").forEach((field) => {
  field.addEventListener("focus", () => field.select());
});
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!field || !status || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Key copied to the clipboard.";
    } catch {
      field.select();
      status.textContent = "Could not copy: the key is selected, press Ctrl+C (⌘C on a Mac).";
    }
  });
});
