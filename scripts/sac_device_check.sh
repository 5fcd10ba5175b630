#!/usr/bin/env bash
# Times the soft actor-critic's paper-size networks (Table I: 512–256 units, batch 256) on
# burn's GPU backend (wgpu, which reaches NVIDIA GPUs through their Vulkan driver) and on
# its CPU backend, from the same seed, on examples/cavity_chain_sac.toml.
#
# Build with the GPU backend where the registries are reachable:
#   cargo build --release -p qbattery-cli --features sac-wgpu
# then run, on the machine with the GPU (the binary is all it needs):
#   bash scripts/sac_device_check.sh target/release/qbattery OUT [UPDATES]
# It prints the Vulkan drivers (ICDs) it finds, each device's `networks on …` line, its
# wall time and the milliseconds per training step with an update (UPDATES of them,
# default 2000, after 500 steps that only fill the buffer), and E(τ) of the best protocol.
set -euo pipefail
binary=${1:?usage: sac_device_check.sh BINARY OUT [UPDATES]}
out=${2:?usage: sac_device_check.sh BINARY OUT [UPDATES]}
updates=${3:-2000}
scenario=$(dirname "$0")/../examples/cavity_chain_sac.toml
mkdir -p "$out"

echo "== Vulkan drivers"
found=0
for dir in /usr/share/vulkan/icd.d /etc/vulkan/icd.d; do
  for f in "$dir"/*.json; do
    [ -e "$f" ] && { echo "$f"; found=1; }
  done
done
[ "$found" = 1 ] || echo "none in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader

for device in wgpu cpu; do
  echo "== device = \"$device\""
  rm -rf "$out/$device"
  start=$(date +%s.%N)
  if "$binary" optimize "$scenario" --out "$out/$device" \
    --set 'control.sac.preset="paper"' \
    --set "control.sac.device=\"$device\"" \
    --set "control.sac.steps=$((updates + 500))" \
    --set 'control.sac.random_steps=500' \
    --set 'control.sac.update_after=500' \
    --set 'control.sac.evaluate_every=500' \
    --set 'control.sac.checkpoint_every=0' \
    >"$out/$device.log" 2>&1; then
    end=$(date +%s.%N)
    grep "networks on" "$out/$device.log" || true
    python3 - "$out/$device/optimum.json" "$start" "$end" "$updates" <<'EOF'
import json, sys
path, start, end, updates = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
o = json.load(open(path))
wall = end - start
print(f"wall {wall:.1f} s (with the setup and the trajectories), "
      f"{1000 * o['training']['training_seconds'] / updates:.2f} ms per step with an update "
      f"(training {o['training']['training_seconds']:.1f} s, the 500 filling steps included), "
      f"E(tau) = {o['energy']:.4f}")
EOF
  else
    echo "failed:"
    tail -5 "$out/$device.log"
  fi
done
