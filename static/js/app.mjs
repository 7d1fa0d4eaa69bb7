// Progressive enhancement only: every page works without this file.
import { initAll } from "../../nhsuk-frontend/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// nhsuk-frontend marks a radio that reveals more questions with aria-expanded, which ARIA
// does not allow on a radio (axe: aria-allowed-attr, WCAG 4.1.2); aria-controls stays.
// The library sets it again on every click, so keep watching.
const REVEALING_RADIO = ".nhsuk-radios__input[aria-controls]";
const dropExpanded = (radio) => radio.removeAttribute("aria-expanded");
document.querySelectorAll(REVEALING_RADIO).forEach(dropExpanded);
new MutationObserver((changes) => {
  for (const { target } of changes) {
    if (target.matches(REVEALING_RADIO) && target.hasAttribute("aria-expanded")) {
      dropExpanded(target);
    }
  }
}).observe(document.body, { subtree: true, attributeFilter: ["aria-expanded"] });
