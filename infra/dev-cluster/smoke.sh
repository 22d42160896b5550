#!/usr/bin/env bash
# Smoke test of a running cluster through Traefik (infra/dev-cluster/up.sh, or any deploy):
# the catalog lists products, an order is accepted with 202, then the worker stores it.
#   infra/dev-cluster/smoke.sh [base URL]        default http://127.0.0.1:8080
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
fail() { echo "smoke: $*" >&2; exit 1; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=process.argv[1].split(".").reduce((o,k)=>o?.[k],JSON.parse(s));process.stdout.write(v===undefined?"":String(v))})' "$1"; }

products=$(curl -fsS "$base/v1/products")
product=$(printf '%s' "$products" | field items.0.id)
[ -n "$product" ] || fail "GET /v1/products listed no product: $products"
echo "products listed; ordering $product"

key=smoke-$(date +%s)-$$
response=$(curl -sS -o /dev/null -w '%{http_code} %header{location}' -X POST "$base/v1/orders" \
  -H 'content-type: application/json' -H "idempotency-key: $key" \
  --data "{\"customerEmail\":\"smoke@example.com\",\"items\":[{\"productId\":\"$product\",\"quantity\":1}]}")
read -r code location <<<"$response"
[ "$code" = 202 ] || fail "POST /v1/orders answered $code, not 202"
echo "order accepted: $location"

for _ in $(seq 1 60); do
  status=$(curl -fsS "$base$location" | field status)
  if [ "$status" = stored ]; then echo "order stored"; exit 0; fi
  sleep 1
done
fail "order $location was not stored within 60 s (last status: ${status:-none})"
