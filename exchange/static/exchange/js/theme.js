// Dark by default, light on request; the choice is kept in localStorage. The <head> applies
// it before the first paint; this wires the toggle and tells the charts.

const KEY = "exchange.theme";

export function currentTheme() {
  return document.documentElement.dataset.theme === "light" ? "light" : "dark";
}

function apply(theme) {
  document.documentElement.dataset.theme = theme;
  const button = document.getElementById("theme-toggle");
  if (button) {
    const other = theme === "dark" ? "light" : "dark";
    button.setAttribute("aria-label", `Switch to the ${other} theme`);
    button.title = `Switch to the ${other} theme`;
  }
  document.dispatchEvent(new CustomEvent("themechange", { detail: { theme } }));
}

document.getElementById("theme-toggle")?.addEventListener("click", () => {
  const theme = currentTheme() === "dark" ? "light" : "dark";
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // private mode: the choice lasts for this page only
  }
  apply(theme);
});
apply(currentTheme());
