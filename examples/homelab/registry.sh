#!/bin/sh
# registry.sh start|stop LAB - run the homelab's docker-registry (Debian's
# docker-registry package) on its loopback port with its TLS certificate.
set -eu
cmd=${1:?usage: registry.sh start|stop LAB}
lab=$(cd "${2:?usage: registry.sh start|stop LAB}" && pwd)
pidfile=$lab/registry/registry.pid
case $cmd in
start)
    docker-registry serve "$lab/registry/config.yml" >"$lab/registry/registry.log" 2>&1 &
    echo $! >"$pidfile"
    addr=$(sed -n 's/^  addr: //p' "$lab/registry/config.yml")
    for _ in $(seq 100); do
        if curl -sf --cacert "$lab/registry/certs/domain.crt" "https://$addr/v2/" >/dev/null; then
            exit 0
        fi
        sleep 0.1
    done
    echo "registry.sh: registry on $addr did not come up; see $lab/registry/registry.log" >&2
    exit 1 ;;
stop)
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi ;;
*) echo "usage: registry.sh start|stop LAB" >&2; exit 2 ;;
esac
