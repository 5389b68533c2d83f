#!/usr/bin/env python3
"""kube_standin.py - a STAND-IN for a Kubernetes API server, for tests only.

No Kubernetes API server or Flux controller can run on the test machines, so
the tests point the real `kubectl` at this loopback server through a
kubeconfig.  It answers the read-only part of the API that `kubectl get`
uses, serving objects from a fixture directory that the tests write:

  * discovery: /version, /api, /api/v1, /apis, /apis/GROUP, /apis/GROUP/VERSION
    (legacy discovery documents; kubectl falls back to them from aggregated
    discovery) for core v1, apps/v1, batch/v1, helm.toolkit.fluxcd.io
    (v2, v2beta2, v2beta1), kustomize.toolkit.fluxcd.io/v1,
    source.toolkit.fluxcd.io/v1 and bitnami.com/v1alpha1 (SealedSecret);
  * GET of a list (namespaced, or across all namespaces) and of one object,
    with labelSelector (=, ==, !=, in, notin, exists, !exists) and
    fieldSelector (metadata.name, metadata.namespace and a few per-kind
    fields; others are refused with 400 as the real server does);
  * JSON, or the meta.k8s.io/v1 Table kubectl asks for its default output
    (columns modelled on the real printers and CRD printer columns);
  * Status errors (404 NotFound, 400 BadRequest, 405 MethodNotAllowed) in
    the real shape, so kubectl prints its usual "Error from server" lines.

Fixtures: every *.json, *.yaml and *.yml file in the directory (not
recursive), holding one object, a List (`items`), or (YAML) several
documents.  Objects are matched by apiVersion group and kind.  The
directory is re-read on every request, so a test flips the world between
true and false by rewriting files; a subdirectory NAME.turns/ holds states
served one per request, in turn (see Turns), for a world that changes
between two reads of one run.  A fixture that does not parse makes
every request fail with 500 naming the file, so a broken fixture cannot
pass for an empty cluster.  YAML needs python3-yaml; JSON needs nothing.

What it does NOT do (it is not Kubernetes):
  * no writes: POST, PUT, PATCH and DELETE get 405 (no apply, no create,
    no annotate, no `flux reconcile`), and nothing ever changes by itself:
    no controllers, no reconciliation, no status updates, no garbage
    collection, no defaulting or validation of fixtures;
  * no watch (?watch=true gets 405), no chunking (limit is ignored and no
    `continue` token is returned), no resourceVersion semantics;
  * no authentication, authorization or admission: anyone on loopback reads
    everything; no impersonation;
  * no subresources (logs, exec, port-forward, status, scale), no
    OpenAPI documents (/openapi/v2 and /openapi/v3 are 404, so
    `kubectl explain` and client-side validation do not work), no
    aggregated discovery, no protobuf;
  * no version conversion: an object is served under any version of its
    group with only apiVersion rewritten;
  * Namespaces are synthesised from those the fixtures use (plus default,
    kube-system, flux-system) unless a Namespace fixture exists.

Usage:
  kube_standin.py serve --dir FIXTURES [--port 0] [--port-file F]
                  [--tls-cert C --tls-key K] [--parent-pid PID]
  kube_standin.py make KIND --dir FIXTURES --name NAME [options]
      write a fixture shaped like a real object (see `make --help`).
"""

import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse

# ---- the API surface: (group, versions, resources) ----------------------
# Each resource: plural, singular, kind, namespaced, shortNames, categories.
ALL = ["all"]
GROUPS = [
    ("", ["v1"], [
        ("pods", "pod", "Pod", True, ["po"], ALL),
        ("services", "service", "Service", True, ["svc"], ALL),
        ("endpoints", "endpoints", "Endpoints", True, ["ep"], []),
        ("secrets", "secret", "Secret", True, [], []),
        ("configmaps", "configmap", "ConfigMap", True, ["cm"], []),
        ("namespaces", "namespace", "Namespace", False, ["ns"], []),
        ("events", "event", "Event", True, ["ev"], []),
        ("serviceaccounts", "serviceaccount", "ServiceAccount", True, ["sa"], []),
        ("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", True, ["pvc"], []),
    ]),
    ("networking.k8s.io", ["v1"], [
        ("ingresses", "ingress", "Ingress", True, ["ing"], []),
    ]),
    ("apps", ["v1"], [
        ("deployments", "deployment", "Deployment", True, ["deploy"], ALL),
        ("replicasets", "replicaset", "ReplicaSet", True, ["rs"], ALL),
        ("statefulsets", "statefulset", "StatefulSet", True, ["sts"], ALL),
        ("daemonsets", "daemonset", "DaemonSet", True, ["ds"], ALL),
    ]),
    ("batch", ["v1"], [
        ("jobs", "job", "Job", True, [], ALL),
        ("cronjobs", "cronjob", "CronJob", True, ["cj"], ALL),
    ]),
    ("helm.toolkit.fluxcd.io", ["v2", "v2beta2", "v2beta1"], [
        ("helmreleases", "helmrelease", "HelmRelease", True, ["hr"], []),
    ]),
    ("kustomize.toolkit.fluxcd.io", ["v1"], [
        ("kustomizations", "kustomization", "Kustomization", True, ["ks"], []),
    ]),
    ("source.toolkit.fluxcd.io", ["v1"], [
        ("gitrepositories", "gitrepository", "GitRepository", True, ["gitrepo"], []),
        ("helmrepositories", "helmrepository", "HelmRepository", True, ["helmrepo"], []),
        ("helmcharts", "helmchart", "HelmChart", True, ["hc"], []),
        ("ocirepositories", "ocirepository", "OCIRepository", True, ["ocirepo"], []),
    ]),
    ("bitnami.com", ["v1alpha1"], [
        ("sealedsecrets", "sealedsecret", "SealedSecret", True, [], []),
    ]),
    ("rbac.authorization.k8s.io", ["v1"], [
        ("roles", "role", "Role", True, [], []),
        ("rolebindings", "rolebinding", "RoleBinding", True, [], []),
        ("clusterroles", "clusterrole", "ClusterRole", False, [], []),
        ("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", False, [], []),
    ]),
    ("argoproj.io", ["v1alpha1"], [
        ("workflowtemplates", "workflowtemplate", "WorkflowTemplate", True, ["wftmpl"], []),
        ("workflows", "workflow", "Workflow", True, ["wf"], []),
    ]),
]
VERBS = ["get", "list"]  # honest: nothing else works here


def group_of(api_version):
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def find_resource(group, version, plural):
    for g, versions, resources in GROUPS:
        if g == group and version in versions:
            for r in resources:
                if r[0] == plural:
                    return r
    return None


# ---- fixtures ------------------------------------------------------------
class FixtureError(Exception):
    pass


def load_fixtures(directory):
    objs = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        objs.extend(load_file(path, name))
    return objs


def load_file(path, name):
    """The objects of one fixture file (none when NAME is not .json/.yaml/.yml)."""
    if not name.endswith((".json", ".yaml", ".yml")):
        return []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if name.endswith(".json"):
            docs = [json.loads(text)] if text.strip() else []
        else:
            try:
                import yaml
            except ImportError:
                raise FixtureError("%s: YAML fixtures need python3-yaml" % path)
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except (ValueError, OSError) as e:
        raise FixtureError("%s: %s" % (path, e))
    except Exception as e:  # yaml.YAMLError and friends
        raise FixtureError("%s: %s" % (path, e))
    objs = []
    for d in docs:
        items = d.get("items") if isinstance(d, dict) and str(d.get("kind", "")).endswith("List") else [d]
        for o in items or []:
            if not isinstance(o, dict) or "kind" not in o or "apiVersion" not in o \
                    or not isinstance(o.get("metadata"), dict) or "name" not in o["metadata"]:
                raise FixtureError("%s: an object needs apiVersion, kind and metadata.name" % path)
            objs.append(o)
    return objs


class Turns:
    """Fixture directories NAME.turns/ whose files are served one per request, in turn.

    A world that changes between two reads (a restartCount climbing) without
    a race against the test: the files of NAME.turns/ (sorted by name) are
    its states; each request for a kind the current state holds is answered
    from it and moves on to the next, and the last one stays.  Rewriting any
    file of the directory starts it again from the first.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = {}  # directory -> (files and their mtimes, index of the next turn)

    def objects(self, directory, kind, group):
        objs = []
        with self.lock:
            for name in sorted(os.listdir(directory)):
                d = os.path.join(directory, name)
                if not name.endswith(".turns") or not os.path.isdir(d):
                    continue
                files = [f for f in sorted(os.listdir(d)) if not f.startswith(".")
                         and f.endswith((".json", ".yaml", ".yml")) and os.path.isfile(os.path.join(d, f))]
                if not files:
                    continue
                stamp = tuple((f, os.stat(os.path.join(d, f)).st_mtime_ns) for f in files)
                last, i = self.seen.get(d, (None, 0))
                if last != stamp:
                    i = 0
                turn = load_file(os.path.join(d, files[min(i, len(files) - 1)]), files[min(i, len(files) - 1)])
                if any(o["kind"] == kind and group_of(o["apiVersion"]) == group for o in turn):
                    i += 1
                self.seen[d] = (stamp, i)
                objs.extend(turn)
        return objs


def namespaces_of(objs):
    explicit = [o for o in objs if o["kind"] == "Namespace" and group_of(o["apiVersion"]) == ""]
    if explicit:
        return explicit
    names = {"default", "kube-system", "flux-system"}
    names.update(o["metadata"].get("namespace", "default") for o in objs)
    return [{"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": n, "labels": {"kubernetes.io/metadata.name": n}},
             "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
            for n in sorted(names)]


# ---- selectors -----------------------------------------------------------
def split_top(s):
    """Split a selector on commas outside parentheses."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


LABEL_RE = re.compile(r"^(!?)([A-Za-z0-9._/-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*)|\s+(in|notin)\s*\(([^)]*)\))?$")


def parse_labels(sel):
    reqs = []
    for part in split_top(sel):
        m = LABEL_RE.match(part)
        if not m or (m.group(1) and (m.group(3) or m.group(5))):
            raise ValueError("unable to parse requirement: %s" % part)
        neg, key, op, val, setop, setvals = m.groups()
        if op:
            reqs.append((key, "!=" if op == "!=" else "=", [val]))
        elif setop:
            reqs.append((key, setop, [v.strip() for v in setvals.split(",") if v.strip()]))
        else:
            reqs.append((key, "!exists" if neg else "exists", []))
    return reqs


def labels_match(reqs, labels):
    for key, op, vals in reqs:
        have = key in labels
        v = labels.get(key)
        if op == "=" and v != vals[0]:
            return False
        if op == "!=" and have and v == vals[0]:
            return False
        if op == "in" and v not in vals:
            return False
        if op == "notin" and have and v in vals:
            return False
        if op == "exists" and not have:
            return False
        if op == "!exists" and have:
            return False
    return True


def dig(obj, dotted):
    for p in dotted.split("."):
        obj = obj.get(p) if isinstance(obj, dict) else None
    return obj


FIELDS = {  # per kind, beyond metadata.name and metadata.namespace
    "Pod": ["status.phase", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "status.podIP"],
    "Secret": ["type"],
    "Event": ["involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid",
              "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
              "reason", "reportingComponent", "source", "type"],  # what kubectl describe asks
    "Job": ["status.successful"],
    "Namespace": ["status.phase"],
}


def parse_fields(sel, kind):
    reqs = []
    for part in split_top(sel):
        m = re.match(r"^([A-Za-z0-9._]+)\s*(==|=|!=)\s*(.*)$", part)
        if not m:
            raise ValueError("invalid selector: '%s'; can't understand '%s'" % (sel, part))
        field, op, val = m.groups()
        if field not in ["metadata.name", "metadata.namespace"] + FIELDS.get(kind, []):
            raise ValueError('field label not supported: %s' % field)
        reqs.append((field, op != "!=", val))
    return reqs


def fields_match(reqs, obj):
    for field, eq, val in reqs:
        v = dig(obj, field)
        v = "" if v is None else str(v)
        if (v == val) != eq:
            return False
    return True


# ---- Table output (modelled on kubectl's server-side printers) -----------
def age(ts, now):
    if not ts:
        return "<unknown>"
    try:
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return "<invalid>"
    s = int((now - t).total_seconds())
    if s < 0:
        return "<invalid>"
    # the steps of k8s.io/apimachinery/pkg/util/duration.HumanDuration
    m, h, d = s // 60, s // 3600, s // 86400
    if s < 120:
        return "%ds" % s
    if m < 10:
        return "%dm%ds" % (m, s % 60) if s % 60 else "%dm" % m
    if h < 3:
        return "%dm" % m
    if h < 8:
        return "%dh%dm" % (h, m % 60) if m % 60 else "%dh" % h
    if h < 48:
        return "%dh" % h
    if h < 192:
        return "%dd%dh" % (d, h % 24) if h % 24 else "%dd" % d
    if d < 730:
        return "%dd" % d
    return "%dy%dd" % (d // 365, d % 365) if d < 2920 else "%dy" % (d // 365)


def cond(obj, ctype, key):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c.get(key, "")
    return ""


def pod_status(pod):
    st = pod.get("status") or {}
    reason = st.get("reason") or st.get("phase") or "Unknown"
    cs = st.get("containerStatuses") or []
    ready = sum(1 for c in cs if c.get("ready"))
    restarts = sum(int(c.get("restartCount", 0)) for c in cs)
    last = None
    for c in reversed(cs):
        state = c.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            t = state["terminated"]
            reason = t.get("reason") or ("Signal:%s" % t["signal"] if t.get("signal") else "ExitCode:%s" % t.get("exitCode", 0))
        fin = ((c.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        if fin and (last is None or fin > last):
            last = fin
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    total = len((pod.get("spec") or {}).get("containers") or cs)
    return "%d/%d" % (ready, total), reason, restarts, last


def columns_for(kind, obj, now):
    """[(name, type, priority, value)] for one object of this kind."""
    md, st, sp = obj["metadata"], obj.get("status") or {}, obj.get("spec") or {}
    a = age(md.get("creationTimestamp"), now)
    if kind == "Pod":
        ready, reason, restarts, last = pod_status(obj)
        r = "%d (%s ago)" % (restarts, age(last, now)) if restarts and last else restarts
        return [("Ready", "string", 0, ready), ("Status", "string", 0, reason),
                ("Restarts", "string", 0, str(r)), ("Age", "string", 0, a),
                ("IP", "string", 1, st.get("podIP", "<none>")),
                ("Node", "string", 1, sp.get("nodeName", "<none>"))]
    if kind in ("HelmRelease", "Kustomization", "GitRepository", "HelmRepository", "HelmChart", "OCIRepository"):
        extra = [("URL", "string", 0, sp.get("url", ""))] if "Repository" in kind else []
        return extra + [("Age", "date", 0, a), ("Ready", "string", 0, cond(obj, "Ready", "status")),
                        ("Status", "string", 0, cond(obj, "Ready", "message"))]
    if kind == "SealedSecret":
        conds = st.get("conditions") or [{}]
        return [("Status", "string", 0, conds[0].get("message", "")),
                ("Synced", "string", 0, conds[0].get("status", "")), ("Age", "date", 0, a)]
    if kind == "Job":
        status = "Running"
        for c in st.get("conditions") or []:
            if c.get("status") == "True" and c.get("type") in ("Complete", "Failed", "Suspended"):
                status = c["type"]
        comp = "%d/%d" % (st.get("succeeded", 0), sp.get("completions", 1))
        return [("Status", "string", 0, status), ("Completions", "string", 0, comp),
                ("Age", "string", 0, a)]
    if kind == "Deployment":
        return [("Ready", "string", 0, "%d/%d" % (st.get("readyReplicas", 0), sp.get("replicas", 1))),
                ("Up-to-date", "integer", 0, st.get("updatedReplicas", 0)),
                ("Available", "integer", 0, st.get("availableReplicas", 0)), ("Age", "string", 0, a)]
    if kind == "Service":
        ports = ",".join("%s/%s" % (p.get("port"), p.get("protocol", "TCP")) for p in sp.get("ports") or [])
        return [("Type", "string", 0, sp.get("type", "ClusterIP")),
                ("Cluster-IP", "string", 0, sp.get("clusterIP", "<none>")),
                ("External-IP", "string", 0, "<none>"), ("Port(s)", "string", 0, ports or "<none>"),
                ("Age", "string", 0, a)]
    if kind == "Endpoints":
        eps = ["%s:%s" % (ad.get("ip"), p.get("port")) for s in obj.get("subsets") or []
               for ad in s.get("addresses") or [] for p in s.get("ports") or []]
        return [("Endpoints", "string", 0, ",".join(eps) or "<none>"), ("Age", "string", 0, a)]
    if kind == "Secret":
        return [("Type", "string", 0, obj.get("type", "Opaque")),
                ("Data", "integer", 0, len(obj.get("data") or {})), ("Age", "string", 0, a)]
    if kind == "ConfigMap":
        return [("Data", "integer", 0, len(obj.get("data") or {})), ("Age", "string", 0, a)]
    if kind == "Namespace":
        return [("Status", "string", 0, st.get("phase", "Active")), ("Age", "string", 0, a)]
    return [("Age", "string", 0, a)]


def table(kind, objs, include):
    now = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    defs = None
    for o in objs:
        cols = columns_for(kind, o, now)
        if defs is None:
            defs = [{"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0}] + \
                   [{"name": n, "type": t, "format": "", "description": n, "priority": p} for n, t, p, _ in cols]
        row = {"cells": [o["metadata"]["name"]] + [v for _, _, _, v in cols]}
        if include == "Object":
            row["object"] = o
        elif include != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o["metadata"]}
        rows.append(row)
    if defs is None:  # the columns still come from the kind
        dummy = {"metadata": {"name": ""}}
        defs = [{"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0}] + \
               [{"name": n, "type": t, "format": "", "description": n, "priority": p}
                for n, t, p, _ in columns_for(kind, dummy, now)]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "1"},
            "columnDefinitions": defs, "rows": rows}


# ---- HTTP ----------------------------------------------------------------
def status(code, reason, message, details=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": message, "reason": reason, "code": code}
    if details:
        s["details"] = details
    return code, s


def discovery(path, host):
    if path == "/version":
        return 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-standin",
                     "platform": "linux/amd64", "compiler": "standin"}
    if path == "/api":
        return 200, {"kind": "APIVersions", "versions": ["v1"],
                     "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]}

    def group_doc(g, versions):
        vs = [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in versions]
        return {"name": g, "versions": vs, "preferredVersion": vs[0]}

    if path == "/apis":
        return 200, {"kind": "APIGroupList", "apiVersion": "v1",
                     "groups": [group_doc(g, vs) for g, vs, _ in GROUPS if g]}
    parts = path.strip("/").split("/")
    for g, versions, resources in GROUPS:
        if parts == ["apis", g] and g:
            d = group_doc(g, versions)
            d.update(kind="APIGroup", apiVersion="v1")
            return 200, d
        gv_parts = ["api"] if not g else ["apis", g]
        if parts[:-1] == gv_parts and parts[-1] in versions:
            gv = parts[-1] if not g else "%s/%s" % (g, parts[-1])
            return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
                         "resources": [dict({"name": p, "singularName": s, "namespaced": ns, "kind": k,
                                             "verbs": VERBS, "shortNames": sn},
                                            **({"categories": c} if c else {}))
                                       for p, s, k, ns, sn, c in resources]}
    return None


def resource_path(parts):
    """(group, version, namespace|None, plural, name|None) or None."""
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    ns = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    elif len(rest) == 2 and rest[0] == "namespaces":  # GET /api/v1/namespaces/NAME
        return group, version, None, "namespaces", rest[1]
    if len(rest) == 1:
        return group, version, ns, rest[0], None
    if len(rest) == 2:
        return group, version, ns, rest[0], rest[1]
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "kube-standin"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if self.server.log:
            self.server.log.write("%s\n" % (fmt % args))
            self.server.log.flush()

    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse_write(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))  # keep the connection in step
        self.send_json(*status(405, "MethodNotAllowed",
                               "the kube stand-in is read-only: %s is not supported" % self.command))

    do_POST = do_PUT = do_PATCH = do_DELETE = refuse_write

    def do_GET(self):
        try:
            self.send_json(*self.answer())
        except FixtureError as e:
            self.send_json(*status(500, "InternalError", "kube stand-in fixture: %s" % e))

    def forbidden(self, plural, group):
        """RBAC, as the API server answers it: a file FORBIDDEN in the fixture
        directory names one resource a line (PLURAL or PLURAL.GROUP) the
        caller may not read."""
        try:
            with open(os.path.join(self.server.fixtures, "FORBIDDEN")) as f:
                denied = {line.strip() for line in f if line.strip()}
        except FileNotFoundError:
            return None
        full = plural + ("." + group if group else "")
        if full not in denied and plural not in denied:
            return None
        return status(403, "Forbidden", '%s is forbidden: User "system:serviceaccount:infraexec:infraexec" cannot '
                      'list resource "%s" in API group "%s" at the cluster scope' % (full, plural, group),
                      {"kind": plural, "group": group})

    def answer(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        path = url.path.rstrip("/") or "/"
        d = discovery(path, self.headers.get("Host", ""))
        if d:
            return d
        if q.get("watch") in ("1", "true"):
            return status(405, "MethodNotAllowed", "the kube stand-in does not support watch")
        rp = resource_path(path.strip("/").split("/"))
        res = rp and find_resource(rp[0], rp[1], rp[3])
        if not res:
            return status(404, "NotFound", "the server could not find the requested resource",
                          {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})
        group, version, ns, plural, name = rp
        _, _, kind, namespaced, _, _ = res
        denied = self.forbidden(plural, group)
        if denied:
            return denied
        api_version = "%s/%s" % (group, version) if group else version
        objs = load_fixtures(self.server.fixtures) + self.server.turns.objects(self.server.fixtures, kind, group)
        if kind == "Namespace":
            objs = namespaces_of(objs)
        sel = []
        for o in objs:
            if o["kind"] != kind or group_of(o["apiVersion"]) != group:
                continue
            if namespaced and ns is not None and o["metadata"].get("namespace", "default") != ns:
                continue
            o = dict(o, apiVersion=api_version)  # no conversion: see the header
            if namespaced:
                o["metadata"] = dict(o["metadata"], namespace=o["metadata"].get("namespace", "default"))
            sel.append(o)
        try:
            lreqs = parse_labels(q.get("labelSelector", ""))
            freqs = parse_fields(q.get("fieldSelector", ""), kind)
        except ValueError as e:
            return status(400, "BadRequest", str(e))
        want_table = "as=Table" in self.headers.get("Accept", "")
        if name is not None:
            for o in sel:
                if o["metadata"]["name"] == name:
                    return 200, table(kind, [o], q.get("includeObject")) if want_table else o
            return status(404, "NotFound", '%s "%s" not found' % (plural if not group else plural + "." + group, name),
                          {"name": name, "group": group, "kind": plural})
        sel = [o for o in sel if labels_match(lreqs, o["metadata"].get("labels") or {}) and fields_match(freqs, o)]
        sel.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        if want_table:
            return 200, table(kind, sel, q.get("includeObject"))
        return 200, {"kind": kind + "List", "apiVersion": api_version,
                     "metadata": {"resourceVersion": "1"}, "items": sel}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def serve(args):
    if not os.path.isdir(args.dir):
        sys.exit("kube_standin: %s: not a directory" % args.dir)
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.fixtures = args.dir
    srv.turns = Turns()
    srv.log = open(args.log, "a") if args.log else None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if args.parent_pid:  # never outlive the test that started it
        def watch():
            while True:
                try:
                    os.kill(args.parent_pid, 0)
                except OSError:
                    os._exit(0)
                time.sleep(1)
        threading.Thread(target=watch, daemon=True).start()
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    srv.serve_forever()


# ---- fixture builders: objects shaped like the real ones -----------------
def ts(minutes_ago=60):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(seconds):
    return ts(seconds / 60.0)


def meta(a, extra=None):
    m = {"name": a.name, "namespace": a.ns, "uid": uid(a.ns + "/" + a.name), "resourceVersion": "1",
         "generation": a.generation,
         "creationTimestamp": ago(a.created_ago) if a.created_ago is not None else ts(120)}
    if a.labels:
        m["labels"] = dict(kv.split("=", 1) for kv in a.labels.split(","))
    if extra:
        m.update(extra)
    return m


def uid(s):
    h = hashlib.sha1(s.encode()).hexdigest()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:32])


def condition(ctype, ok, reason, message, gen=None):
    c = {"type": ctype, "status": {"true": "True", "false": "False"}.get(ok, "Unknown"),
         "reason": reason, "message": message, "lastTransitionTime": ts(5)}
    if gen is not None:
        c["observedGeneration"] = gen
    return c


def make_pod(a):
    images = a.image or ["registry.invalid/app:latest"]
    state, restarts = a.state, a.restarts
    phase = {"pending": "Pending", "succeeded": "Succeeded", "failed": "Failed"}.get(state, "Running")
    ready = state == "ready"
    cs = []
    for i, img in enumerate(images):
        c = {"name": a.container if i == 0 and a.container else "c%d" % i if i else a.name.rsplit("-", 2)[0],
             "image": img, "imageID": "%s@sha256:%s" % (img.split(":")[0], hashlib.sha256(img.encode()).hexdigest()),
             "ready": ready, "started": state in ("ready", "notready"), "restartCount": restarts}
        if state == "crashloop":
            c["state"] = {"waiting": {"reason": "CrashLoopBackOff",
                                      "message": "back-off 5m0s restarting failed container=%s" % c["name"]}}
            c["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ts(3), "finishedAt": ts(2)}}
            c["restartCount"] = restarts or 7
        elif state == "configerror":  # what a missing Secret or ConfigMap key leaves
            c["state"] = {"waiting": {"reason": "CreateContainerConfigError",
                                      "message": 'secret "%s-env" not found' % c["name"]}}
        elif state == "imagepullbackoff":
            c["state"] = {"waiting": {"reason": "ImagePullBackOff",
                                      "message": 'Back-off pulling image "%s"' % img}}
        elif state == "pending":
            c["state"] = {"waiting": {"reason": "ContainerCreating"}}
        elif state in ("succeeded", "failed"):
            c["state"] = {"terminated": {"exitCode": 0 if state == "succeeded" else 1,
                                         "reason": "Completed" if state == "succeeded" else "Error",
                                         "startedAt": ts(30), "finishedAt": ts(29)}}
        else:
            started = a.started_ago if a.started_ago is not None else 3600
            c["state"] = {"running": {"startedAt": ago(started)}}
            if a.last_exit:  # a crash before this start: what a crash loop shows between two crashes
                reason, code, finished = a.last_exit.split(":")
                c["lastState"] = {"terminated": {"reason": reason, "exitCode": int(code),
                                                 "startedAt": ago(int(finished) + 30), "finishedAt": ago(int(finished))}}
        cs.append(c)
    all_ready = "True" if ready else "False"
    st = {"phase": phase, "hostIP": "192.168.49.2", "podIP": "10.244.0.%d" % (int(uid(a.name)[:2], 16) % 250 + 2),
          "startTime": ts(60), "qosClass": "BestEffort", "containerStatuses": cs,
          "conditions": [{"type": t, "status": s, "lastProbeTime": None, "lastTransitionTime": ts(60)}
                         for t, s in (("PodReadyToStartContainers", "True"), ("Initialized", "True"),
                                      ("Ready", all_ready), ("ContainersReady", all_ready),
                                      ("PodScheduled", "True"))]}
    md = {k: v for k, v in meta(a).items() if k != "generation"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": {"nodeName": "minikube", "restartPolicy": "Always",
                     "containers": [{"name": c["name"], "image": c["image"]} for c in cs]},
            "status": st}


def make_helmrelease(a):
    """spec asks for --revision; the status tells what the controller did.

    observedGeneration < generation (--observed) means the controller has not
    looked at the new spec yet: the status still speaks of --deployed.  A
    failed upgrade keeps the previous release deployed in the history, as
    Helm does.
    """
    want = a.revision or "0.1.0"
    chart = a.chart or a.name
    ok = a.ready
    gen = a.generation if a.observed is None else a.observed
    seen = gen >= a.generation  # the controller has acted on the current spec
    attempted = want if seen else (a.deployed or want)
    deployed = a.deployed or (attempted if ok == "true" else None)
    rel = "%s/%s.v%d" % (a.ns, a.name, gen)
    if ok == "true":
        ready = condition("Ready", ok, "UpgradeSucceeded", "Helm upgrade succeeded for release %s with chart %s@%s"
                          % (rel, chart, attempted if seen else deployed), gen)
    elif ok == "false":
        ready = condition("Ready", ok, a.reason or "UpgradeFailed", a.message or
                          "Helm upgrade failed for release %s with chart %s@%s: context deadline exceeded"
                          % (rel, chart, attempted), gen)
    else:
        ready = condition("Ready", ok, "Progressing", "Running 'upgrade' action with timeout of 5m0s", gen)

    def snapshot(version, chart_version, status):
        return {"name": a.name, "namespace": a.ns, "version": version, "status": status,
                "chartName": chart, "chartVersion": chart_version, "appVersion": a.tag or chart_version,
                "configDigest": "sha256:" + hashlib.sha256(chart_version.encode()).hexdigest(),
                "digest": "sha256:" + hashlib.sha256((a.name + chart_version).encode()).hexdigest(),
                "firstDeployed": ts(600), "lastDeployed": ts(5)}

    history = []
    if ok == "false" and seen:
        history.append(snapshot(gen + 1, attempted, "failed"))
    if deployed:
        history.append(snapshot(gen, deployed, "deployed"))
    st = {"observedGeneration": gen, "conditions": [ready, dict(ready, type="Released")],
          "helmChart": "flux-system/%s-%s" % (a.ns, a.name), "lastAttemptedGeneration": gen,
          "lastAttemptedRevision": attempted, "lastAttemptedReleaseAction": "upgrade",
          "storageNamespace": a.ns, "history": history}
    if a.api == "v2beta1":  # the older shape: lastAppliedRevision instead of history
        st.pop("history")
        if deployed:
            st["lastAppliedRevision"] = deployed
        st["lastReleaseRevision"] = gen
    spec = {"interval": "10m", "releaseName": a.name,
            "chart": {"spec": {"chart": chart, "version": want,
                               "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"}}}}
    if a.tag:
        spec["values"] = {"image": {"tag": a.tag}}
    return {"apiVersion": "helm.toolkit.fluxcd.io/" + a.api, "kind": "HelmRelease",
            "metadata": meta(a), "spec": spec, "status": st}


def make_kustomization(a):
    rev = a.revision or "main@sha1:" + hashlib.sha1(a.name.encode()).hexdigest()
    gen = a.generation if a.observed is None else a.observed
    if a.ready == "true":
        ready = condition("Ready", "true", "ReconciliationSucceeded", "Applied revision: " + (a.deployed or rev), gen)
    elif a.ready == "false":
        ready = condition("Ready", "false", a.reason or "ReconciliationFailed",
                          a.message or "kustomize build failed: accumulating resources", gen)
    else:
        ready = condition("Ready", "unknown", "Progressing", "Reconciliation in progress", gen)
    st = {"observedGeneration": gen, "conditions": [ready], "lastAttemptedRevision": rev}
    if a.ready == "true" or a.deployed:
        st["lastAppliedRevision"] = a.deployed or rev
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": meta(a),
            "spec": {"interval": "10m", "path": a.path or "./clusters/minikube", "prune": True,
                     "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
            "status": st}


def make_gitrepository(a):
    rev = a.revision or "main@sha1:" + hashlib.sha1(a.name.encode()).hexdigest()
    gen = a.generation if a.observed is None else a.observed
    ok = a.ready == "true"
    ready = condition("Ready", a.ready, "Succeeded" if ok else (a.reason or "GitOperationFailed"),
                      "stored artifact for revision '%s'" % rev if ok else (a.message or "failed to checkout"), gen)
    st = {"observedGeneration": gen, "conditions": [ready]}
    if ok:
        st["artifact"] = {"revision": rev, "path": "gitrepository/%s/%s/x.tar.gz" % (a.ns, a.name),
                          "digest": "sha256:" + hashlib.sha256(rev.encode()).hexdigest(), "lastUpdateTime": ts(5)}
    return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": meta(a),
            "spec": {"interval": "1m", "url": a.url or "ssh://git@gitea.invalid/homelab/gitops.git",
                     "ref": {"branch": "main"}}, "status": st}


def make_sealedsecret(a):
    ok = a.ready
    c = {"type": "Synced", "status": {"true": "True", "false": "False"}.get(ok, "Unknown"),
         "lastTransitionTime": ts(5), "lastUpdateTime": ts(5)}
    c["message"] = "" if ok == "true" else (a.message or "no key could decrypt secret (%s)" % (a.keys or "password"))
    if not c["message"]:
        c.pop("message")
    keys = (a.keys or "password").split(",")
    return {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": meta(a),
            "spec": {"encryptedData": {k: base64.b64encode(hashlib.sha256(k.encode()).digest() * 8).decode()
                                       for k in keys},
                     "template": {"metadata": {"name": a.name, "namespace": a.ns}, "type": "Opaque"}},
            "status": {"conditions": [c],
                       "observedGeneration": a.generation if a.observed is None else a.observed}}


def make_secret(a):
    keys = (a.keys or "password").split(",")
    md = {k: v for k, v in meta(a).items() if k != "generation"}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": md, "type": a.type or "Opaque",
            "data": {k: base64.b64encode(b"standin").decode() for k in keys}}


def make_job(a):
    st = {"startTime": ts(30)}
    if a.state == "complete":
        st.update(succeeded=1, completionTime=ts(29), ready=0, terminating=0,
                  conditions=[condition("SuccessCriteriaMet", "true", "CompletionsReached", "Reached expected number of succeeded pods"),
                              condition("Complete", "true", "CompletionsReached", "Reached expected number of succeeded pods")])
    elif a.state == "failed":
        st.update(failed=a.restarts or 7, ready=0, terminating=0,
                  conditions=[condition("FailureTarget", "true", a.reason or "BackoffLimitExceeded",
                                        a.message or "Job has reached the specified backoff limit"),
                              condition("Failed", "true", a.reason or "BackoffLimitExceeded",
                                        a.message or "Job has reached the specified backoff limit")])
    else:
        st.update(active=1, ready=0, terminating=0)
    for c in st.get("conditions", []):
        c["lastProbeTime"] = c["lastTransitionTime"]
    md = meta(a)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": md,
            "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 6,
                     "template": {"spec": {"restartPolicy": "Never",
                                           "containers": [{"name": a.name, "image": (a.image or ["registry.invalid/app:latest"])[0]}]}}},
            "status": st}


def make_service(a):
    md = {k: v for k, v in meta(a).items() if k != "generation"}
    return {"apiVersion": "v1", "kind": "Service", "metadata": md,
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.%d" % (int(uid(a.name)[:2], 16) % 250 + 2),
                     "selector": dict(kv.split("=", 1) for kv in a.labels.split(",")) if a.labels else {},
                     "ports": [{"name": "http", "port": a.port, "protocol": "TCP", "targetPort": a.port}]},
            "status": {"loadBalancer": {}}}


def make_endpoints(a):
    md = {k: v for k, v in meta(a).items() if k != "generation"}
    addrs = [{"ip": "10.244.0.%d" % (i + 10), "targetRef": {"kind": "Pod", "namespace": a.ns, "name": "%s-%d" % (a.name, i)}}
             for i in range(a.ready_count)]
    nready = [{"ip": "10.244.1.%d" % (i + 10)} for i in range(a.not_ready_count)]
    subset = {"ports": [{"name": "http", "port": a.port, "protocol": "TCP"}]}
    if addrs:
        subset["addresses"] = addrs
    if nready:
        subset["notReadyAddresses"] = nready
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": md,
            "subsets": [subset] if addrs or nready else []}


MAKERS = {"pod": make_pod, "helmrelease": make_helmrelease, "kustomization": make_kustomization,
          "gitrepository": make_gitrepository, "sealedsecret": make_sealedsecret, "secret": make_secret,
          "job": make_job, "service": make_service, "endpoints": make_endpoints}


def make(a):
    obj = MAKERS[a.kind](a)
    os.makedirs(a.dir, exist_ok=True)
    path = os.path.join(a.dir, "%s-%s-%s.json" % (a.kind, a.ns, a.name))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.rename(tmp, path)  # a request never sees half a file
    print(path)


def main():
    p = argparse.ArgumentParser(description="A Kubernetes API stand-in for tests (read-only; see the source).")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--dir", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--port-file")
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--parent-pid", type=int)
    s.add_argument("--log", help="append one line per request to this file")
    m = sub.add_parser("make", help="write a fixture; prints its path")
    m.add_argument("kind", choices=sorted(MAKERS))
    m.add_argument("--dir", required=True)
    m.add_argument("--name", required=True)
    m.add_argument("--ns", default="default")
    m.add_argument("--labels", default="", help="a=b,c=d")
    m.add_argument("--image", action="append", help="pod/job container image (repeat for more containers)")
    m.add_argument("--container", help="name of the first container")
    m.add_argument("--state", default="ready",
                   choices=["ready", "notready", "crashloop", "imagepullbackoff", "configerror", "pending", "succeeded",
                            "failed",
                            "complete", "running"],
                   help="pod: ready|notready|crashloop|imagepullbackoff|configerror|pending|succeeded|failed; "
                        "job: complete|failed|running")
    m.add_argument("--restarts", type=int, default=0)
    m.add_argument("--started-ago", type=int, help="pod: seconds since each running container's state.running.startedAt (default 3600)")
    m.add_argument("--last-exit", help="pod: REASON:EXITCODE:SECONDS_AGO, lastState.terminated of each running container")
    m.add_argument("--created-ago", type=int, help="metadata.creationTimestamp this many seconds ago (default 2h)")
    m.add_argument("--ready", default="true", choices=["true", "false", "unknown"],
                   help="Ready (HelmRelease, Kustomization, GitRepository) or Synced (SealedSecret)")
    m.add_argument("--revision", help="chart version (HelmRelease) or BRANCH@sha1:SHA (Kustomization)")
    m.add_argument("--deployed", help="revision actually applied, when it differs from --revision")
    m.add_argument("--tag", help="HelmRelease spec.values.image.tag and appVersion")
    m.add_argument("--chart")
    m.add_argument("--api", default="v2", choices=["v2", "v2beta2", "v2beta1"])
    m.add_argument("--generation", type=int, default=1)
    m.add_argument("--observed", type=int, help="status.observedGeneration (default: --generation)")
    m.add_argument("--reason")
    m.add_argument("--message")
    m.add_argument("--path")
    m.add_argument("--url")
    m.add_argument("--keys", help="secret data keys a,b")
    m.add_argument("--type")
    m.add_argument("--port", type=int, default=8080)
    m.add_argument("--ready-count", type=int, default=1)
    m.add_argument("--not-ready-count", type=int, default=0)
    a = p.parse_args()
    if a.cmd == "serve":
        serve(a)
    else:
        make(a)


if __name__ == "__main__":
    main()
