// 全站共用的小脚本。内容安全策略不允许行内事件（onclick、onsubmit），这里按 data- 属性统一处理。
document.addEventListener("submit", function (e) {
  const form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
}, true);
document.addEventListener("click", function (e) {
  if (e.target.closest("[data-print]")) window.print();
});
