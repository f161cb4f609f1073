// The SPARQL editor: CodeMirror 6 with the SPARQL mode of @codemirror/legacy-modes, completion
// of this graph's prefixes, ontology terms and labels (from /query/completions.json, served by
// this server), and the parser's error shown at its line.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap }
  from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, StreamLanguage, syntaxHighlighting }
  from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";

const KEYWORDS = [
  "SELECT", "DISTINCT", "WHERE", "OPTIONAL", "FILTER", "UNION", "MINUS", "BIND", "VALUES",
  "GRAPH", "CONSTRUCT", "DESCRIBE", "ASK", "PREFIX", "ORDER BY", "GROUP BY", "HAVING", "LIMIT",
  "OFFSET", "COUNT", "SAMPLE", "GROUP_CONCAT", "LANG", "LANGMATCHES", "STR", "CONCAT",
  "NOT EXISTS", "EXISTS", "DESC", "ASC", "AS",
];

/** ``PREFIX p: <…>`` declarations the query already has. */
function declared(text) {
  return new Set([...text.matchAll(/PREFIX\s+([\w-]*):/gi)].map((found) => found[1]));
}

function prefixOption(prefix, namespace) {
  return {
    label: prefix + ":", detail: namespace, type: "namespace", boost: 2,
    apply(view, completion, from, to) {
      // Also declare the prefix at the top when the query does not yet.
      const changes = [{ from, to, insert: prefix + ":" }];
      if (!declared(view.state.doc.toString()).has(prefix)) {
        changes.push({ from: 0, insert: `PREFIX ${prefix}: <${namespace}>\n` });
      }
      const shift = changes.length > 1 ? changes[1].insert.length : 0;
      view.dispatch({ changes, selection: { anchor: from + prefix.length + 1 + shift } });
    },
  };
}

/** The completion source over the server's vocabulary ({prefixes, terms}). */
export function completionSource(vocabulary) {
  const prefixes = Object.entries(vocabulary.prefixes).map(([p, ns]) => prefixOption(p, ns));
  const byCurie = vocabulary.terms.map((term) => ({
    label: term.curie, detail: term.label, info: term.definition || undefined,
    type: term.kind === "class" ? "class" : term.kind.includes("property") ? "property" : "constant",
  }));
  const byLabel = vocabulary.terms.filter((term) => term.label).map((term) => ({
    label: term.label, apply: term.curie, detail: term.curie, type: "text",
  }));
  const keywords = KEYWORDS.map((word) => ({ label: word, type: "keyword", boost: -1 }));
  const labels = byLabel.map((option) => option.label.toLowerCase());
  return (context) => {
    const word = context.matchBefore(/[A-Za-z_][\w-]*:[\w.-]*|[A-Za-z_][\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    if (word.text.includes(":")) {
      const prefix = word.text.split(":")[0];
      return { from: word.from, options: byCurie.filter((o) => o.label.startsWith(prefix + ":")),
        validFor: /^[\w-]*:[\w.-]*$/ };
    }
    // A label of several words ("Chinese Acad"): the longest run of words before the cursor
    // that starts a label.
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    for (const start of before.matchAll(/(?:^|[\s{(.;,])([A-Za-z])/g)) {
      const from = start.index + start[0].length - 1;
      const typed = before.slice(from).toLowerCase();
      if (from < word.from && labels.some((label) => label.startsWith(typed))) {
        return { from: line.from + from, options: byLabel };
      }
    }
    return { from: word.from, options: [...prefixes, ...byLabel, ...keywords] };
  };
}

/**
 * Replace ``textarea`` (kept in the form, so the page works without JavaScript) by an editor;
 * returns {view, text(), setText(), showError(line, column, message), clearError()}.
 */
export function createEditor(textarea, vocabulary, { onRun, nonce = "" }) {
  const run = () => { onRun(); return true; };
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        // CodeMirror writes its stylesheet into a <style>; the page's policy allows it by nonce.
        EditorView.cspNonce.of(nonce),
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(),
        closeBrackets(), lintGutter(),
        StreamLanguage.define(sparql),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        autocompletion({ override: [completionSource(vocabulary)], activateOnTyping: true }),
        keymap.of([
          { key: "Ctrl-Enter", run }, { key: "Mod-Enter", run },
          ...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap,
          indentWithTab,
        ]),
        EditorView.contentAttributes.of({ "aria-label": "SPARQL query", spellcheck: "false" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.after(view.dom);
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    showError(line, column, message) {
      const doc = view.state.doc;
      const at = doc.line(Math.min(Math.max(1, line), doc.lines));
      const from = Math.min(at.from + Math.max(0, (column || 1) - 1), at.to);
      const diagnostic = { from, to: Math.min(from + 1, at.to), severity: "error", message };
      view.dispatch(setDiagnostics(view.state, [diagnostic]));
    },
    clearError() {
      view.dispatch(setDiagnostics(view.state, []));
    },
  };
}
