# tests/standin/lib.sh - start the kube STAND-IN (tests/standin/kube_standin.py)
# for a test and build its fixtures.  Source it after tests/lib.sh.
#
#   standin_start DIR [--tls]   serve the fixtures in DIR on a free loopback
#                               port; writes a kubeconfig whose context is
#                               "homelab" (namespace default) and exports
#                               KUBECONFIG, STANDIN_KUBECONFIG, STANDIN_URL,
#                               STANDIN_PID, STANDIN_LOG (one line per
#                               request), KUBECACHEDIR.  Stopped at exit.
#   standin_stop                stop it now (also run at exit).
#   standin_flux_at DIR REPO [CONFIG]  Flux as if it applied what REPO's
#                               origin holds: REPO pushed to its origin (a bare
#                               REPO.origin.git made when it has none), the
#                               Kustomization flux-system/flux-system at that
#                               commit, gitops.kustomization set in CONFIG.
#   standin_pod DIR NAME [opts] and standin_helmrelease, standin_kustomization,
#   standin_gitrepository, standin_sealedsecret, standin_secret, standin_job,
#   standin_service, standin_endpoints: write one fixture shaped like the real
#   object (options: `kube_standin.py make --help`), e.g.
#     standin_pod "$d" ffl-backend-7d9f --ns ffl --labels app=ffl \
#         --image reg/ffl:1.2 --state crashloop
#     standin_helmrelease "$d" ffl --ns ffl --ready false --revision 0.1.12
# It is a stand-in, not Kubernetes: read what it does not do in
# docs/standin.md before trusting a test built on it.
STANDIN_PY=${IX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/standin/kube_standin.py

standin_start() { # DIR [--tls]
    local dir=$1 tls=${2:-} state port i scheme=http ca=""
    state=$(mktemp -d "${T:-/tmp}/standin.XXXXXX")
    local args=(serve --dir "$dir" --port-file "$state/port" --parent-pid $$ --log "$state/requests.log")
    if [ "$tls" = --tls ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
            -addext subjectAltName=IP:127.0.0.1 -keyout "$state/key.pem" -out "$state/cert.pem" 2>/dev/null ||
            { echo "standin_start: openssl failed" >&2; return 1; }
        args+=(--tls-cert "$state/cert.pem" --tls-key "$state/key.pem")
        scheme=https
        ca="certificate-authority: $state/cert.pem"
    fi
    python3 "$STANDIN_PY" "${args[@]}" 2>"$state/stderr" &
    STANDIN_PID=$!
    for i in $(seq 100); do
        [ -s "$state/port" ] && break
        kill -0 "$STANDIN_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$state/port" ]; then
        echo "standin_start: the stand-in did not start: $(cat "$state/stderr")" >&2
        return 1
    fi
    port=$(cat "$state/port")
    STANDIN_URL=$scheme://127.0.0.1:$port
    STANDIN_KUBECONFIG=$state/kubeconfig
    cat >"$STANDIN_KUBECONFIG" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: standin
  cluster:
    server: $STANDIN_URL
    ${ca}
contexts:
- name: homelab
  context: {cluster: standin, user: standin, namespace: default}
current-context: homelab
users:
- name: standin
  user: {token: not-checked} # without credentials kubectl prompts for a password over https
YAML
    STANDIN_LOG=$state/requests.log
    export KUBECONFIG=$STANDIN_KUBECONFIG STANDIN_URL STANDIN_KUBECONFIG STANDIN_PID STANDIN_LOG
    export KUBECACHEDIR=$state/cache # not ~/.kube: discovery is cached per port
    # Keep whatever EXIT trap the test set, and stop the stand-in first.
    local prev
    prev=$(trap -p EXIT)
    eval "set -- $prev"
    trap "standin_stop; ${3:-}" EXIT
}

standin_stop() {
    if [ -n "${STANDIN_PID:-}" ]; then
        kill "$STANDIN_PID" 2>/dev/null
        wait "$STANDIN_PID" 2>/dev/null
        STANDIN_PID=
    fi
    return 0
}

_standin_make() { # KIND DIR NAME [opts]
    local kind=$1 dir=$2 name=$3
    shift 3
    python3 "$STANDIN_PY" make "$kind" --dir "$dir" --name "$name" "$@" >/dev/null
}
standin_pod() { _standin_make pod "$@"; }
standin_helmrelease() { _standin_make helmrelease "$@"; }
standin_kustomization() { _standin_make kustomization "$@"; }
standin_gitrepository() { _standin_make gitrepository "$@"; }
standin_sealedsecret() { _standin_make sealedsecret "$@"; }
standin_secret() { _standin_make secret "$@"; }
standin_job() { _standin_make job "$@"; }
standin_service() { _standin_make service "$@"; }
standin_endpoints() { _standin_make endpoints "$@"; }

standin_flux_at() { # DIR REPO [CONFIG]
    local dir=$1 repo=$2 cfg=${3:-} branch
    branch=$(git -C "$repo" symbolic-ref --short HEAD) || return 1
    if ! git -C "$repo" remote get-url origin >/dev/null 2>&1; then
        git init -q --bare -b "$branch" "$repo.origin.git"
        git -C "$repo" remote add origin "$repo.origin.git"
    fi
    git -C "$repo" push -q origin "$branch" || return 1
    standin_kustomization "$dir" flux-system --ns flux-system \
        --revision "$branch@sha1:$(git -C "$repo" rev-parse HEAD)"
    if [ -n "$cfg" ] && ! grep -q '^  kustomization:' "$cfg"; then
        sed -i 's|^gitops:$|&\n  kustomization: flux-system/flux-system|' "$cfg"
    fi
}
