#!/usr/bin/env bash
# Three Remedy nodes on 127.0.0.1 (three free ports in a row, or
# REMEDY_CLUSTER_PORT and the next two): they form a cluster through node a, elect a leader;
# the script kills the leader with SIGKILL and shows the others electing a
# new one. Exits 0 only if a new leader was elected within 5 s and no term
# ever had two leaders, and the cluster's healing orchestrator moved to the
# new leader.
#
#   examples/cluster/run.sh [path/to/remedy-node]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node="${1:-$here/../../build/release/remedy-node}"
# Three free ports in a row (nothing answers on them now), unless given.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base="${REMEDY_CLUSTER_PORT:-}"
for _ in $(seq 1 20); do
  [[ -n "$base" ]] && break
  try=$((20000 + RANDOM % 40000))
  port_free "$try" && port_free $((try + 1)) && port_free $((try + 2)) \
    && base=$try
done
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for i in 0 1 2; do
  name=$(printf "\\x$(printf %x $((97 + i)))")
  # Ports: a = base, b = base + 1, c = base + 2; seeds point at a.
  sed -e "s/127.0.0.1:[0-9]*/127.0.0.1:$base/" \
      -e "s/\"port\": [0-9]*/\"port\": $((base + i))/" \
      "$here/node_$name.json" > "$work/$name.json"
  "$node" --config "$work/$name.json" > "$work/$name.log" 2>&1 &
  pids+=($!)
  sleep 0.3
done

# The nodes' last log lines, when something went wrong.
show_logs() {
  for n in a b c; do
    echo "--- node $n (last lines)"
    tail -n 15 "$work/$n.log" 2>/dev/null || true
  done
}

# Wait (at most 20 s: a loaded machine starts three processes slowly) until
# every node has seen the two others up: killing the seed before a late
# node joined through it would leave that node alone.
for _ in $(seq 1 200); do
  all=1
  for n in a b c; do
    [[ "$(grep -c " node_up" "$work/$n.log" 2>/dev/null)" -ge 2 ]] || all=0
  done
  [[ $all -eq 1 ]] && break
  sleep 0.1
done
[[ $all -eq 1 ]] || {
  echo "the three nodes did not all see each other within 20 s"
  show_logs
  exit 1
}

leader_of() { # prints "term leader" lines seen in all logs
  grep -ho "leader of term [0-9]* is [a-z]*" "$work"/*.log \
    | sed 's/leader of term \([0-9]*\) is \([a-z]*\)/\1 \2/' | sort -u
}

for _ in $(seq 1 50); do
  [[ -n "$(leader_of)" ]] && break
  sleep 0.1
done
first="$(leader_of | tail -n 1)"
[[ -n "$first" ]] || { echo "no leader elected"; show_logs; exit 1; }
echo "leader: ${first#* } (term ${first%% *})"
idx=$(( $(printf '%d' "'${first#* }") - 97 ))
echo "killing ${first#* } (SIGKILL)"
start=$(date +%s%N)
kill -KILL "${pids[$idx]}"
next=""
for _ in $(seq 1 50); do
  next="$(leader_of | awk -v old="${first#* }" '$2 != old' | tail -n 1)"
  [[ -n "$next" ]] && break
  sleep 0.1
done
[[ -n "$next" ]] || { echo "no new leader within 5 s"; show_logs; exit 1; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "new leader: ${next#* } (term ${next%% *}) after ${ms} ms"
# The cluster's healing orchestrator (healing.scope "cluster") moves with
# the leadership.
moved=""
for _ in $(seq 1 30); do
  moved="$(grep -h "singleton 'healing': runs on ${next#* } as leader of term ${next%% *}" "$work"/*.log)"
  [[ -n "$moved" ]] && break
  sleep 0.1
done
[[ -n "$moved" ]] || { echo "the healing orchestrator did not move to ${next#* }"; exit 1; }
echo "healing orchestrator: ${moved#*] }"
echo "--- what the nodes said:"
grep -h "remedy.cluster" "$work"/*.log | cut -c12- | sort | grep -v "joined through"
dups="$(leader_of | awk '{print $1}' | uniq -d)"
[[ -z "$dups" ]] || { echo "two leaders in term $dups"; exit 1; }
echo "ok: one leader per term"
