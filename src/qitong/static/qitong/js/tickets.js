/* 企通 — ticket pages (CSP: script-src 'self', so nothing inline; every page works without
   this file, it only makes the keyboard path faster).
   1. Ctrl+Enter (or ⌘+Enter) submits the form the cursor is in (forms marked data-ctrl-enter);
   2. caller lookup: ↓/↑ move through the results, Enter or a click picks the enterprise into
      the intake form (a phone number typed into the lookup becomes the contact phone);
   3. intake: 问题类别 shows only for 反映问题, which is confidential unless the operator
      says otherwise;
   4. action panel: one action open at a time, its first field focused; a select marked
      data-filterable gets a type-to-filter box;
   5. after an htmx answer: errors mark their fields invalid and the first one takes the focus;
      a refreshed ticket focuses its message and first action;
   6. answering from the knowledge base: "用此知识答复" copies the article's text into the
      answer and ticks it as cited. */
(function () {
  "use strict";

  var PHONE_LIKE = /^[+\d][\d\s\-()]{6,}$/;

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $$(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function firstField(root) {
    return $("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])", root);
  }

  /* 1. Ctrl+Enter ------------------------------------------------------------------------ */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) {
      return;
    }
    var form = event.target && event.target.closest ? event.target.closest("form[data-ctrl-enter]") : null;
    if (!form) {
      var open = $("details.action[open] form[data-ctrl-enter]");
      form = open || null;
    }
    if (form) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }
  });

  /* 2. caller lookup → intake ------------------------------------------------------------ */
  function pickEnterprise(code, name, region) {
    var input = $("[data-enterprise-code]");
    if (!input) {
      return;
    }
    input.value = code;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    var shown = $("#intake-picked");
    if (shown) {
      shown.textContent = "已选：" + name + (region ? "（" + region + "）" : "");
    }
    var phone = $("#id_contact_phone");
    var query = $("#caller-q");
    if (phone && !phone.value && query && PHONE_LIKE.test(query.value.trim())) {
      phone.value = query.value.trim();
    }
    $$("[data-pick-row]").forEach(function (row) {
      row.classList.toggle("is-picked", !!$("[data-credit-code='" + code + "']", row));
    });
    var next = $("#id_type");
    if (next) {
      next.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) {
      return;
    }
    var button = target.closest("[data-pick]");
    var row = target.closest("[data-pick-row]");
    if (!button && row) {
      button = $("[data-pick]", row);
    }
    if (button) {
      pickEnterprise(button.getAttribute("data-credit-code"), button.getAttribute("data-name"),
        button.getAttribute("data-region"));
      return;
    }
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var box = $(dismiss.getAttribute("data-dismiss"));
      if (box) {
        box.innerHTML = "";
      }
      var search = $("#caller-q");
      if (search) {
        search.focus();
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    var target = event.target;
    var picks = $$("#caller-results [data-pick]");
    if (!picks.length) {
      return;
    }
    if (target && target.id === "caller-q" && event.key === "ArrowDown") {
      event.preventDefault();
      picks[0].focus();
      return;
    }
    var index = picks.indexOf(target);
    if (index < 0) {
      return;
    }
    event.preventDefault();
    if (event.key === "ArrowDown" && index < picks.length - 1) {
      picks[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      (index === 0 ? $("#caller-q") : picks[index - 1]).focus();
    }
  });

  /* 3. intake: problem category and confidentiality -------------------------------------- */
  function syncType(select) {
    var form = select.form;
    var problem = select.value === "problem_report";
    var wrap = $("[data-problem-field]", form);
    if (wrap) {
      wrap.hidden = !problem;
    }
    var box = $("input[name$='confidential'][type=checkbox]", form);
    var touched = $("input[name$='confidential_set']", form);
    if (box && touched && !touched.value) {
      box.checked = problem; // the service's default; the operator may change it
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.matches) {
      return;
    }
    if (target.matches("[data-ticket-type]")) {
      syncType(target);
    } else if (target.matches("input[type=checkbox][name$='confidential']")) {
      var touched = $("input[name$='confidential_set']", target.form);
      if (touched) {
        touched.value = "1";
      }
    }
  });

  /* 4. action panel ---------------------------------------------------------------------- */
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details || !details.matches || !details.matches("details.action") || !details.open) {
      return;
    }
    $$("details.action[open]").forEach(function (other) {
      if (other !== details) {
        other.open = false;
      }
    });
    var field = firstField($("form", details));
    if (field) {
      field.focus();
    }
  }, true);

  function makeFilterable(select) {
    if (select.getAttribute("data-filter-ready")) {
      return;
    }
    select.setAttribute("data-filter-ready", "1");
    var box = document.createElement("input");
    box.type = "search";
    box.className = "filter-input";
    box.placeholder = "输入名称筛选，↓ 进入列表";
    box.setAttribute("aria-label", "筛选" + (select.labels && select.labels[0] ? select.labels[0].textContent : ""));
    box.setAttribute("autocomplete", "off");
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.trim();
      var visible = [];
      Array.prototype.forEach.call(select.options, function (option) {
        var show = !words || option.text.indexOf(words) >= 0;
        option.hidden = !show;
        if (show) {
          visible.push(option);
        }
      });
      if (!select.multiple && visible.length === 1) {
        select.value = visible[0].value;
      }
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "Enter") {
        event.preventDefault();
        var first = Array.prototype.filter.call(select.options, function (o) { return !o.hidden; })[0];
        if (first && !select.multiple && (event.key === "Enter" || !select.value)) {
          select.value = first.value;
        }
        select.focus();
      }
    });
  }

  function enhance(root) {
    $$("select[data-filterable]", root).forEach(makeFilterable);
    $$("[data-ticket-type]", root).forEach(function (select) {
      var wrap = $("[data-problem-field]", select.form);
      if (wrap) {
        wrap.hidden = select.value !== "problem_report";
      }
    });
  }

  /* 5. after htmx answers ---------------------------------------------------------------- */
  function markInvalid(slot) {
    var invalid = slot.textContent.trim() !== "";
    $$("[aria-describedby~='" + slot.id + "']").forEach(function (control) {
      if (invalid) {
        control.setAttribute("aria-invalid", "true");
      } else {
        control.removeAttribute("aria-invalid");
      }
    });
  }

  function focusAfterRefresh(root) {
    var target = $("details.action > summary, form.action--direct button", root) || $("[data-flash]", root);
    if (target) {
      target.focus();
    }
  }

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var element = event.target;
    if (!element || !element.matches) {
      return;
    }
    if (element.matches(".field__errors")) {
      markInvalid(element);
    } else if (element.id === "ticket-detail") {
      enhance(element);
      focusAfterRefresh(element);
    } else if (element.id === "intake") {
      enhance(element);
      var filed = $("[data-filed]", element);
      if (filed) {
        filed.focus();
      }
    } else {
      // An innerHTML swap reports the inserted children, not the container.
      var made = element.matches("[data-enterprise-created]") ? element : $("[data-enterprise-created]", element);
      if (made) {
        pickEnterprise(made.getAttribute("data-credit-code"), made.getAttribute("data-name"),
          made.getAttribute("data-region"));
      }
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || form.tagName !== "FORM" || !document.body.contains(form)) {
      return;
    }
    var slot = $$(".field__errors", form).filter(function (s) { return s.textContent.trim(); })[0];
    if (slot) {
      var control = $("[aria-describedby~='" + slot.id + "']", form);
      if (control) {
        control.focus();
      }
      return;
    }
    var problem = $(".form-errors .alert", form);
    if (problem) {
      var link = $("a", problem);
      (link || problem).focus();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
  });

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  /* 6. answer from a knowledge-base article ---------------------------------------------- */
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-kb-fill]") : null;
    if (!button) {
      return;
    }
    var area = document.getElementById(button.getAttribute("data-kb-fill"));
    if (area) {
      area.value = button.getAttribute("data-kb-text") || "";
      area.focus();
    }
    var name = button.getAttribute("data-kb-check");
    var article = button.getAttribute("data-kb-article");
    $$("input[type=checkbox]").forEach(function (box) {
      if (box.name === name && box.value === article) {
        box.checked = true;
      }
    });
  });
})();

/* The ticket list's bulk bar: "select all on this page", the count of ticked tickets, and the
   department picker only for 派单. The server checks every ticket anyway. */
(function () {
  "use strict";
  function setup() {
    var form = document.getElementById("bulk");
    if (!form) return;
    var boxes = function () { return document.querySelectorAll('input[type=checkbox][name=ticket][form=bulk]'); };
    var count = form.querySelector("[data-bulk-count]");
    var all = document.querySelector("[data-check-all]");
    var action = form.querySelector("[data-bulk-action]");
    var dispatchOnly = form.querySelectorAll("[data-bulk-for=dispatch]");
    function refresh() {
      var n = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
      if (count) count.textContent = String(n);
      dispatchOnly.forEach(function (el) { el.hidden = action.value !== "dispatch"; });
    }
    if (all) all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      refresh();
    });
    document.addEventListener("change", function (e) {
      if (e.target && e.target.name === "ticket") refresh();
    });
    action.addEventListener("change", refresh);
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
