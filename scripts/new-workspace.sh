#!/usr/bin/env bash
# Lays out the boilerplate of a TypeScript workspace: scripts, tsconfigs, eslint config.
# usage: scripts/new-workspace.sh <dir> <@flowstack/name> "<description>"
set -euo pipefail
dir=$1 name=$2 desc=$3
mkdir -p "$dir/src"
rel=$(realpath --relative-to="$dir" .)
[ -f "$dir/package.json" ] || cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "description": "$desc",
  "exports": {
    ".": {
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    }
  },
  "files": ["dist"],
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "lint": "eslint . --max-warnings=0",
    "test": "vitest run"
  }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "$rel/tsconfig.json",
  "compilerOptions": {
    "outDir": "dist",
    "rootDir": "."
  },
  "include": ["src", "test", "*.ts"]
}
JSON
cat > "$dir/tsconfig.build.json" <<JSON
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
JSON
echo "export { default } from '@flowstack/eslint-config';" > "$dir/eslint.config.js"
