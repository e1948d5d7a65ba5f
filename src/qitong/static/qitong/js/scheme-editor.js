/* The scheme editor (appraisal/scheme_edit.html): add, move and remove rows, and check the
   weights as they are typed — each group of siblings (the rows under one parent, in tree
   order) must sum to 100; the sum is shown on the group's last row, red when it is not 100.
   The service checks the same again when the form is saved. */
(function () {
  "use strict";
  var form = document.querySelector("[data-scheme-editor]");
  if (!form) return;
  var body = form.querySelector("[data-rows] tbody");
  var table = form.querySelector("[data-rows]");
  var template = form.querySelector("[data-row-template]");
  var total = form.querySelector("[data-total]");

  function field(row, name) { return row.querySelector("[data-field='" + name + "']"); }

  function number(text) {
    var v = parseFloat(String(text).trim());
    return isNaN(v) ? null : v;
  }

  function check() {
    var rows = Array.prototype.slice.call(body.querySelectorAll("[data-row]"));
    var groups = {};  // parent index (or "root") → [row indexes]
    var stack = [];
    rows.forEach(function (row, i) {
      row.querySelector("[data-sum]").textContent = "";
      row.classList.remove("editor-row--leaf");
      var level = field(row, "level").value;
      if (level === "A") return;
      var n = parseInt(level, 10);
      stack = stack.slice(0, n - 1);
      var parent = stack.length ? stack[stack.length - 1] : "root";
      (groups[parent] = groups[parent] || []).push(i);
      stack.push(i);
    });
    var bad = 0;
    Object.keys(groups).forEach(function (parent) {
      var members = groups[parent];
      var sum = members.reduce(function (s, i) { return s + (number(field(rows[i], "weight").value) || 0); }, 0);
      sum = Math.round(sum * 100) / 100;
      var last = rows[members[members.length - 1]].querySelector("[data-sum]");
      var ok = sum === 100;
      if (!ok) bad += 1;
      last.textContent = (ok ? "✓ 合计 100" : "✗ 合计 " + sum);
      last.className = "editor-sum " + (ok ? "editor-sum--ok" : "editor-sum--bad");
    });
    rows.forEach(function (row, i) {
      var hasChildren = Object.prototype.hasOwnProperty.call(groups, String(i));
      field(row, "source").disabled = hasChildren;
      field(row, "rule").disabled = hasChildren;
      field(row, "params").disabled = hasChildren;
      field(row, "missing").disabled = hasChildren;
      field(row, "weight").disabled = field(row, "level").value === "A";
    });
    total.textContent = bad ? "（" + bad + " 组权重合计不是 100）" : "（各组权重合计均为 100）";
    total.className = "editor-total " + (bad ? "editor-sum--bad" : "editor-sum--ok");
  }

  function add(after) {
    var next = parseInt(table.dataset.next, 10);
    table.dataset.next = String(next + 1);
    var html = template.innerHTML.replace(/__i__/g, String(next));
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.querySelector("[data-row]");
    if (after) {
      field(row, "level").value = field(after, "level").value;
      after.parentNode.insertBefore(row, after.nextSibling);
    } else {
      body.appendChild(row);
    }
    field(row, "code").focus();
    check();
  }

  form.querySelector("[data-add]").addEventListener("click", function () {
    var rows = body.querySelectorAll("[data-row]");
    add(rows.length ? rows[rows.length - 1] : null);
  });
  body.addEventListener("click", function (e) {
    var button = e.target.closest("button");
    if (!button) return;
    var row = button.closest("[data-row]");
    if (button.hasAttribute("data-remove")) row.parentNode.removeChild(row);
    else if (button.hasAttribute("data-up") && row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling);
    else if (button.hasAttribute("data-down") && row.nextElementSibling) row.parentNode.insertBefore(row.nextElementSibling, row);
    check();
  });
  body.addEventListener("input", check);
  body.addEventListener("change", check);
  // disabled fields are not posted; enable them again just before sending
  form.addEventListener("submit", function () {
    form.querySelectorAll("[data-row] [disabled]").forEach(function (el) { el.disabled = false; });
  });
  check();
})();
