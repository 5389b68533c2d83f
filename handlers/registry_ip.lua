-- registry_ip.lua - when the registry's address changes: the address in
-- every configured file, the TLS certificate's subjectAltName (checked on
-- the file *and* on what the registry serves: TASK-001 was closed while
-- the old certificate was still served), no stale address left anywhere,
-- and the address recorded in the architecture doc.  What each rule does:
-- lua/infraexec/rules/registry_ip.lua.
local lazy = require "infraexec.core.lazy"
local rules = lazy.fns "infraexec.rules.registry_ip" -- loaded when one of its rules runs
local wording = require "infraexec.lib.wording"

return {
  description = "moves everything to a new registry address and proves it",
  rules = {
    { wording = "Update {project} .env.build.local to use {address}", description = "registry address in a project's .env.build.local",
      examples = { "Update ffl .env.build.local to use 127.0.0.1:5000" },
      kind = "action", observe = { "file.lacks", "file.contains" },
      run = wording.unpack(rules.update_env_file, "project", "address"),
      check = wording.unpack(rules.env_file_holds, "project", "address") },
    { wording = "Update {project} [{what:text}] registry URL[s] [in {where:text}]", description = "registry address in a project's build files",
      examples = { "Update triager build script default registry URL", "Update mtg_dev_agents registry URLs in Makefile and scripts" },
      kind = "action", observe = "file.lacks",
      run = wording.unpack(rules.update_project_files, "project") },
    { wording = "Update [the] {repo:name} registry certificate IP to {ip}", description = "issue and verify the registry certificate for an IP",
      examples = { "Update beckerkube registry certificate IP to 127.0.0.1" },
      kind = "action", observe = { "cert.san_ip", "registry.serves" },
      run = wording.unpack(rules.update_certificate, "repo", "ip"),
      check = wording.unpack(rules.certificate_holds, "repo", "ip") },
    { wording = "Verify no [other] hardcoded registry IPs [exist] [in any repository]", description = "no old address left in the search roots",
      examples = { "Verify no other hardcoded registry IPs exist in any repository" },
      kind = "assertion", observe = "file.absent_under",
      run = rules.no_stale_addresses, check = rules.no_stale_addresses },
    { wording = { "Document all IPs in {file:path}", "Document [the] registry {what:text} in {file:path}" }, description = "record the registry address in the architecture doc",
      examples = { "Document all IPs in docs/architecture.md" },
      kind = "action", observe = "file.contains",
      run = wording.unpack(rules.document, "what", "file") },
  },
}
