-- wording.match, compile errors and specificity, on a config table.
local wording = require "infraexec.lib.wording"
local t = ...

local config = {
  path = "/lab/infraexec.yaml",
  projects = { ffl = { path = "/lab/projects/ffl" }, triager = { path = "/lab/projects/triager" },
               mtg_dev_agents = { path = "/lab/projects/mtg" }, midwestmtg = { path = "/lab/projects/mw" } },
  gitops = { path = "/lab/gitops", apps = { ffl = {}, midwestmtg = {} } },
}
local BUILD = "Build all [remaining] {project} containers with version {version}"

local function args_of(w, text, cfg)
  local a, why = wording.match(w, text, cfg or config)
  if not a then return "nil: " .. tostring(why) end
  local keys = {}
  for k in pairs(a) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. tostring(a[k]) end
  return table.concat(out, " ")
end

t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18"), "project=ffl version=0.1.18",
  "typed placeholders: the configured project's key and the version")
t.is(args_of(BUILD, "BUILD ALL ffl CONTAINERS WITH VERSION 0.1.18"), "project=ffl version=0.1.18",
  "case-insensitive")
t.is(args_of(BUILD, "**Build** all `FFL` containers with _version_ *0.1.18*."), "project=ffl version=0.1.18",
  "emphasis, code marks and punctuation ignored")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18 — see TASK-005"), "project=ffl version=0.1.18",
  "trailing note after a dash ignored")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18 (COMPLETED ✅)"), "project=ffl version=0.1.18",
  "trailing parenthesis ignored")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18: `./build.sh all`"), "project=ffl version=0.1.18",
  "trailing code after a colon ignored")
t.is(args_of(BUILD, "Build all remaining mtg_dev_agents containers with version 417e41b"),
  "project=mtg_dev_agents version=417e41b", "optional word; a commit id is a version")
t.is(args_of(BUILD, "Build all mtg-dev-agents containers with version 1.0.0"),
  "project=mtg_dev_agents version=1.0.0", "'-' and '_' name the same project")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18 and deploy them"), "nil: nil",
  "more words than the template (no note boundary): no match")
t.is(args_of(BUILD, "Build some FFL containers with version 0.1.18"), "nil: nil", "a different word: no match")
t.is(args_of(BUILD, "Build all foo containers with version 1.0.0"),
  "nil: no project 'foo' in /lab/infraexec.yaml (projects: ffl, midwestmtg, mtg_dev_agents, triager)",
  "an unknown project is refused, naming the choices")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18", {}),
  "nil: no project 'FFL' in infraexec.yaml (it has no projects)", "no config: refused, not guessed")
t.like(args_of(BUILD, "Build all FFL containers with version 0.1.18;touch /tmp/pwned"),
  '"0.1.18;touch" is not a valid version', "an injected version is refused by its type")
t.like(args_of(BUILD, "Build all FFL containers with version latest"), '"latest" is not a valid version',
  "a version must look like one")

local ALTS = { "Successfully build all {project} images", "Build all [remaining] {project} containers" }
t.is(args_of(ALTS, "Successfully build all triager images"), "project=triager", "a list of alternatives: the first")
t.is(args_of(ALTS, "Build all remaining mtg_dev_agents containers"), "project=mtg_dev_agents",
  "a list of alternatives: the second")

t.is(args_of("Push all {project} images to registry {address}", "Push all FFL images to registry 127.0.0.1:5000"),
  "address=127.0.0.1:5000 project=ffl", "{address}")
t.like(args_of("Push all {project} images to registry {address}", "Push all FFL images to registry 127.0.0.1"),
  "not a valid registry address", "{address} needs a port")
t.is(args_of("All {count} HelmReleases show READY=True", "All 27 HelmReleases show READY=True: `flux get hr -A`"),
  "count=27", "{count}")
t.like(args_of("All {count} HelmReleases show READY=True", "All many HelmReleases show READY=True"),
  "not a count", "{count} is a whole number")
local a = wording.match("All {count} HelmReleases show READY=True", "All 27 HelmReleases show READY=True", config)
t.is(math.type(a.count), "integer", "{count} arrives as an integer")
local NS = "No CrashLoopBackOff or ImagePullBackOff errors in {namespace} namespace"
t.is(args_of(NS, "No CrashLoopBackOff or ImagePullBackOff errors in midwestmtg namespace"),
  "namespace=midwestmtg", "{namespace}")
t.like(args_of(NS, "No CrashLoopBackOff or ImagePullBackOff errors in Mid_West namespace"),
  "not a namespace", "{namespace} is a DNS label")
t.is(args_of("Check {url} answers", "Check https://127.0.0.1:5000/v2/ answers"), "url=https://127.0.0.1:5000/v2/",
  "{url}")
t.like(args_of("Check {url} answers", "Check ftp://127.0.0.1/ answers"), "not a URL", "{url} is http(s)")
local RM = "Remove {name} from {file:path}"
t.is(args_of(RM, "Remove mtg-agents from beckerkube/clusters/minikube/apps/kustomization.yaml - Removed from line 6"),
  "file=beckerkube/clusters/minikube/apps/kustomization.yaml name=mtg-agents", "{name:type} names a value")
t.is(args_of(RM, "Remove x from /lab/gitops/apps/kustomization.yaml"), "file=/lab/gitops/apps/kustomization.yaml name=x",
  "an absolute path inside a configured root")
t.like(args_of(RM, "Remove x from /etc/kustomization.yaml"), "/etc/kustomization.yaml is outside",
  "an absolute path outside every root is refused")
t.like(args_of(RM, "Remove x from ../../etc/kustomization.yaml"), "is outside", "'..' is refused")
t.like(args_of(RM, "Remove x from ~/.secrets/ffl.env"), "is outside", "'~' is refused")
t.is(args_of(RM, "Remove x from central"), 'nil: "central" is not a path', "a word is not a path")
local DOC = "Document {what:text} in {doc:path}"
t.is(args_of(DOC, "Document all IPs in docs/architecture.md"), "doc=docs/architecture.md what=all IPs",
  "{text} takes several words")
t.is(args_of(DOC, "Document registry IP in central configuration (beckerkube/README.md or ConfigMap)"),
  "nil: nil", "{text} does not reach across a note")
t.is(args_of("Verify images [are] in registry", "Verify images in registry: `curl -k https://h:1/v2/x/tags/list`"),
  "", "a wording without placeholders: empty args")
t.is(args_of("Verify images [are] in registry", "Verify images are in registry"), "", "optional word present")
t.is(args_of("Verify images [are] in registry", "Verify images in registry for all agents"), "nil: nil",
  "a longer claim is another claim")
t.is(args_of("Re-encrypt using {file:path}", "**secret**: Re-encrypt using `secrets/ffl.env`"),
  "file=secrets/ffl.env", "a bold label before the wording is skipped")
t.is(args_of("Update {app} HelmRelease in {repo:name} to version {version}",
  "Update midwestmtg HelmRelease in beckerkube to version 0.1.12"), "app=midwestmtg repo=beckerkube version=0.1.12",
  "{app}")
t.like(args_of("Update {app} HelmRelease in {repo:name} to version {version}",
  "Update triager HelmRelease in beckerkube to version 0.1.1"), "no app 'triager' in /lab/infraexec.yaml (gitops.apps: ffl, midwestmtg)",
  "an unknown app is refused, naming the choices")

local PUSH = "Commit and push [the] [updated] HelmReleases [to [the] {repo:name} [repository]]"
t.is(args_of(PUSH, "Commit and push updated HelmReleases to the beckerkube repository"), "repo=beckerkube",
  "nested optional groups")
t.is(args_of(PUSH, "Commit and push HelmReleases"), "", "nested optional groups left out")
t.is(args_of("Remove {name} from {file:kustomization}", "Remove x from apps/ffl/helmrelease.yaml"),
  "nil: apps/ffl/helmrelease.yaml is not a kustomization.yaml", "{kustomization} is a kustomization.yaml")
t.is(args_of("No {reason} [or {other:reason}] [errors] [pods]", "No old pods"),
  'nil: "old" is not a pod waiting reason (...BackOff, ...Error)', "{reason} is a waiting reason")
t.is(args_of("No {reason} [or {other:reason}] [errors] [pods]", "No CrashLoopBackOff or CreateContainerConfigError pods"),
  "other=CreateContainerConfigError reason=CrashLoopBackOff", "two reasons")
t.is(args_of("Set {key} to {value:word} in {file:path}", "Set spec.values.image.tag to 0.1.18 in apps/ffl/hr.yaml"),
  "file=apps/ffl/hr.yaml key=spec.values.image.tag value=0.1.18", "{key} and {word}")

-- Malformed templates fail when loaded, naming the template.
local ok, err = pcall(wording.compile, "Build {projekt}")
t.like(tostring(err), "unknown placeholder type 'projekt'", "unknown type is an error")
t.ok(not ok, "and compile fails")
ok, err = pcall(wording.compile, "Build {project")
t.like(tostring(err), "'{project' is not a placeholder", "unclosed brace is an error")
ok, err = pcall(wording.compile, {})
t.like(tostring(err), "must not be empty", "an empty list is an error")

-- A template's pieces are split once (a cache) while wording.words is the
-- function that split them: one a handler replaced splits the next template.
local seq = wording.compile("**Rotate** the `keys` now")[1]
t.is(seq[1].lit .. " " .. seq[2].lit .. " " .. seq[3].lit, "rotate the keys", "pieces split as words")
local words = wording.words
wording.words = function() return { { raw = "X", low = "x" } } end
seq = wording.compile("Rotate the certificates")[1]
wording.words = words
t.is(seq[1].lit .. " " .. seq[3].lit, "x x", "a replaced wording.words splits the pieces of a new template")
seq = wording.compile("Rotate the locks")[1]
-- A text's words are kept for the text matched last while wording.words is
-- the function that split it: the same text is split again by a new one.
t.is(table.concat(wording.plain_words("Rotate **the** `keys`"), " "), "rotate the keys", "plain_words: the words matching reads")
wording.words = function() return { { raw = "X", low = "x" }, { boundary = true }, { raw = "Y", low = "y" } } end
t.is(table.concat(wording.plain_words("Rotate **the** `keys`"), " "), "x y", "the same text, a replaced wording.words: split by it")
wording.words = words
t.is(table.concat(wording.plain_words("Rotate **the** `keys`"), " "), "rotate the keys", "and by the built-in one again")
t.is(seq[1].lit .. " " .. seq[3].lit, "rotate locks", "and the built-in one again once it is back")

-- Specificity: typed placeholders beat free text; wordings beat patterns.
local typed = { wording = "Update {project} registry URLs" }
local free = { wording = "Update {what:text} registry URLs" }
t.ok(wording.specificity(typed) > wording.specificity(free), "typed beats free text")
t.ok(wording.specificity(free) > wording.specificity({ pattern = "^Update" }), "a wording beats a pattern")
t.ok(wording.specificity({ pattern = "^Update" }) > wording.specificity({ match = function() end }),
  "a pattern beats a match function")
t.is(wording.specificity({ wording = { "Verify images in registry", "Verify {x:text}" } }, "Verify stuff", config),
  wording.specificity({ wording = "Verify {x:text}" }), "with a text: the alternative that matches")

-- What is computed once per text or per wording (words, sequences, which
-- sequences a text's first words leave possible) changes no answer.
-- A list of templates edited after a match is read again.
local list = { "Rotate {project} keys" }
t.is(args_of(list, "Rotate ffl keys"), "project=ffl", "a wording list matches")
list[1] = "Rotate {project} secrets"
t.is(args_of(list, "Rotate ffl keys"), "nil: nil", "the same list edited: the old template is gone")
t.is(args_of(list, "Rotate ffl secrets"), "project=ffl", "and the new one matches")
list[2] = "Renew {project} keys"
t.is(args_of(list, "Renew ffl keys"), "project=ffl", "a template added to the list is tried")
-- The first fitting alternative and the first refusal, in the list's order,
-- whichever words the alternatives open with.
local order = { "{n:count} pods {a:word}", "Scale {project} to {n:count} pods", "{x:word} {y:word} to {n:count} pods" }
t.is(args_of(order, "Scale ffl to 3 pods"), "n=3 project=ffl", "the first alternative that fits wins")
t.is(args_of(order, "Scale nope to 3 pods"), "n=3 x=Scale y=nope", "a later one opening with a placeholder still fits")
t.is(args_of({ "Scale {project} to {n:count} pods", "Scale {project} to {n:count} nodes" }, "Scale nope to x pods"),
  "nil: no project 'nope' in /lab/infraexec.yaml (projects: ffl, midwestmtg, mtg_dev_agents, triager)",
  "the first refusal is the one reported")
-- A type replaced by a handler is asked about every word it could take,
-- even where a later literal word cannot fit (it may say why, or raise).
local saved, asked = wording.types.name, {}
wording.types.name = function(v) asked[#asked + 1] = v; return v end
wording.match("{svc:name} service exists", "frontend pods exist", config)
wording.match("{svc:name} {other:name} service exists", "frontend backend pods exist", config)
t.is(table.concat(asked, " "), "frontend frontend backend", "a replaced type still sees the words")
wording.types.name = function() error("the type raised", 0) end
local raised, why = pcall(wording.match, "{svc:name} service exists", "frontend pods exist", config)
t.is(tostring(raised) .. " " .. tostring(why), "false the type raised", "and its error still reaches the engine")
wording.types.name = saved
t.is(args_of("{svc:name} service exists", "frontend service exists"), "svc=frontend", "the type restored")
-- Specificity takes the same shortcuts: only alternatives that fit count.
t.is(wording.specificity({ wording = { "{a:name} {b:name} {c:name} checks", "{x:text} checks" } }, "my web app checks", config),
  wording.specificity({ wording = "{a:name} {b:name} {c:name} checks" }), "three typed words beat free text")
t.is(wording.specificity({ wording = { "{a:name} {b:name} {c:name} checks", "{x:text} checks" } }, "web app checks", config),
  wording.specificity({ wording = "{x:text} checks" }), "an alternative whose literal is elsewhere does not count")
-- So is a value check a type calls, replaced.
local values = require "infraexec.lib.values"
local saved_name = values.name
values.name = function() error("values.name raised", 0) end
raised, why = pcall(wording.match, "{svc:name} service exists", "frontend pods exist", config)
t.is(tostring(raised) .. " " .. tostring(why), "false values.name raised", "a replaced value check still runs")
values.name = saved_name
-- A trailing note that adds a claim of its own is refused as a person's,
-- quoting the note: the rule checks only what its wording says.
local SET = "Set {key:text} to {value:text} in {file:text}"
t.is(args_of(SET, "Set spec.interval to 7m in gitops/apps/ffl/helmrelease.yaml - also spec.timeout to 5m"),
  'nil: needs a person: the note "also spec.timeout to 5m" adds a claim (\'also\') the rule does not check',
  "a note with 'also' adds a claim: refused, the note quoted")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18 (the frontend too)"),
  'nil: needs a person: the note "the frontend too" adds a claim (\'too\') the rule does not check',
  "'(... too)' adds a claim")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18 - as well as the docs image"),
  'nil: needs a person: the note "as well as the docs image" adds a claim (\'as well\') the rule does not check',
  "'as well as' adds a claim")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18: plus the docs image"):match("'plus'") ~= nil, true,
  "'plus' adds a claim")
t.is(args_of(SET, "Set spec.interval to 7m in gitops/apps/ffl/helmrelease.yaml"),
  "file=gitops/apps/ffl/helmrelease.yaml key=spec.interval value=7m", "the same criterion without the note matches")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18 — see TASK-005 (COMPLETED ✅)"),
  "project=ffl version=0.1.18", "a note adding nothing is still ignored")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18: `make also too`"), "project=ffl version=0.1.18",
  "words inside a code span in the note are a command, not a claim")
t.is(args_of(BUILD, "Build all FFL containers with version 0.1.18 - the `too` target plus"):match("'plus'") ~= nil, true,
  "a code span in the note does not hide a claim outside it")
t.is(args_of("Build all {x:text} containers", "Build all ffl too containers"), "x=ffl too",
  "'too' inside the wording's own free text is not a note")
local _, why3, added = wording.match(BUILD, "Build all FFL containers with version 0.1.18 (the frontend too)", config)
t.is(tostring(added), tostring(why3), "the note's refusal is also the third value, for the engine to keep it over a rule without wording")
_, _, added = wording.match(BUILD, "Build all FFL containers with version banana", config)
t.is(added, nil, "a bad value is no note's refusal")

-- Templates are checked at load (wording.check, what handlers.lua calls)
-- with compile's errors, and their sequences made only once a text's first
-- word may open one: nothing about an answer may change.
local function check_err(w)
  local ok, e = pcall(wording.check, w)
  return ok and "ok" or tostring(e)
end
local function compile_err(w)
  local ok, e = pcall(wording.compile, w)
  return ok and "ok" or tostring(e)
end
for _, w in ipairs{ "Build {projekt}", "Build {project", "[a] [b]", "[`-`] b", "{pro[ject]}", "Run [it]{x}", {},
                    { "Build {project}", "Push {nope}" }, 42, "" } do
  t.is(check_err(w), compile_err(w), "check raises compile's error: " .. (type(w) == "table" and "{" .. table.concat(w, ", ") .. "}" or tostring(w)))
end
t.like(check_err("[a] [b]"), "has no words", "a template whose groups may all be left out has no words")
t.like(check_err("{pro[ject]}"), "unknown placeholder type 'pro'", "a group inside a word: every variant is checked")
t.like(check_err({ "Build {project}", "Push {nope}" }), "unknown placeholder type 'nope'", "a list: the bad template named")
t.is(check_err("Commit and push [the] [updated] HelmReleases [to [the] {repo:name} [repository]]"), "ok", "a good template passes")
-- The variants, in order, whether or not a word spans a group's bracket.
local function variants_of(w)
  local out = {}
  for _, seq in ipairs(wording.compile(w)) do
    local words = {}
    for _, it in ipairs(seq) do words[#words + 1] = it.lit or ("{" .. it.name .. ":" .. it.kind .. "}") end
    out[#out + 1] = table.concat(words, " ")
  end
  return table.concat(out, " | ")
end
t.is(variants_of("a [b [c]] d"), "a b c d | a b d | a d", "nested groups: with before without, inner first")
t.is(variants_of("Sealed secret[s] [in {namespace}]"),
  "sealed secrets in {namespace:namespace} | sealed secret in {namespace:namespace} | sealed secrets | sealed secret",
  "a group inside a word makes another word")
t.is(variants_of("[a][b] c"), "ab c | b c | a c | c", "groups side by side join their words")
t.is(variants_of("x [a]b"), "x ab | x b", "a group before a word's letters")
t.is(args_of("Update {project} registry URL[s]", "Update ffl registry URL"), "project=ffl", "URL[s] takes URL")
t.is(args_of("Update {project} registry URL[s]", "Update ffl registry URLs"), "project=ffl", "... and URLs")
wording.check("Drain [the] {node:name} node [now]")
t.is(args_of("Drain [the] {node:name} node [now]", "Drain the worker-1 node"), "node=worker-1",
  "a template only checked matches")
t.is(variants_of("Drain [the] {node:name} node [now]"),
  "drain the {node:name} node now | drain {node:name} node now | drain the {node:name} node | drain {node:name} node",
  "and compile still gives every sequence")
-- Of the sequences a text may fit, the first in the template's order wins,
-- whichever word it opens with.
t.is(args_of("[{x:word}] a {y:word}", "a a - b"), "x=a y=b", "the first variant that fits, not the literal one")
t.is(args_of({ "{x:word} b", "a {y:word}" }, "a b"), "x=a", "the first alternative that fits, not the literal one")
-- A part of a template is read once for every template holding it, but a
-- type removed since is still an unknown type, and a replaced
-- wording.words splits the part again.
wording.types.zz = wording.types.word
t.is(check_err("Ping [{z:zz}]"), "ok", "a workspace type in a group")
wording.types.zz = nil
t.like(check_err("Pong [{z:zz}]"), "unknown placeholder type 'zz'", "the same part once the type is gone: refused")
words = wording.words
wording.words = function() return { { raw = "X", low = "x" } } end
local v = variants_of("Rotate [the] keys")
wording.words = words
t.is(v, "x x x | x x", "a replaced wording.words splits the parts of a new template")
t.is(variants_of("Rotate [the] vaults"), "rotate the vaults | rotate vaults", "and the built-in one again")
-- What fits a text is kept for the text matched last, but a type replaced
-- since is asked about it all the same.
asked = {}
t.is(args_of("{svc:name} backend ready", "frontend pods ready"), "nil: nil", "no fit")
wording.types.name = function(v) asked[#asked + 1] = v; return v end
wording.match("{svc:name} backend ready", "frontend pods ready", config)
wording.types.name = saved
t.is(table.concat(asked, " "), "frontend", "the same text after a type is replaced: the type is asked")
-- Two lists of the same templates share what is made of them; editing one
-- leaves the other as it is.
local A, B = { "Rotate {project} keys", "Renew {project} keys" }, { "Rotate {project} keys", "Renew {project} keys" }
t.is(args_of(A, "Renew ffl keys") .. " / " .. args_of(B, "Renew ffl keys"), "project=ffl / project=ffl", "two lists alike")
B[2] = "Renew {project} locks"
t.is(args_of(B, "Renew ffl keys") .. " / " .. args_of(A, "Renew ffl keys"), "nil: nil / project=ffl",
  "one edited: the other still reads its own templates")
t.is(wording.specificity({ wording = B }, "Renew ffl locks", config), wording.specificity({ wording = "Renew {project} locks" }),
  "and specificity reads the edited one")
-- Lists whose templates joined by newlines read the same are still two.
t.is(args_of({ "Rotate {project}", "keys now" }, "Rotate ffl"), "project=ffl", "a list of two templates")
t.is(args_of({ "Rotate {project}\nkeys now" }, "Rotate ffl"), "nil: nil", "one template with the same text joined: its own")
-- The reader (ix.template) expands at most 2^12 variants: a template of
-- more is refused when loaded, not expanded once a text may fit it.
t.like(check_err("x" .. (" [y]"):rep(13)), "more than 4096 variants", "thirteen groups side by side: refused at load")
t.is(check_err("x" .. (" [y]"):rep(4)), "ok", "four are fine")
-- A replaced wording.words that raises: its error, and nothing kept of the
-- template, which the built-in one reads again once it is back.
words = wording.words
wording.words = function() error("the words raised", 0) end
t.is(check_err("Rotate the parsers"), "the words raised", "a replaced wording.words raising: its error")
wording.words = words
t.is(variants_of("Rotate the parsers"), "rotate the parsers", "the template is read again, with the built-in words")
-- The fixed prefixes are compared in C (ix.template.fitting): past 32
-- words, and a literal at the 35th that differs.
local long = {}
for i = 1, 40 do long[i] = "w" .. i end
local LONG = table.concat(long, " ")
t.is(args_of(LONG .. " {rest:text}", LONG .. " and more"), "rest=and more", "a prefix of 40 literals fits")
long[35] = "x"
t.is(args_of(LONG .. " {rest:text}", table.concat(long, " ") .. " and more"), "nil: nil", "one differing at the 35th does not")
t.is(args_of("{a:name} " .. LONG .. " {rest:text}", "q r " .. LONG .. " z"), "nil: nil",
  "nor one whose literals come a word late")
local template = require "infraexec.template"
local r = template.read("Rotate {project} keys", wording.types, {})
t.is(template.fitting(r.reader, template.sequences(r.reader, {}), { "rotate", "ffl", "keys" })[1][3].lit, "keys",
  "fitting: the sequences whose prefix fits, from the list given")
t.is(template.fitting(r.reader, {}, { "rotate", "ffl", "locks" }), nil, "none: nil")
t.ok(not pcall(template.fitting, r.reader, {}, { "rotate", 1 }), "a word not a string raises")
-- template.keys: each variant's first literal and its position, once a pair,
-- and the types before them; nil for a {text} before the first literal.
local ks, kinds = template.keys(template.read("[{count}] [{app}] pods ready", wording.types, {}).reader)
t.is(table.concat(ks, " ") .. " / " .. table.concat(kinds, " "), "3 pods 2 pods 1 pods / count app",
  "keys: in the variants' order, a pair made before left out")
t.is(template.keys(template.read("{names:text} are deployed", wording.types, {}).reader), nil, "keys: none past a {text}")
t.is(template.keys(template.read("[x] {a:name}", wording.types, {}).reader), nil, "keys: none for a variant of no literal")
-- template.read makes no item (template.sequences does): what it returns
-- is read from the pieces, each placeholder piece's type asked once, in
-- the order of the variants and their pieces, the first problem named.
local asked = {}
local types = setmetatable({}, { __index = function(_, k) asked[#asked + 1] = k; return k ~= "bad" or nil end })
r = template.read("- [Rotate] `{p:project}` {q:project} [{x:word}] keys", types, {})
local firsts = {}
for w in pairs(r.first) do firsts[#firsts + 1] = w end
t.is(table.concat(firsts, " ") .. " / " .. tostring(r.open) .. " / " .. table.concat(r.kinds, " ") .. " / "
  .. table.concat(asked, " "), "rotate / true / project word / project project word",
  "read: first, open, kinds; a type asked once per placeholder piece")
t.is(r.seqs, nil, "read: no sequence made")
local function why(s)
  local ok, a, b = template.read(s, types, {})
  return (ok and "read" or "nil") .. " " .. tostring(a) .. " " .. tostring(b)
end
t.is(why("{a:bad} {b"), "nil type bad", "a type before a stray brace in the same variant")
t.is(why("{b {a:bad}"), "nil brace {b", "a stray brace before a type")
t.is(why("[x] [-] {c:bad}"), "nil type bad", "the first variant's type before a later one's emptiness")
t.is(why("[x] [-] c{"), "nil brace c{", "its stray brace too")
t.is(why("[x] [-]"), "nil empty nil", "a variant of no words")
t.is(why("[x] [-] {c:word}"), "read nil nil", "none of them")
-- wording.index / wording.may: the rules a text leaves possible, in order.
-- Every rule left out must get nil, nil, nil from match (the engine does not
-- ask it), whatever the text; rules with a group, without a wording or with
-- a sequence of no literal before its {text} are always asked.
local rules = {
  { wording = "Deploy {name} at version {version}" },
  { wording = "{project} images are built" },
  { pattern = "^Deploy" },
  { wording = "Ship it", group = "^Phase" },
  { wording = { "Roll out {name}", "[Then] push {name} - also" } },
  { wording = BUILD },
  { wording = "{names:text} are deployed" },
  { wording = { "[{count}] [{app}] pods ready", "{name} {other:name} pods ready" } },
}
local idx = wording.index(rules)
local function asked(text)
  local set, list = {}, wording.may(idx, text)
  for j = 1, #list do
    set[list[j]] = true
    if j > 1 and list[j] <= list[j - 1] then set.unordered = true end
  end
  return set
end
local may = asked("Deploy web at version 1.2.3")
t.ok(may[1] and not may[5] and not may[6], "may: the rules the first word opens")
t.ok(may[3] and may[4] and may[7] and not may.unordered, "may: with those always asked, in order")
t.ok(not may[2] and not may[8], "may: not those whose first literal the text has not there")
may = asked("then push web - also ffl")
t.ok(may[5] and not may[1], "may: an optional first group's words open too")
may = asked("ffl images are built")
t.ok(may[2] and not may[8], "may: a placeholder's rule whose literal is the text's word there")
t.ok(asked("3 web pods ready")[8] and asked("pods ready")[8] and asked("web pods ready")[8],
  "may: each variant's first literal counts, where it stands")
may = asked("")
t.ok(not may[1] and not may[2] and may[3] and not may[5] and not may[8], "may: a text of no words opens none")
local project = wording.types.project
wording.types.project = function(v) return v end
t.ok(asked("Deploy web at version 1.2.3")[2], "may: a type replaced before the literal: the rule is asked")
local replaced = asked("Deploy web at version 1.2.3")
t.ok(replaced[8] and replaced[1] and replaced[3] and not replaced.unordered, "... every keyed rule then, in order among the others")
wording.types.project = project
t.ok(not asked("Deploy web at version 1.2.3")[2], "... and not once it is the built-in again")
-- The lists made per first word hold the rules always asked before and after
-- the word's first rule; a wording list that does not read is always asked.
do
  local later = { { wording = "Ship it" }, { pattern = "^x" }, { wording = {} },
    { wording = { "Ship {name} now", "Halt it" } }, { wording = { "Halt {a:name}", 7 } }, { pattern = "^y" } }
  local ix2 = wording.index(later)
  local function list(text) return table.concat(wording.may(ix2, text), " ") end
  t.is(list("Ship it"), "1 2 3 4 5 6", "index: a word's list, the rules always asked before and after its first")
  t.is(list("Halt it"), "2 3 4 5 6", "index: a word first opened by a later rule")
  t.is(list("Nothing"), "2 3 5 6", "index: a word that opens none: those always asked")
end
t.ok(wording.indexes(idx, rules), "indexes: the rules hold the wordings read")
local held = rules[1].wording
rules[1].wording = "Ship {name}"
t.ok(not wording.indexes(idx, rules), "indexes: not once a wording is replaced")
rules[1].wording = held
rules[#rules + 1] = { wording = "Ship it" }
t.ok(not wording.indexes(idx, rules), "indexes: nor once a rule is added")
rules[#rules] = nil
local texts = { "", "Deploy web at version 1.2.3", "Deploy", "deploy x at version banana", "Roll out web",
  "Then push web - also ffl", "push web", "Build all ffl containers with version 0.1.18",
  "Build all nope containers with version 1", "Ship it", "ffl images are built", "- Deploy web", "`Deploy` web",
  "nope images are built", "images are built", "a b are deployed", "3 web pods ready", "web x pods ready",
  "pods ready", "x y z pods ready" }
local left_out, wrong = 0, {}
for _, text in ipairs(texts) do
  may = asked(text)
  for i, rule in ipairs(rules) do
    if not may[i] then
      left_out = left_out + 1
      local a, b, c = rule.wording and wording.match(rule.wording, text, config)
      if a ~= nil or b ~= nil or c ~= nil or not rule.wording then wrong[#wrong + 1] = i .. ": " .. text end
    end
  end
end
t.ok(left_out > 20 and #wrong == 0, "may: every rule left out matches, refuses and notes nothing",
  ("%d left out; wrong: %s"):format(left_out, table.concat(wrong, "; ")))
