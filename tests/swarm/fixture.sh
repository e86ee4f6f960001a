#!/usr/bin/env bash
# A real three-host Docker Swarm on one machine, for the swarm end-to-end tests.
#
#   fixture.sh up   DIR PREFIX SUBNET IMAGE...   three engines, one swarm, IMAGEs loaded on each
#   fixture.sh stop  DIR PREFIX N                engine N killed by process id (a lost host)
#   fixture.sh start DIR PREFIX N                engine N started again on its data
#   fixture.sh down DIR PREFIX                   everything `up` made, removed (also half-made)
#
# Each engine is a `dockerd` in a network namespace of its own (PREFIX-1..3), entered with
# nsenter inside a private mount namespace (a sysfs of its own with the host's cgroup mounts
# moved back on top: `ip netns exec` hides them) and a UTS namespace of its own (its host name
# is PREFIX-N, which `node.hostname` constraints see). The namespaces are joined by a bridge in a
# namespace of its own (PREFIX-br): a bridge in the host's namespace falls under the host's
# FORWARD DROP rule. Engine 1 is the manager; 2 and 3 join as workers. SUBNET is the first three
# octets of a private /24 for the links (for example 10.210.7); the swarm's overlay networks take
# their addresses from SUBNET's /16 + 1 (10.211.0.0/16 for 10.210.7).
#
# DIR/engines lists `N PID SOCKET` per engine; `down` stops the engines by those process ids,
# kills what is left in the namespaces by process id, and removes namespaces and links. A shell
# script because every step is `ip`, `nsenter` and `docker`: the Rust side (tests/harness/swarm.rs)
# calls `down` from a Drop guard, and this script traps its own failures.
set -euo pipefail

cmd=${1:?usage: fixture.sh up|down DIR PREFIX [SUBNET IMAGE...]}
dir=${2:?DIR}
prefix=${3:?PREFIX}

engine_sock() { echo "$dir/e$1/docker.sock"; }

down() {
    set +e
    if [ -f "$dir/engines" ]; then
        while read -r n pid _sock; do
            kill -TERM "$pid" 2>/dev/null
        done <"$dir/engines"
        for _ in $(seq 50); do
            alive=0
            while read -r n pid _sock; do
                kill -0 "$pid" 2>/dev/null && alive=1
            done <"$dir/engines"
            [ $alive = 0 ] && break
            sleep 0.2
        done
        while read -r n pid _sock; do
            kill -KILL "$pid" 2>/dev/null
        done <"$dir/engines"
    fi
    for n in 1 2 3; do
        ns="$prefix-$n"
        if [ -e "/run/netns/$ns" ]; then
            # What the engine left running there (containerd, shims, fuse-overlayfs, nodeos).
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
            sleep 0.2
            ip netns del "$ns"
        fi
    done
    [ -e "/run/netns/$prefix-br" ] && ip netns del "$prefix-br"
    # The engines' files: mounts lived in their private mount namespaces, gone with them.
    rm -rf "$dir"
    return 0
}

# Starts engine N in its namespaces; its process id goes to DIR/engines.
start_engine() {
    local n=$1 ns="$prefix-$1" e="$dir/e$1"
    mkdir -p "$e/data" "$e/exec" "$e/cg"
    echo '{}' >"$e/daemon.json"
    # Its own sysfs (for the namespace's devices) with the host's cgroup mounts back on top.
    nsenter --net="/run/netns/$ns" unshare -m -u sh -c "
        mount --make-rprivate /
        mount --rbind /sys/fs/cgroup '$e/cg'
        mount -t sysfs sysfs /sys
        mount --move '$e/cg' /sys/fs/cgroup
        hostname '$ns'
        exec dockerd --config-file '$e/daemon.json' --data-root '$e/data' --exec-root '$e/exec' \
            -H 'unix://$e/docker.sock' --pidfile '$e/docker.pid' --storage-driver fuse-overlayfs \
            --bridge none --iptables=false --ip-forward=false --ip-masq=false --mtu 1400
    " >>"$e/dockerd.log" 2>&1 &
    echo "$n $! $e/docker.sock" >>"$dir/engines"
}

wait_engine() {
    for _ in $(seq 100); do
        docker -H "unix://$(engine_sock "$1")" version >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    docker -H "unix://$(engine_sock "$1")" version >/dev/null
}

if [ "$cmd" = stop ]; then
    # Engine N (argument 4) stopped at once, as a host that is lost: its process and what runs
    # in its namespace killed by process id. The namespace and its link stay.
    n=${4:?N}
    pid=$(awk -v n="$n" '$1==n{print $2}' "$dir/engines" | tail -1)
    kill -KILL "$pid"
    for p in $(ip netns pids "$prefix-$n"); do kill -KILL "$p" 2>/dev/null || true; done
    exit 0
fi

if [ "$cmd" = start ]; then
    # Engine N started again on its data: it rejoins the swarm.
    start_engine "${4:?N}"
    wait_engine "$4"
    exit 0
fi

if [ "$cmd" = down ]; then
    down
    exit 0
fi

[ "$cmd" = up ] || { echo "unknown command $cmd" >&2; exit 2; }
subnet=${4:?SUBNET}
shift 4
images=("$@")

trap 'echo "fixture: up failed at line $LINENO, removing what was made" >&2; down' ERR

o1=${subnet%%.*}
rest=${subnet#*.}
o2=${rest%%.*}
pool="$o1.$((o2 + 1)).0.0/16"

mkdir -p "$dir"
: >"$dir/engines"
ip netns add "$prefix-br"
ip -n "$prefix-br" link add br0 type bridge
ip -n "$prefix-br" link set br0 up
ip -n "$prefix-br" link set lo up

for n in 1 2 3; do
    ns="$prefix-$n"
    ip netns add "$ns"
    ip link add "${prefix}v$n" type veth peer name "${prefix}p$n"
    ip link set "${prefix}v$n" netns "$ns"
    ip link set "${prefix}p$n" netns "$prefix-br"
    ip -n "$prefix-br" link set "${prefix}p$n" master br0
    ip -n "$prefix-br" link set "${prefix}p$n" up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "${prefix}v$n" name eth0
    ip -n "$ns" addr add "$subnet.$((10 + n))/24" dev eth0
    ip -n "$ns" link set eth0 up

    start_engine "$n"
done

for n in 1 2 3; do wait_engine "$n"; done

m="unix://$(engine_sock 1)"
docker -H "$m" swarm init --advertise-addr "$subnet.11" --listen-addr "$subnet.11:2377" \
    --default-addr-pool "$pool" >/dev/null
token=$(docker -H "$m" swarm join-token -q worker)
for n in 2 3; do
    docker -H "unix://$(engine_sock $n)" swarm join --token "$token" \
        --advertise-addr "$subnet.$((10 + n))" --listen-addr "$subnet.$((10 + n)):2377" "$subnet.11:2377" >/dev/null
done

# The images from the default engine, loaded on the three at once.
if [ ${#images[@]} -gt 0 ]; then
    docker save "${images[@]}" >"$dir/images.tar"
    pids=()
    for n in 1 2 3; do
        docker -H "unix://$(engine_sock $n)" load -q -i "$dir/images.tar" >/dev/null &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    rm -f "$dir/images.tar"
fi
trap - ERR
echo "$m"
