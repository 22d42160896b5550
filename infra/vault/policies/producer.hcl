# producer: service accounts that authenticate with a Vault token (token auth).
# Writes secrets, issues certificates, encrypts. It cannot read secrets back or decrypt.

path "kv/data/*" {
  capabilities = ["create", "update"]
}

path "pki_int/issue/*" {
  capabilities = ["create", "update"]
}

path "transit/encrypt/*" {
  capabilities = ["update"]
}
