// A classic script at the top of <body>, run before the page is first drawn: in a browser
// that runs app.mjs (ES modules), nhsuk-frontend's styles for it apply from the start, so
// the header's menu is one row before app.mjs folds it under "More" and the page does not
// jump (without it the menu wrapped to two rows, then the content moved up 56 px).
// app.mjs adds js-enabled itself, once it has run.
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("nhsuk-frontend-supported");
}
