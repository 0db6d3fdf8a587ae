// Marks the page as scripted before it is drawn (no flash of the no-script layout). An external
// file, not an inline script, so the Content-Security-Policy can forbid inline scripts.
document.documentElement.classList.add("js");
