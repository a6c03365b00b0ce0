// Reply templates (知识库): a template's link fills its form's textarea in place, which stays
// editable. Without JavaScript the link reloads the page with the text filled in (?template=<id>).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-template-target]") : null;
    if (!link) return;
    var box = document.getElementById(link.getAttribute("data-template-target"));
    if (!box) return;
    event.preventDefault();
    box.value = link.getAttribute("data-template-text");
    box.focus();
  });
})();
