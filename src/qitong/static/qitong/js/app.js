/* 企通 — the only page script (CSP: script-src 'self', so nothing inline).
   1. every htmx request carries the CSRF token;
   2. keyboard: Alt+1..9 opens the navigation item with that number, "/" focuses the search box;
   3. a failed htmx request says so instead of failing silently. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    // Alt+digit: event.code is layout-independent (Alt+1 on a Chinese IME still says Digit1).
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      var m = /^Digit([1-9])$/.exec(event.code || "") || /^([1-9])$/.exec(event.key || "");
      if (m) {
        var link = document.querySelector('.site-nav a[data-shortcut="' + m[1] + '"]');
        if (link) {
          event.preventDefault();
          window.location.assign(link.href);
        }
        return;
      }
    }
    if (event.key === "/" && !event.altKey && !event.ctrlKey && !event.metaKey && !isTyping(event.target)) {
      var search = document.querySelector("[data-search]") || document.querySelector('input[type="search"]');
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    }
  });

  var toastTimer = null;
  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) {
      return;
    }
    box.textContent = text;
    box.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () { box.hidden = true; }, 6000);
  }

  // The session ended while the user was typing (accounts.middleware.HtmxLoginMiddleware):
  // say so where it stays visible, with a login that opens beside this page, so that what was
  // typed here is kept and can be submitted again after logging in.
  document.addEventListener("qitong:login-expired", function (event) {
    var box = document.getElementById("session-expired");
    if (!box) {
      return;
    }
    var link = box.querySelector("a");
    if (link && event.detail && event.detail.login) {
      link.setAttribute("href", event.detail.login);
    }
    box.hidden = false;
    box.focus();
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 401) {
      return;  // qitong:login-expired has shown the way back in
    }
    if (status === 403) {
      toast("页面已过期或无权操作，请刷新页面后重试。");
    } else if (status === 404) {
      toast("未找到该内容，或不在您的工作范围内。");
    } else {
      toast("请求未能完成（" + status + "），请稍后重试。");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    toast("网络连接中断，请检查网络后重试。");
  });
})();

/* The SMS code button counts down to when a new code may be asked for (the server refuses
   earlier ones anyway): "60 秒后可重新获取". */
(function () {
  "use strict";
  function countdown(root) {
    var sent = (root || document).querySelector("[data-resend-after]");
    var button = document.getElementById("send-code");
    if (!sent || !button || button.dataset.counting) return;
    var left = parseInt(sent.getAttribute("data-resend-after"), 10) || 60;
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.dataset.counting = "1";
    function tick() {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = label;
        delete button.dataset.counting;
        return;
      }
      button.disabled = true;
      button.textContent = left + " 秒后可重新获取";
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  document.addEventListener("htmx:afterSettle", function (e) { countdown(e.target); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { countdown(document); });
  else countdown(document);
})();

/* A button with data-confirm asks before its form is submitted (irreversible steps such as
   publishing a public list). */
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

/* A button with data-print prints the page (the disclosure's printable page). */
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.closest && target.closest("[data-print]")) {
    window.print();
  }
});
