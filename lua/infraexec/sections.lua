-- sections.lua - the infraexec.yaml sections the installed modules read,
-- declared here, at load, for all of them: those modules load on first use
-- (infraexec.core.lazy), after the config has been validated, so their
-- sections cannot wait for them.  Each declaration names its reader.
local ix = require "infraexec"
local config = require "infraexec.core.config"

-- registry.lua, observe/registry.lua; and what handlers/registry_ip.lua
-- changes and searches when the address moves.
config.declare{ "registry", "map", fields = {
  { "address", "addr" },                     -- host:port
  { "ca", "path", write = true },            -- CA file that signs the registry's certificate
  { "insecure_skip_verify", "bool", warn = "TLS verification of the registry is off "
    .. "(registry.insecure_skip_verify in infraexec.yaml): its answers prove less" },
  { "certificate", "path", write = true },   -- the registry's TLS certificate (registry_ip)
  { "key", "path", write = true },           -- and its key
  { "old_addresses", "addrs" },              -- addresses that must no longer appear
  { "restart", "argv" },                     -- makes the registry load a new certificate
} }
config.declare{ "registry_files", "paths", write = true } -- files that carry the registry address
config.declare{ "search_roots", "paths" }                 -- trees searched for stale addresses
config.declare{ "architecture_doc", "path", write = true }

-- project.lua
config.declare{ "projects", "named", fields = {
  { "path", "path", write = true, dir = true },
  { "build", "argv" },    -- run in path with REGISTRY_URL and VERSION set
  { "push", "argv" },     -- builds and pushes; default: build
  { "images", "strings" }, -- repositories the build pushes
  { "lint", "argv" },     -- optional extra validation (sec-lint.sh)
} }

-- act/gitops.lua; the keys of an app under gitops.apps: apps.lua
local app_fields = {
  { "helmrelease", "path" },    -- one-release form: file in the GitOps repository
  { "tags", "strings" },        -- and YAML paths of image tags in it
  { "releases", "list", fields = { -- or every release of the app: a document of a file
    { "file", "path" },         -- the file holding it
    { "document", "string" },   -- its metadata.name, or 0-based index; default 0
    { "name", "string" },       -- HelmRelease name; default: the document's
    { "namespace", "string" },  -- default: the app's, else the document's
    { "tags", "strings" },      -- YAML paths of image tags in that document
    { "selector", "string" },   -- label selector of its pods
    { "health", "urls" },       -- URLs that answer 2xx when it is healthy
    { "service", "string" },    -- its Service; default: the release's name
    { "jobs", "string" },       -- label selector of its migration / pre-install Jobs
    { "proxy", "urls" },        -- its URLs that answer only through its proxy to a backend
  } },
  { "project", "string" },      -- the project whose images it deploys
  { "namespace", "string" },    -- where its releases and pods live
  { "selector", "string" },     -- label selector of all its pods
  { "health", "urls" },         -- URLs that answer 2xx when it is healthy
  { "kustomization", "string" }, -- NAMESPACE/NAME of the Flux Kustomization applying it
  { "jobs", "string" },         -- label selector of its migration / pre-install Jobs
}

config.declare{ "gitops", "map", fields = {
  { "path", "path", write = true, dir = true },
  { "names", "strings" },        -- other names criteria use for the repository (beckerkube)
  { "apps", "named", fields = app_fields },
  { "validate", "argv" },        -- e.g. kubectl kustomize clusters/minikube
  { "reconcile", "argv" },       -- optional, e.g. flux reconcile ...
  { "lint", "argv" },
  { "remote", "string" },        -- pushed to before reconciling; default origin
  { "branch", "string" },        -- the branch Flux follows; default: the checked-out one
  { "kustomization", "string" }, -- NAMESPACE/NAME Flux applies the repository with
  { "archive", "string" },       -- folder in the repository retired directories move to
  { "health_ca", "path" },       -- CA of the apps' health URLs; default registry.ca
  },
  -- The repository must be on git.branch before a run changes it.
  preflight = function(g, cfg)
    local want = (cfg.git or {}).branch
    if not want or not g.path then return nil end
    local name, err = ix.git.branch(g.path)
    if not name then return (tostring(err):gsub("^infraexec%.git%.branch: ", "")) end
    if name ~= want then
      return ("gitops repository %s is on branch '%s', infraexec.yaml expects '%s' (git.branch)"):format(
        g.path, name, want)
    end
  end,
}

-- observe/kube.lua
config.declare{ "kube", "map", fields = {
  { "context", "string" },
  { "kubeconfig", "path" },
  { "settle", "duration" }, -- between the two reads of pods (restarts); default 10s
  { "stable", "duration" }, -- a healthy container ran this long without a crash; default 5m
  { "system", "strings" },  -- namespaces of the cluster's own pods, not an app's
  },
  -- kubectl must know the configured context (reads name it explicitly).
  preflight = function(k)
    if not k.context then return nil end
    local r = ix.run{ argv = { "kubectl", "config", "get-contexts", "-o", "name" }, timeout = 20,
                      env = k.kubeconfig and { KUBECONFIG = k.kubeconfig } or nil, read_only = true }
    if not r.ok then return "kubectl config get-contexts failed: " .. (r.error or r.output) end
    for line in r.output:gmatch("[^\n]+") do
      if line == k.context then return nil end
    end
    return ("kube context '%s' (kube.context) is not in the kubeconfig"):format(k.context)
  end,
}

return {}
