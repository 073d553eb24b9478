// Light or dark: the system's setting unless the person chose with the toggle (kept in this
// browser). The choice is an attribute on <html> that style.css reads.

const KEY = "skopos-theme";
const system = window.matchMedia("(prefers-color-scheme: dark)");

function apply(button) {
  const chosen = localStorage.getItem(KEY);
  const dark = chosen ? chosen === "dark" : system.matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  button.setAttribute("aria-pressed", String(dark));
}

export function initTheme(button) {
  apply(button);
  system.addEventListener("change", () => apply(button));
  button.addEventListener("click", () => {
    const dark = document.documentElement.dataset.theme !== "dark";
    localStorage.setItem(KEY, dark ? "dark" : "light");
    apply(button);
  });
}
