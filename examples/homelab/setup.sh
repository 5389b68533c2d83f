#!/bin/bash
# setup.sh LAB - build the homelab example in directory LAB (created):
#   LAB/infraexec.yaml, tasks/ (a git repo with docs/), projects/ffl and
#   projects/midwestmtg (git repos with a Containerfile per image and
#   scripts/build.sh), gitops/ (a git repo: ffl's HelmRelease, midwestmtg's
#   three HelmReleases in three files, kustomizations) pushed to its origin
#   gitops.git (a bare repository: what Flux would read), registry/ (a
#   self-signed certificate for 127.0.0.1 and the config of a docker-registry
#   on a free loopback port).  Start the registry with registry.sh start LAB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lab=${1:?usage: setup.sh LAB}
mkdir -p "$lab"
lab=$(cd "$lab" && pwd)

# A free loopback port: nothing answers on it.
port=""
for _ in $(seq 50); do
    p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "setup.sh: no free port found" >&2; exit 1; }
registry=127.0.0.1:$port

cp -R "$here/template/." "$lab/"
for p in "$lab"/projects/*/; do
    mkdir -p "$p/scripts"
    cp "$here/build.sh" "$p/scripts/build.sh"
done
find "$lab" -type f ! -path '*/containers/*' -exec \
    sed -i -e "s|@REGISTRY@|$registry|g" -e "s|@LAB@|$lab|g" {} +

mkdir -p "$lab/registry/certs" "$lab/registry/certs.d" "$lab/registry/data" "$lab/containers"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$lab/registry/certs/domain.key" -out "$lab/registry/certs/domain.crt" 2>/dev/null
cp "$lab/registry/certs/domain.crt" "$lab/registry/certs.d/ca.crt"
cat >"$lab/registry/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $lab/registry/data
  delete:
    enabled: true
http:
  addr: $registry
  tls:
    certificate: $lab/registry/certs/domain.crt
    key: $lab/registry/certs/domain.key
YAML

git_init() { # DIR: a repository on branch main with everything committed
    git -C "$1" init -q -b main
    git -C "$1" config user.name "Homelab Example"
    git -C "$1" config user.email "homelab@example.invalid"
    git -C "$1" add -A
    git -C "$1" commit -q -m "Initial import"
}
for p in "$lab"/projects/*/; do git_init "$p"; done
git_init "$lab/gitops"
git init -q --bare -b main "$lab/gitops.git"
git -C "$lab/gitops" remote add origin "$lab/gitops.git"
git -C "$lab/gitops" push -q origin main
printf 'projects/\ngitops/\ngitops.git/\nregistry/\ncontainers/\n.infraexec/\n' >"$lab/.gitignore"
git_init "$lab"
echo "$registry"
