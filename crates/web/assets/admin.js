// The dashboard works without this file: it only asks before a form marked `data-confirm`
// (cancelling a booking) is sent.
document.addEventListener("submit", (e) => {
  const form = e.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) e.preventDefault();
});
