#!/usr/bin/env bash
# Makes every pretrained agent in assets/agents/ with the project's own training command.
# Usage: bash assets/agents/make_agents.sh [tabular|dqn|all]   (from the repository root)
# Each agent trains into runs/pretrained/NAME/ (checkpoint, metrics.csv, learning curve);
# only the checkpoint is copied here, as NAME.npz (a Q-table) or NAME.safetensors (a DQN).
set -euo pipefail
cd "$(dirname "$0")/../.."
which="${1:-all}"

make() {  # make NAME TRAIN-ARGUMENTS...
  local name=$1; shift
  rm -rf "runs/pretrained/$name"  # made again from nothing; train refuses to replace a run
  python main.py train "$@" --seed 0 --out "runs/pretrained/$name" --quiet
  cp "runs/pretrained/$name"/agent.* "assets/agents/$name.${ext}"
}

if [[ $which == tabular || $which == all ]]; then
  ext=npz
  make tictactoe-tabular tictactoe --agent tabular
  for map in lake4 lake8 cliff maze fourrooms; do
    make "gridworld-$map-tabular" gridworld --map "$map" --agent tabular
  done
  make invaders-tabular invaders --agent tabular
fi
if [[ $which == dqn || $which == all ]]; then
  ext=safetensors
  make tictactoe-dqn tictactoe --agent dqn --device cpu
  for map in lake4 lake8 cliff maze fourrooms; do
    make "gridworld-$map-dqn" gridworld --map "$map" --agent dqn --device cpu
  done
  make invaders-dqn invaders --agent dqn --device cpu
  # The map reader: one network for every map, trained on a stream of random maps.
  make gridworld-maps-dqn gridworld --agent dqn --device cpu --map random \
    --option size=8 --option obs_mode=map --option resample_map=true --option min_size=4
fi
