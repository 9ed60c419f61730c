/* Client-side search over the lunr index built at build time; works from file:// (no fetch). */
(function () {
  "use strict";
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var PAGE = 50;
  var FIELD_ALIASES = { people: "person", persons: "person", places: "place", organizations: "organization",
                        orgs: "organization", org: "organization", topics: "topic", outlets: "outlet", headline: "title" };
  var defaultIndex = null, fulltextIndexes = null;
  var loading = null, waiting = [], failed = false;

  function loadScript(src, then, inOrder) {
    var tag = document.createElement("script");
    tag.src = root + src;
    tag.async = !inOrder;
    tag.onload = then;
    tag.onerror = function () { then(new Error("could not load " + src)); };
    document.head.appendChild(tag);
  }

  /* Other pages load lunr.js and the index when search is first used; the results page names them in
     its HTML (deferred), so the browser reads them while it parses the page and they are here already. */
  function whenReady(then) {
    if (defaultIndex || window.SITEGEN_INDEX === null || failed) { then(); return; }
    waiting.push(then);
    if (loading) { return; }
    loading = true;
    var needed = [["lunr", "assets/lunr.js"], ["SITEGEN_DOCS", "assets/search-docs.js"],
                  ["SITEGEN_INDEX", "assets/search-index.js"]].filter(function (pair) {
      return window[pair[0]] === undefined;
    });
    var pending = needed.length;
    function finish() {
      if (window.SITEGEN_INDEX && window.lunr && window.SITEGEN_DOCS) {
        defaultIndex = window.lunr.Index.load(expandIndex(window.SITEGEN_INDEX));
      } else if (window.SITEGEN_INDEX !== null) {
        failed = true;  // a file is missing: say so rather than wait for ever
      }
      waiting.splice(0).forEach(function (fn) { fn(); });
    }
    if (!pending) { finish(); return; }
    /* Fetched side by side, run in order (async = false). */
    needed.forEach(function (pair) {
      loadScript(pair[1], function () { pending -= 1; if (!pending) { finish(); } }, true);
    });
  }

  /* The result document with this ref: a row of the table search-docs.js holds. */
  function docOf(ref) {
    var table = window.SITEGEN_DOCS;
    var row = table && table.rows[parseInt(ref, 16)];
    if (!row) { return null; }
    var kind = table.kinds[row[0]];
    return { k: kind, t: row[1], u: table.folders[kind] + "/" + row[2] + ".html", d: row[3],
             o: table.outlets[row[4]], s: row[5] };
  }

  function ready() { return Boolean(defaultIndex); }

  /* The build leaves out the empty field postings every term would repeat; lunr expects them. */
  function expandIndex(index) {
    index.invertedIndex.forEach(function (entry) {
      index.fields.forEach(function (field) { if (!entry[1][field]) { entry[1][field] = {}; } });
    });
    return index;
  }

  /* Full text is split into shards, loaded one after another the first time the reader asks. */
  function loadFulltext(then) {
    if (fulltextIndexes) { then(); return; }
    var count = window.SITEGEN_SHARDS || 0;
    var loaded = [];
    (function next(i) {
      if (i === count) { fulltextIndexes = loaded; then(); return; }
      loadScript("assets/search-fulltext-" + i + ".js", function () {
        if (window.SITEGEN_FULLTEXT && window.SITEGEN_FULLTEXT[i]) {
          loaded.push(window.lunr.Index.load(expandIndex(window.SITEGEN_FULLTEXT[i])));
          window.SITEGEN_FULLTEXT[i] = null;  // the parsed index is all we keep
        }
        next(i + 1);
      });
    })(0);
  }

  function normalise(query) {
    return query.replace(/(^|\s)([+-]?)(\w+):/g, function (all, space, sign, field) {
      var name = FIELD_ALIASES[field.toLowerCase()] || field.toLowerCase();
      return space + sign + name + ":";
    });
  }

  function run(query, withFulltext) {
    var q = normalise(query.trim());
    if (!q) { return { results: [] }; }
    try {
      var found = defaultIndex.search(q);
      if (withFulltext && fulltextIndexes) {
        var seen = {};
        found.forEach(function (r) { seen[r.ref] = true; });
        var bodyQuery = q.replace(/(^|\s)([+-]?)\w+:/g, "$1$2");
        var extra = [];
        fulltextIndexes.forEach(function (index) {
          index.search(bodyQuery).forEach(function (r) { if (!seen[r.ref]) { seen[r.ref] = true; extra.push(r); } });
        });
        extra.sort(function (a, b) { return b.score - a.score; });
        found = found.concat(extra);
      }
      return { results: found.map(function (r) { return r.ref; }) };
    } catch (error) {
      if (error instanceof window.lunr.QueryParseError || (error && error.name === "QueryParseError")) {
        return { error: "That search could not be understood (" + error.message + "). " +
                 "Use words, +must, -not, field:word (person:, place:, topic:) or a prefix such as zelen*." };
      }
      if (error && /field/i.test(String(error.message))) {
        return { error: "Unknown field in that search. Fields: title, person, organization, place, topic, outlet." };
      }
      throw error;
    }
  }

  function terms(query) {
    return query.toLowerCase().replace(/\w+:/g, "").split(/\s+/).map(function (t) {
      return t.replace(/^[+-]/, "").replace(/[*~^].*$/, "");
    }).filter(function (t) { return t.length > 1; });
  }

  function highlighted(text, words) {
    var span = document.createElement("span");
    (text || "").split(/(\s+)/).forEach(function (part) {
      var lower = part.toLowerCase().replace(/[^\w\u00C0-\u024F\u0400-\u04FF]/g, "");
      var hit = words.some(function (w) { return lower.indexOf(w.slice(0, Math.max(3, w.length - 2))) === 0; });
      if (hit && lower) { var mark = document.createElement("mark"); mark.textContent = part; span.appendChild(mark); }
      else { span.appendChild(document.createTextNode(part)); }
    });
    return span;
  }

  function resultItem(doc, words, tag) {
    var item = document.createElement(tag);
    var link = document.createElement("a");
    link.href = root + doc.u;
    link.textContent = doc.t;
    link.className = "result-title";
    item.appendChild(link);
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = " " + [doc.k, doc.d, doc.o].filter(Boolean).join(" · ");
    item.appendChild(meta);
    if (tag === "li") {
      var snippet = document.createElement("p");
      snippet.className = "snippet";
      snippet.appendChild(highlighted(doc.s, words));
      item.appendChild(snippet);
    }
    return item;
  }

  function setupDropdown(input, box) {
    var active = -1;
    function items() { return box.querySelectorAll("[role=option]"); }
    function show() {
      if (!ready()) { if (!failed) { whenReady(show); } return; }
      var outcome = run(input.value, false);
      box.textContent = "";
      active = -1;
      if (outcome.error) {
        var message = document.createElement("p");
        message.className = "search-error";
        message.textContent = outcome.error;
        box.appendChild(message);
      } else {
        outcome.results.slice(0, 8).map(docOf).filter(Boolean).forEach(function (doc, i) {
          var option = resultItem(doc, terms(input.value), "div");
          option.setAttribute("role", "option");
          option.id = "opt" + i;
          box.appendChild(option);
        });
      }
      box.hidden = !input.value.trim();
    }
    function move(step) {
      var options = items();
      if (!options.length) { return; }
      if (active >= 0) { options[active].classList.remove("active"); options[active].removeAttribute("aria-selected"); }
      active = (active + step + options.length) % options.length;
      options[active].classList.add("active");
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
    }
    input.addEventListener("focus", function () { whenReady(function () {}); });
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Escape") { box.hidden = true; }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = items()[active].querySelector("a").href;
      }
    });
  }

  function setupResultsPage(input) {
    var list = document.getElementById("search-results");
    var message = document.getElementById("search-message");
    var box = document.getElementById("fulltext");
    var moreButton = document.getElementById("search-more");
    if (!list) { return; }
    function render() {
      if (!ready()) {
        if (window.SITEGEN_INDEX === null) { message.textContent = "Nothing to search yet."; return; }
        if (failed) { message.textContent = "The search files could not be loaded: rebuild the site."; return; }
        whenReady(render);
        return;
      }
      var outcome = run(input.value, box && box.checked);
      list.textContent = "";
      if (outcome.error) { message.textContent = outcome.error; return; }
      var total = outcome.results.length;
      var shown = 0;
      var words = terms(input.value);
      function more() {  /* results are drawn a page at a time: drawing thousands would freeze the page */
        outcome.results.slice(shown, shown + PAGE).map(docOf).filter(Boolean).forEach(function (doc) {
          list.appendChild(resultItem(doc, words, "li"));
        });
        shown = Math.min(total, shown + PAGE);
        message.textContent = !input.value.trim() ? "" :
          total + " result(s)" + (shown < total ? ", showing " + shown : "");
        if (moreButton) { moreButton.hidden = shown >= total; }
      }
      if (moreButton) { moreButton.onclick = more; }
      more();
    }
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) { input.value = params.get("q"); }
    input.addEventListener("input", render);
    if (box) {
      box.addEventListener("change", function () {
        if (box.checked) { message.textContent = "Loading full text…"; whenReady(function () { loadFulltext(render); }); }
        else { render(); }
      });
    }
    whenReady(render);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
    if (event.key === "/" && !typing) { event.preventDefault(); document.getElementById("q").focus(); }
  });

  var input = document.getElementById("q");
  var box = document.getElementById("search-dropdown");
  if (input && document.getElementById("search-results")) { setupResultsPage(input); }
  else if (input && box) { setupDropdown(input, box); }
})();
