#!/bin/bash
# registry.sh start|stop|restart LAB - run the homelab's docker-registry
# (Debian's docker-registry package) on its loopback port with its TLS
# certificate; restart makes it load a new certificate.
set -eu
usage="usage: registry.sh start|stop|restart LAB"
cmd=${1:?$usage}
lab=$(cd "${2:?$usage}" && pwd)
pidfile=$lab/registry/registry.pid
case $cmd in
start)
    docker-registry serve "$lab/registry/config.yml" >"$lab/registry/registry.log" 2>&1 &
    echo $! >"$pidfile"
    addr=$(sed -n 's/^  addr: //p' "$lab/registry/config.yml")
    host=${addr%:*} port=${addr##*:}
    pid=$(cat "$pidfile")
    # Up to 30 s: on a loaded machine the registry has taken over 10.
    for _ in $(seq 300); do
        # Liveness only: whether its certificate is right is for the tests.
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then exit 0; fi
        kill -0 "$pid" 2>/dev/null || break # it exited (the port taken, a bad config)
        sleep 0.1
    done
    echo "registry.sh: registry on $addr did not come up; its log ($lab/registry/registry.log) ends:" >&2
    tail -n 5 "$lab/registry/registry.log" >&2
    exit 1 ;;
stop)
    if [ -f "$pidfile" ]; then
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
        rm -f "$pidfile"
    fi ;;
restart)
    "$0" stop "$lab"
    exec "$0" start "$lab" ;;
*) echo "$usage" >&2; exit 2 ;;
esac
