/* test_yamledit.c - unit tests for src/model/yaml*.c (format-preserving YAML
 * scalar get/set).  Every set compares the whole output text, so every
 * byte outside the edited scalar is proven identical. */
#include "infraexec/model/yamledit.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Run ix_yaml_set; return the output, or "ERROR: <message>" (caller frees). */
static char *set(const char *text, int doc, const char *path, const char *value)
{
    ix_buf out = IX_BUF_INIT;
    ix_err err = {{0}};
    if (ix_yaml_set(text, strlen(text), doc, path, value, &out, &err)) {
        ix_buf_free(&out);
        ix_buf_printf(&out, "ERROR: %s", err.msg);
    }
    return ix_buf_detach(&out);
}

static char *get(const char *text, int doc, const char *path)
{
    char *value;
    ix_err err = {{0}};
    if (ix_yaml_get(text, strlen(text), doc, path, &value, &err)) {
        ix_buf b = IX_BUF_INIT;
        ix_buf_printf(&b, "ERROR: %s", err.msg);
        return ix_buf_detach(&b);
    }
    return value;
}

static void check_set(const char *text, int doc, const char *path, const char *value,
                      const char *want, const char *name)
{
    char *got = set(text, doc, path, value);
    is_str(got, want, "set: %s", name);
    free(got);
}

static void check_get(const char *text, int doc, const char *path, const char *want, const char *name)
{
    char *got = get(text, doc, path);
    is_str(got, want, "get: %s", name);
    free(got);
}

/* TEXT with the single occurrence of OLD replaced by NEW (the test fails
 * if OLD is not there exactly once), for building expected outputs. */
static char *subst(const char *text, const char *old, const char *new)
{
    const char *at = strstr(text, old);
    ix_buf b = IX_BUF_INIT;
    if (!at || strstr(at + 1, old)) {
        ok(0, "fixture error: '%s' must occur exactly once", old);
        return ix_xstrdup(text);
    }
    ix_buf_append(&b, text, (size_t)(at - text));
    ix_buf_puts(&b, new);
    ix_buf_puts(&b, at + strlen(old));
    return ix_buf_detach(&b);
}

static void check_subst(const char *text, int doc, const char *path, const char *value,
                        const char *old, const char *new, const char *name)
{
    char *want = subst(text, old, new);
    check_set(text, doc, path, value, want, name);
    free(want);
}

/* Number of differing lines, or -1 if the line counts differ. */
static int changed_lines(const char *a, const char *b)
{
    int n = 0;
    for (;;) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        n += la != lb || memcmp(a, b, la) != 0;
        if (!a[la] || !b[lb])
            return a[la] || b[lb] ? -1 : n;
        a += la + 1;
        b += lb + 1;
    }
}

static void check_err(const char *text, int doc, const char *path, const char *value,
                      const char *want, const char *name)
{
    char *got = value ? set(text, doc, path, value) : get(text, doc, path);
    ix_buf w = IX_BUF_INIT;
    ix_buf_printf(&w, "ERROR: %s", want);
    is_str(got, w.data, "%s fails: %s", value ? "set" : "get", name);
    ix_buf_free(&w);
    free(got);
}

static const char HELM[] =
    "---\n"
    "# FFL backend release\n"
    "apiVersion: helm.toolkit.fluxcd.io/v2beta1\n"
    "kind: HelmRelease\n"
    "metadata:\n"
    "  name: ffl-backend\n"
    "  namespace: ffl\n"
    "spec:\n"
    "  interval: 5m\n"
    "  chart:\n"
    "    spec:\n"
    "      chart: ffl-backend\n"
    "      version: \">=0.1.0 <1.0.0\"\n"
    "\n"
    "  values:\n"
    "    image:\n"
    "      repository: 127.0.0.1:5000/ffl/backend\n"
    "      tag: 0.1.17   # bumped by release tasks\n"
    "    workers:\n"
    "    - name: a\n"
    "      image: {repository: x, tag: '0.1.17'}\n"
    "    - name: b\n"
    "      image:\n"
    "        tag: \"0.1.17\"\n";

static void test_helmrelease(void)
{
    static const char want[] =
        "---\n"
        "# FFL backend release\n"
        "apiVersion: helm.toolkit.fluxcd.io/v2beta1\n"
        "kind: HelmRelease\n"
        "metadata:\n"
        "  name: ffl-backend\n"
        "  namespace: ffl\n"
        "spec:\n"
        "  interval: 5m\n"
        "  chart:\n"
        "    spec:\n"
        "      chart: ffl-backend\n"
        "      version: \">=0.1.0 <1.0.0\"\n"
        "\n"
        "  values:\n"
        "    image:\n"
        "      repository: 127.0.0.1:5000/ffl/backend\n"
        "      tag: 0.1.18   # bumped by release tasks\n"
        "    workers:\n"
        "    - name: a\n"
        "      image: {repository: x, tag: '0.1.17'}\n"
        "    - name: b\n"
        "      image:\n"
        "        tag: \"0.1.17\"\n";
    char *got = set(HELM, 0, "spec.values.image.tag", "0.1.18");
    is_str(got, want, "helm: plain tag with inline comment, whole file");
    is_int(changed_lines(HELM, got), 1, "helm: exactly one line changed");
    free(got);

    got = set(HELM, 0, "spec.values.workers.0.image.tag", "0.1.18");
    is_int(changed_lines(HELM, got), 1, "helm: flow edit changes one line");
    free(got);
    check_subst(HELM, 0, "spec.values.workers.0.image.tag", "0.1.18", "tag: '0.1.17'}", "tag: '0.1.18'}",
                "helm: single-quoted scalar inside a flow mapping");
    check_subst(HELM, 0, "spec.values.workers.1.image.tag", "0.1.18", "tag: \"0.1.17\"", "tag: \"0.1.18\"",
                "helm: double-quoted tag in the second worker");
    check_subst(HELM, 0, "spec.chart.spec.version", ">=0.2.0 <2.0.0", "\">=0.1.0 <1.0.0\"",
                "\">=0.2.0 <2.0.0\"", "helm: double-quoted chart version");
    check_subst(HELM, 0, "metadata.name", "ffl-api", "name: ffl-backend", "name: ffl-api", "helm: metadata.name");
    check_subst(HELM, 0, "spec.values.image.repository", "registry:5000/ffl/backend",
                "127.0.0.1:5000/ffl/backend", "registry:5000/ffl/backend", "helm: plain with ':' (no space)");
    check_subst(HELM, 0, "spec.values.workers.1.name", "b b", "- name: b", "- name: b b",
                "helm: scalar in a '- ' entry");
    check_get(HELM, 0, "spec.values.image.tag", "0.1.17", "helm: plain tag without the comment");
    check_get(HELM, 0, "spec.values.workers.0.image.tag", "0.1.17", "helm: flow single-quoted tag");
    check_get(HELM, 0, "spec.chart.spec.version", ">=0.1.0 <1.0.0", "helm: quoted version");
}

static void test_layout(void)
{
    static const char t[] =
        "# header comment\n"
        "a:\n"
        "  - x: 1\n"
        "  - x: 2 # two\n"
        "\n\n"
        "b:\n"
        "- x: 3\n"
        "c:\n"
        "  value-on-next-line\n"
        "d:\n"
        "    - - nested\n"
        "      - n2\n"
        "z: last\n";
    check_subst(t, 0, "a.1.x", "9", "x: 2 # two", "x: 9 # two", "indented '- ' sequence");
    check_subst(t, 0, "b.0.x", "8", "x: 3", "x: 8", "non-indented '- ' sequence");
    check_subst(t, 0, "c", "v2", "  value-on-next-line\n", "  v2\n", "value on the line after 'key:'");
    check_subst(t, 0, "d.0.1", "m", "- n2", "- m", "nested sequences");
    check_subst(t, 0, "z", "end", "z: last", "z: end", "key order, blank lines and comments kept");
}

static void test_utf8(void)
{
    /* libyaml's mark.index counts characters; these break a byte-based splice. */
    static const char t[] = "note: café ✅\ntag: 0.1.17 # ü\nflow: {a: é✅, b: x}\n";
    check_set(t, 0, "tag", "0.1.18", "note: café ✅\ntag: 0.1.18 # ü\nflow: {a: é✅, b: x}\n",
              "after multi-byte characters");
    check_set(t, 0, "flow.b", "w", "note: café ✅\ntag: 0.1.17 # ü\nflow: {a: é✅, b: w}\n",
              "after multi-byte characters on the same line");
    check_set(t, 0, "note", "naïve ✅✅", "note: naïve ✅✅\ntag: 0.1.17 # ü\nflow: {a: é✅, b: x}\n",
              "multi-byte value replaced");
    check_get(t, 0, "flow.a", "é✅", "multi-byte value");

    static const char bom[] = "\xEF\xBB\xBFname: é\ntag: 1\n";
    check_set(bom, 0, "tag", "2", "\xEF\xBB\xBFname: é\ntag: 2\n", "UTF-8 BOM kept");
    check_get(bom, 0, "name", "é", "value after a BOM");
    check_set("\xEF\xBB\xBF" "a: é\r\nb: x\r\n", 0, "b", "w", "\xEF\xBB\xBF" "a: é\r\nb: w\r\n", "BOM and CRLF together");
    check_err("\xFF\xFEk\0", 0, "k", NULL, "UTF-16/UTF-32 input is not supported, only UTF-8", "UTF-16 BOM");
    check_err("a: \xff\n", 0, "a", NULL, "invalid YAML at line 1: invalid leading UTF-8 octet",
              "invalid UTF-8 input");
    check_err("a: x\n", 0, "a", "\xC3(", "path 'a': the new value is not valid UTF-8", "invalid UTF-8 value");
}

static void test_crlf(void)
{
    static const char t[] =
        "a: 1\r\nb: 'x'\r\nc: |\r\n  l1\r\n  l2\r\nd: \"q\"  # c\r\ne:\r\n  - f\r\n";
    check_set(t, 0, "a", "2", "a: 2\r\nb: 'x'\r\nc: |\r\n  l1\r\n  l2\r\nd: \"q\"  # c\r\ne:\r\n  - f\r\n",
              "CRLF: plain");
    check_set(t, 0, "b", "y z", "a: 1\r\nb: 'y z'\r\nc: |\r\n  l1\r\n  l2\r\nd: \"q\"  # c\r\ne:\r\n  - f\r\n",
              "CRLF: single-quoted");
    check_set(t, 0, "c", "n1\nn2\nn3\n",
              "a: 1\r\nb: 'x'\r\nc: |\r\n  n1\r\n  n2\r\n  n3\r\nd: \"q\"  # c\r\ne:\r\n  - f\r\n",
              "CRLF: literal block lines get CRLF");
    check_set(t, 0, "e.0", "g", "a: 1\r\nb: 'x'\r\nc: |\r\n  l1\r\n  l2\r\nd: \"q\"  # c\r\ne:\r\n  - g\r\n",
              "CRLF: last line");
    check_get(t, 0, "c", "l1\nl2\n", "CRLF: block value has no \\r");
    check_get(t, 0, "a", "1", "CRLF: plain value has no \\r");
    check_get(t, 0, "e.0", "f", "CRLF: last value has no \\r");
}

static void test_multidoc(void)
{
    static const char t[] =
        "# leading comment\n"
        "--- # first\n"
        "kind: A\n"
        "tag: 1\n"
        "---\n"
        "kind: B\n"
        "tag: 2\n"
        "...\n"
        "---\n"
        "kind: C\n"
        "tag: 3\n";
    check_subst(t, 1, "tag", "5", "tag: 2", "tag: 5", "doc 1 only");
    check_subst(t, 2, "tag", "6", "tag: 3", "tag: 6", "doc 2 after '...'");
    check_subst(t, 0, "kind", "Z", "kind: A", "kind: Z", "doc 0");
    check_get(t, 1, "kind", "B", "doc 1");
    check_err(t, 3, "kind", NULL, "path 'kind': no document 3 (the text has 3)", "doc index out of range");
    check_err(t, -1, "kind", "x", "path 'kind': invalid document index -1", "negative doc index");
    check_err("", 0, "kind", NULL, "path 'kind': no document 0 (the text has 0)", "empty text");
}

static void test_styles(void)
{
    check_set("k: 'a'\n", 0, "k", "it's", "k: 'it''s'\n", "single quotes: ' doubled");
    check_set("k: 'a'\n", 0, "k", "a\tb", "k: 'a\tb'\n", "single quotes keep a tab");
    check_set("k: 'a'\n", 0, "k", "l1\nl2", "k: \"l1\\nl2\"\n", "single -> double for a newline");
    check_set("k: \"a\"\n", 0, "k", "say \"hi\" \\ ok\t\x01", "k: \"say \\\"hi\\\" \\\\ ok\\t\\x01\"\n",
              "double quotes: escapes");
    check_set("k: \"a\"\n", 0, "k", "x\xE2\x80\xA8y\xC2\x85", "k: \"x\\Ly\\N\"\n", "double quotes: LS and NEL");
    check_set("k: \"a\"\n", 0, "k", "", "k: \"\"\n", "double quotes: empty");
    /* plain stays plain for anything that reads back as the same string */
    check_set("k: a\n", 0, "k", "0.1.18", "k: 0.1.18\n", "plain stays plain: version");
    check_set("k: a\n", 0, "k", "a:b x#y it's -1", "k: a:b x#y it's -1\n", "plain stays plain: harmless ':' '#' '-'");
    /* ... and switches to single quotes when it would be misread */
    check_set("k: a\n", 0, "k", "", "k: \"\"\n", "plain -> double: empty is null");
    check_set("k: a\n", 0, "k", "a: b", "k: 'a: b'\n", "plain -> single: ': '");
    check_set("k: a\n", 0, "k", "x #y", "k: 'x #y'\n", "plain -> single: ' #'");
    check_set("k: a\n", 0, "k", "*x", "k: '*x'\n", "plain -> single: leading '*'");
    check_set("k: a\n", 0, "k", "- x", "k: '- x'\n", "plain -> single: leading '- '");
    check_set("k: a\n", 0, "k", " lead", "k: ' lead'\n", "plain -> single: leading space");
    check_set("k: a\n", 0, "k", "trail ", "k: 'trail '\n", "plain -> single: trailing space");
    check_set("k: a\n", 0, "k", "{a}", "k: '{a}'\n", "plain -> single: leading '{'");
    check_set("k: a\n", 0, "k", "@x", "k: '@x'\n", "plain -> single: leading '@'");
    check_set("k: a\n", 0, "k", "'q'", "k: '''q'''\n", "plain -> single: leading quote");
    check_set("k: a\n", 0, "k", "end:", "k: 'end:'\n", "plain -> single: trailing ':'");
    check_set("k: a\n", 0, "k", "---", "k: '---'\n", "plain -> single: document marker");
    check_set("k: a\n", 0, "k", "l1\nl2", "k: \"l1\\nl2\"\n", "plain -> double: newline");
    check_set("k: a # c\n", 0, "k", "b", "k: b # c\n", "plain: inline comment kept");
    check_set("k: !!str 1.0\n", 0, "k", "1.1", "k: !!str 1.1\n", "tag kept");
    check_set("k: !!str\n  # why\n  '1'\n", 0, "k", "2", "k: !!str\n  # why\n  '2'\n", "tag and comment before the value kept");
}

static void test_blocks(void)
{
    static const char t[] =
        "script: |\n"
        "  echo one\n"
        "  echo two\n"
        "\n"
        "# trailing comment\n"
        "strip: |-\n"
        "  keep me\n"
        "keep: |+\n"
        "  k1\n"
        "\n"
        "folded: >  # header comment\n"
        "  some long\n"
        "  text\n"
        "last: end\n";
    check_subst(t, 0, "script", "echo three\n", "  echo one\n  echo two\n", "  echo three\n",
                "literal: content replaced, blank line and comment after it kept");
    check_subst(t, 0, "script", "a\n\nb", "  echo one\n  echo two\n", "  a\n\n  b\n",
                "literal: multi-line value re-indented, empty line not indented");
    check_subst(t, 0, "strip", "x\ny\n", "  keep me\n", "  x\n  y\n", "literal strip: trailing newline dropped");
    check_subst(t, 0, "keep", "z\n\n\n", "  k1\n\n", "  z\n\n\n", "literal keep: trailing newlines kept");
    check_subst(t, 0, "folded", "one two\nthree", "  some long\n  text\n", "  one two\n\n  three\n",
                "folded: header comment kept, line break encoded as an empty line");
    check_subst(t, 0, "folded", "a\n  more\nc", "  some long\n  text\n", "  a\n    more\n  c\n",
                "folded: more-indented line");

    char *out = set(t, 0, "script", "a\nb");
    check_get(out, 0, "script", "a\nb\n", "literal clip: value ends in one newline");
    free(out);
    out = set(t, 0, "folded", "one two\nthree");
    check_get(out, 0, "folded", "one two\nthree\n", "folded: value reads back");
    free(out);

    check_set("k: |2\n    indented\n  l2\n", 0, "k", "  x\ny", "k: |2\n    x\n  y\n",
              "explicit indentation indicator kept");
    check_set("k: |\nnext: 1\n", 0, "k", "hello", "k: |\n  hello\nnext: 1\n", "empty block gets content");
    check_set("k: |\n  old", 0, "k", "new", "k: |\n  new", "block at end of file without newline");
    check_set("k: |+\n  a\n", 0, "k", "b", "k: |+\n  b\n", "keep block at end of file");
    out = set("k: |+\n  a\n", 0, "k", "b");
    check_get(out, 0, "k", "b\n", "keep block: the line break is part of the value");
    free(out);
    check_set("jobs:\n  - name: a\n    run: |\n      old\n", 0, "jobs.0.run", "new\nsecond",
              "jobs:\n  - name: a\n    run: |\n      new\n      second\n", "block inside a sequence entry");
    check_err(t, 0, "script", " lead", "path 'script': the block scalar at line 1 has no indentation indicator, so its first line cannot start with a space or tab",
              "block: leading space refused");
    check_err(t, 0, "script", "a\x01", "path 'script': the block scalar at line 1 cannot hold control character U+0001",
              "block: control character refused");
    /* An empty block with an explicit indicator under "- " needs the
     * parent's indentation, which is guessed: the self-check catches the
     * wrong guess instead of writing a file that reads differently. */
    check_err("- |2\n- x\n", 0, "0", "v",
              "internal error: setting '0' (line 1) did not read back as the new value; output discarded",
              "self-check refuses a wrong guess");
}

static void test_flow(void)
{
    static const char t[] = "image: {repository: x, tag: \"1.0\"}\ntags: [a, b]  # list\n";
    check_subst(t, 0, "image.tag", "1.1", "\"1.0\"", "\"1.1\"", "flow mapping, double-quoted");
    check_subst(t, 0, "image.repository", "w", "repository: x", "repository: w", "flow mapping, plain");
    check_subst(t, 0, "tags.1", "c", "[a, b]", "[a, c]", "flow sequence");
    check_subst(t, 0, "tags.0", "x, y", "[a, b]", "['x, y', b]", "flow sequence: ',' forces quotes");
    check_subst(t, 0, "image.repository", "reg:5000/x", "repository: x", "repository: 'reg:5000/x'",
                "flow mapping: ':' forces quotes");
    check_subst(t, 0, "tags.1", "b?", "[a, b]", "[a, 'b?']", "flow sequence: '?' forces quotes (PyYAML)");
    check_subst(t, 0, "tags.1", "?b", "[a, b]", "[a, '?b']", "flow sequence: leading '?' forces quotes");
}

static void test_multiline(void)
{
    check_set("desc: this is\n  folded plain\nnext: 1\n", 0, "desc", "short", "desc: short\nnext: 1\n",
              "multi-line plain becomes one line");
    check_set("q: \"a\n  b\"\nnext: 1\n", 0, "q", "c", "q: \"c\"\nnext: 1\n", "multi-line double-quoted");
    check_set("q: 'a\r\n  b'\r\nn: 1\r\n", 0, "q", "c", "q: 'c'\r\nn: 1\r\n", "multi-line single-quoted, CRLF");
    check_get("desc: this is\n  folded plain\n", 0, "desc", "this is folded plain", "multi-line plain value");
}

static void test_paths(void)
{
    static const char t[] =
        "a: 1\n"
        "a: 2\n"
        "ports:\n"
        "  80: http\n"
        "  \"443\": https\n"
        "list: [x, y]\n"
        "metadata:\n"
        "  annotations:\n"
        "    kubernetes.io/ingress.class: nginx\n"
        "empty:\n"
        "comment:   # nothing yet\n"
        "seq:\n"
        "- a\n"
        "-\n"
        "- c\n"
        "flow: {k: 1, bare}\n";
    check_get(t, 0, "a", "1", "duplicate keys: first wins (get)");
    check_subst(t, 0, "a", "3", "a: 1", "a: 3", "duplicate keys: first wins (set)");
    check_get(t, 0, "ports.443", "https", "all-digit key in a mapping");
    check_subst(t, 0, "ports.80", "web", "80: http", "80: web", "all-digit key in a mapping (set)");
    check_get(t, 0, "list.1", "y", "all-digit index in a sequence");
    check_get(t, 0, "metadata.annotations.kubernetes\\.io/ingress\\.class", "nginx", "escaped dots in a key");
    check_subst(t, 0, "metadata.annotations.kubernetes\\.io/ingress\\.class", "traefik", "class: nginx",
                "class: traefik", "escaped dots in a key (set)");
    check_get(t, 0, "empty", "", "empty value");
    check_subst(t, 0, "empty", "0.2", "empty:\n", "empty: 0.2\n", "empty value after 'key:'");
    check_subst(t, 0, "comment", "v", "comment:   #", "comment: v   #", "empty value before a comment");
    check_subst(t, 0, "seq.1", "b", "-\n", "- b\n", "empty sequence entry");
    check_subst(t, 0, "empty", "", "empty:\n", "empty: ''\n", "empty value set to empty string");
    check_get("? [a, b]\n: v\nk: 1\n", 0, "k", "1", "complex key skipped");
    check_set("? [a, b]\n: v\nk: 1\n", 0, "k", "2", "? [a, b]\n: v\nk: 2\n", "complex key skipped (set)");
    check_err("a: *nope\n", 0, "a", NULL, "path 'a': 'a' at line 1 is an alias of undefined anchor &nope",
              "alias of an undefined anchor");
    check_err(t, 0, "flow.bare", "v", "path 'flow.bare': the empty value at line 16 has no place to write to; add a value by hand",
              "implicit flow value refused");
}

/* The type rules, one row per example: how it resolves under YAML 1.1 and
 * 1.2, and what set writes for it over a plain string. */
static void test_types(void)
{
    static const struct { const char *v, *t11, *t12; } res[] = {
        {"yes", "bool", "str"}, {"No", "bool", "str"}, {"ON", "bool", "str"}, {"off", "bool", "str"},
        {"y", "bool", "str"}, {"N", "bool", "str"}, {"yEs", "bool", "str"}, {"true", "bool", "bool"},
        {"False", "bool", "bool"}, {"TRUE", "bool", "bool"},
        {"null", "null", "null"}, {"~", "null", "null"}, {"", "null", "null"}, {"NuLl", "null", "null"},
        {"012", "int", "int"}, {"0o12", "str", "int"}, {"0x1F", "int", "int"}, {"0b101", "int", "str"},
        {"1_000", "int", "str"}, {"-42", "int", "int"}, {"+0", "int", "int"}, {"22:22", "int", "str"},
        {"1.20", "float", "float"}, {"1e3", "str", "float"}, {"1.0e+3", "float", "float"},
        {".inf", "float", "float"}, {"-.Inf", "float", "float"}, {".NaN", "float", "float"},
        {".5", "float", "float"}, {"1.", "float", "float"}, {"190:20:30.15", "float", "str"},
        {"2024-01-01", "timestamp", "str"}, {"2024-01-01T10:00:00Z", "timestamp", "str"},
        {"2001-12-14 21:59:43.10 -5", "timestamp", "str"}, {"<<", "merge", "str"}, {"=", "value", "str"},
        /* their string counterparts */
        {"0.1.18", "str", "str"}, {"1.2.3", "str", "str"}, {"v1.20", "str", "str"}, {"abc", "str", "str"},
        {".", "str", "str"}, {"yes please", "str", "str"}, {"offline", "str", "str"},
        {"nullable", "str", "str"}, {"0o8", "str", "str"}, {"0x", "str", "str"}, {"1e", "str", "str"},
        {"2024-1-1", "str", "str"}, {"2024-01-01x", "str", "str"}, {"nan", "str", "str"},
        {"inf", "str", "str"}, {"e3", "str", "str"}, {"--1", "str", "str"}, {"+", "str", "str"},
        {"1.2e", "str", "str"}, {"12:60", "str", "str"},
    };
    for (size_t i = 0; i < sizeof res / sizeof *res; i++) {
        is_str(ix_yaml_resolve(res[i].v, 11), res[i].t11, "resolve 1.1: '%s'", res[i].v);
        is_str(ix_yaml_resolve(res[i].v, 12), res[i].t12, "resolve 1.2: '%s'", res[i].v);
        /* over a plain string, a non-string in either schema is quoted */
        ix_buf want = IX_BUF_INIT, name = IX_BUF_INIT;
        int str = strcmp(res[i].t11, "str") == 0 && strcmp(res[i].t12, "str") == 0;
        ix_buf_printf(&want, str ? "k: %s\n" : "k: \"%s\"\n", res[i].v);
        ix_buf_printf(&name, "over a plain string: '%s'", res[i].v);
        check_set("k: abc\n", 0, "k", res[i].v, want.data, name.data);
        ix_buf_free(&want);
        ix_buf_free(&name);
    }

    static const struct { const char *in, *v, *out, *name; } set_rows[] = {
        {"tag: \"1.19\"\n", "1.20", "tag: \"1.20\"\n", "HelmRelease tag: double quotes kept"},
        {"tag: '1.19'\n", "1.20", "tag: '1.20'\n", "single quotes kept"},
        {"tag: v1\n", "1.20", "tag: \"1.20\"\n", "plain string gets double quotes"},
        {"tag: v1 # c\n", "2024-01-01", "tag: \"2024-01-01\" # c\n", "comment kept"},
        {"m: {tag: a}\n", "yes", "m: {tag: \"yes\"}\n", "inside a flow mapping"},
        {"k: !!str a\n", "yes", "k: !!str yes\n", "an explicit !!str decides the type"},
        /* a plain non-string stays plain for a value of its kind */
        {"replicas: 3\n", "4", "replicas: 4\n", "int stays int"},
        {"enabled: yes\n", "no", "enabled: no\n", "1.1 bool stays bool"},
        {"enabled: true\n", "false", "enabled: false\n", "bool stays bool"},
        {"ratio: 1.20\n", "1.21", "ratio: 1.21\n", "float stays float"},
        {"mode: 0644\n", "0755", "mode: 0755\n", "octal stays octal"},
        {"day: 2024-01-01\n", "2025-02-03", "day: 2025-02-03\n", "timestamp stays timestamp"},
        {"x: ~\n", "null", "x: null\n", "null stays null"},
        {"replicas: 3\n", "abc", "replicas: abc\n", "another kind: written as by hand"},
    };
    for (size_t i = 0; i < sizeof set_rows / sizeof *set_rows; i++) {
        /* the path is the first key, or m.tag for the flow row */
        char *key = ix_xstrndup(set_rows[i].in, strcspn(set_rows[i].in, ":"));
        check_set(set_rows[i].in, 0, strcmp(key, "m") == 0 ? "m.tag" : key, set_rows[i].v, set_rows[i].out,
                  set_rows[i].name);
        free(key);
    }
}

/* An explicit tag the new value cannot satisfy is refused, naming line:col. */
static void test_tags(void)
{
    static const struct { const char *in, *v; int ok; } rows[] = {
        {"n: !!int 3\n", "abc", 0},          {"n: !!int 3\n", "0x1F", 1},
        {"n: !!int 3\n", "1_000", 1},        {"n: !!int 3\n", "1.5", 0},
        {"n: !!bool yes\n", "maybe", 0},     {"n: !!bool yes\n", "no", 1},
        {"n: !!float 1.5\n", "2", 1},        {"n: !!float 1.5\n", "x", 0},
        {"n: !!binary aGVsbG8=\n", "not base64!", 0}, {"n: !!binary aGVsbG8=\n", "d29ybGQ=", 1},
        {"n: !!binary aGVsbG8=\n", "d29ybG=Q", 0},    {"n: !!binary aGVsbG8=\n", "abc", 0},
        {"n: !!timestamp 2024-01-01\n", "soon", 0},   {"n: !!timestamp 2024-01-01\n", "2025-01-01", 1},
        {"n: !!null ~\n", "x", 0},           {"n: !<tag:yaml.org,2002:int> 3\n", "abc", 0},
        {"n: !local 3\n", "abc", 1},         {"n: !!str 3\n", "abc", 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *got = set(rows[i].in, 0, "n", rows[i].v);
        ok(rows[i].ok == (strncmp(got, "ERROR: ", 7) != 0), "tag: '%s' over %.*s: %s (%s)", rows[i].v,
           (int)strlen(rows[i].in) - 1, rows[i].in, rows[i].ok ? "written" : "refused", got);
        free(got);
    }
    check_err("a: 1\nn:  !!int 3 # count\n", 0, "n", "abc",
              "2:11: path 'n': the scalar is tagged !!int and the new value is not one; refusing",
              "!!int with a non-integer names line:col");
    check_err("a: 1\nn: !!bool\n  yes\n", 0, "n", "maybe",
              "3:3: path 'n': the scalar is tagged !!bool and the new value is not one; refusing",
              "!!bool value on the next line");
}

static void test_errors(void)
{
    check_err(HELM, 0, "spec.values.image.tagx", NULL,
              "path 'spec.values.image.tagx': no key 'tagx' in the mapping at line 17", "missing key");
    check_err(HELM, 0, "spec.values.workers.2.image", "x",
              "path 'spec.values.workers.2.image': index 2 out of range (the sequence at line 20 has 2 items)",
              "index out of range");
    check_err(HELM, 0, "spec.values.workers.x", NULL,
              "path 'spec.values.workers.x': 'x' is not an index, but the node at line 20 is a sequence",
              "non-index on a sequence");
    check_err(HELM, 0, "spec.interval.x", NULL,
              "path 'spec.interval.x': cannot look up 'x': 'interval' at line 9 is a scalar", "descend into a scalar");
    check_err(HELM, 0, "spec.values.image", "x",
              "path 'spec.values.image' ends at a mapping (line 17), not a scalar", "ends at a mapping");
    check_err(HELM, 0, "spec.values.workers", NULL,
              "path 'spec.values.workers' ends at a sequence (line 20), not a scalar", "ends at a sequence");
    check_err(HELM, 0, "spec..x", NULL, "path 'spec..x': empty key", "empty path component");
    check_err(HELM, 0, "", NULL, "empty YAML path", "empty path");

    static const char anchors[] =
        "base: &img\n"
        "  tag: 1.0\n"
        "ver: &v 2.0\n"
        "app:\n"
        "  image: *img\n"
        "  version: *v\n"
        "svc:\n"
        "  <<: *img\n"
        "  y: 2\n";
    check_err(anchors, 0, "app.version", NULL,
              "path 'app.version': 'version' at line 6 is an alias of &v; edit the anchor at line 3 instead",
              "alias as the target");
    check_err(anchors, 0, "app.image.tag", "2",
              "path 'app.image.tag': 'image' at line 5 is an alias of &img; edit the anchor at line 1 instead",
              "alias on the path");
    check_get(anchors, 0, "ver", "2.0", "anchored scalar can be read");
    check_err(anchors, 0, "ver", "3.0",
              "path 'ver': 'ver' at line 3 carries anchor &v, so editing it would also change its aliases; refusing",
              "anchored scalar refused");
    check_err(anchors, 0, "base.tag", "1.1",
              "path 'base.tag': 'base' at line 1 carries anchor &img, so editing inside it would also change its aliases; refusing",
              "scalar under an anchored mapping refused");
    check_err(anchors, 0, "svc.tag", NULL,
              "path 'svc.tag': no key 'tag' in the mapping at line 8 ('<<' merge keys are not followed)",
              "merge key hint");

    check_err("a: [1, 2\n", 0, "a.0", NULL,
              "invalid YAML at line 2:1: did not find expected ',' or ']' (while parsing a flow sequence at line 1)",
              "invalid YAML");
    check_err("a: 1\nb: c: d\n", 0, "a", "2",
              "invalid YAML at line 2:5: mapping values are not allowed in this context",
              "invalid YAML after the target");
    check_err("a: \"x\\0y\"\n", 0, "a", NULL, "path 'a': value at line 1 contains a NUL character", "NUL in value");
    {   /* a raw NUL byte anywhere: not YAML text, for get and set alike */
        static const char nul[] = "a: \"x\"\nb: \"1\0 2\"\n";
        ix_buf out = IX_BUF_INIT;
        ix_err err;
        char *v = NULL;
        ok(ix_yaml_set(nul, sizeof nul - 1, 0, "a", "y", &out, &err) < 0 &&
               strcmp(err.msg, "a NUL byte at line 2: not YAML text") == 0,
           "set refuses a raw NUL byte, naming its line (%s)", err.msg);
        ok(ix_yaml_get(nul, sizeof nul - 1, 0, "a", &v, &err) < 0 && strstr(err.msg, "NUL byte"),
           "get refuses it too");
        ix_buf_free(&out);
        free(v);
    }

    ix_buf out = IX_BUF_INIT;
    ix_err err = {{0}};
    ix_buf_puts(&out, "prefix");
    is_int(ix_yaml_set("a: 1\n", 5, 0, "b", "2", &out, &err), -1, "failed set returns -1");
    is_str(out.data, "prefix", "failed set leaves OUT unchanged");
    is_int(ix_yaml_set("a: 1\n", 5, 0, "a", "2", &out, &err), 0, "set returns 0");
    is_str(out.data, "prefixa: 2\n", "set appends to OUT");
    ix_buf_free(&out);
    is_int(ix_yaml_set("a: 1\n", 5, 0, "a", NULL, &out, &err), -1, "NULL value refused");
    is_str(err.msg, "path 'a': no new value given", "NULL value message");
    /* TEXT need not be NUL-terminated: only LEN bytes are read. */
    char *v = NULL;
    is_int(ix_yaml_get("a: 1\nb: 2\n", 5, 0, "a", &v, &err), 0, "get honours LEN");
    is_str(v, "1", "get honours LEN: value");
    free(v);
    is_int(ix_yaml_get("a: 1\nb: 2\n", 5, 0, "b", &v, &err), -1, "get honours LEN: later key unseen");
}

int main(void)
{
    test_helmrelease();
    test_layout();
    test_utf8();
    test_crlf();
    test_multidoc();
    test_styles();
    test_blocks();
    test_flow();
    test_multiline();
    test_paths();
    test_errors();
    test_types();
    test_tags();
    return tap_done();
}
