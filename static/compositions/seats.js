// "Add another seat" on an expert's form: a new blank row from the formset's empty form.
// Without scripts the form still offers two blank rows, and more after each save.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-add-seat]");
  var template = document.querySelector("[data-seat-template]");
  var rows = document.querySelector("[data-seat-rows]");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  if (!button || !template || !rows || !total) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var row = rows.lastElementChild;
    var first = row && row.querySelector("select");
    if (first) first.focus();
  });
});
