# producer-issuer: a CI system or a platform operator's token that hands out service-account
# tokens. It may create tokens from the producer token role only; the role fixes their policy
# (producer), makes them orphans and bounds their TTL. No other token path, no secrets.
# Mint one with: npm run vault:producer-token -w @flowstack/infra-vault

path "auth/token/create/producer" {
  capabilities = ["update"]
}
