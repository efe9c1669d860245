#!/usr/bin/env bash
# One-shot bootstrap step 1 of docker-compose.fabric.yml (runs in hyperledger/fabric-ca:1.5): every
# identity of the network registered and enrolled with its organisation's CA, into the same layout
# as the native network (src/localnet/cas.ts): <node home>/msp, <node home>/tls/{server.crt,server.key,ca.crt},
# orgs/<org>/msp (channel MSP), orgs/<org>/users/{Admin,user1}@<domain>. Idempotent: what exists is kept.
set -euo pipefail
STATE=/state

# org  mspId  domain  ca host:port  nodes (name:type ...)
ORGS=(
  "orderer OrdererMSP example.com ca.example.com:27000 orderer0:orderer orderer1:orderer orderer2:orderer"
  "org1 Org1MSP org1.example.com ca.org1.example.com:27002 peer0:peer peer1:peer"
  "org2 Org2MSP org2.example.com ca.org2.example.com:27004 peer0:peer peer1:peer"
)

node_ou_config() { # $1: msp dir, $2: CA cert file name under cacerts/
  local ou
  {
    echo "NodeOUs:"
    echo "  Enable: true"
    for ou in Client Peer Admin Orderer; do
      echo "  ${ou}OUIdentifier:"
      echo "    Certificate: cacerts/$2"
      echo "    OrganizationalUnitIdentifier: $(echo "$ou" | tr '[:upper:]' '[:lower:]')"
    done
  } > "$1/config.yaml"
}

wait_for_ca() { # $1: host:port, $2: cert file
  for _ in $(seq 1 60); do
    [ -f "$2" ] && fabric-ca-client getcainfo -u "https://$1" --tls.certfiles "$2" -H "$(mktemp -d)" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "CA $1 did not answer" >&2
  exit 1
}

enroll_identity() { # org domain ca certfile name type dir hosts [attrs]
  local org=$1 domain=$2 ca=$3 certfile=$4 name=$5 type=$6 dir=$7 hosts=$8 attrs=${9:-}
  if [ -f "$dir/msp/signcerts/cert.pem" ] && [ -f "$dir/tls/server.crt" ]; then return 0; fi
  local reg=(register --id.name "$name" --id.secret "${name}pw" --id.type "$type" -u "https://$ca" --tls.certfiles "$certfile")
  [ -n "$attrs" ] && reg+=(--id.attrs "$attrs")
  FABRIC_CA_CLIENT_HOME="$STATE/orgs/$org/registrar" fabric-ca-client "${reg[@]}" 2>&1 | grep -v "already registered" || true
  local url="https://${name}:${name}pw@${ca}"
  FABRIC_CA_CLIENT_HOME="$dir" fabric-ca-client enroll -u "$url" -M "$dir/msp" --csr.hosts "$hosts" --tls.certfiles "$certfile"
  node_ou_config "$dir/msp" "$(ls "$dir/msp/cacerts" | head -1)"
  FABRIC_CA_CLIENT_HOME="$dir" fabric-ca-client enroll -u "$url" -M "$dir/tls-enroll" --enrollment.profile tls --csr.hosts "$hosts" --tls.certfiles "$certfile"
  mkdir -p "$dir/tls"
  cp "$dir/tls-enroll/signcerts/cert.pem" "$dir/tls/server.crt"
  cp "$dir/tls-enroll/keystore/$(ls "$dir/tls-enroll/keystore" | head -1)" "$dir/tls/server.key"
  cp "$dir/tls-enroll/tlscacerts/$(ls "$dir/tls-enroll/tlscacerts" | head -1)" "$dir/tls/ca.crt"
}

for spec in "${ORGS[@]}"; do
  read -r org msp domain ca nodes <<<"$spec"
  home="$STATE/orgs/$org"
  certfile="$home/ca/ca-cert.pem"
  wait_for_ca "$ca" "$certfile"
  if [ ! -f "$home/registrar/msp/signcerts/cert.pem" ]; then
    FABRIC_CA_CLIENT_HOME="$home/registrar" fabric-ca-client enroll -u "https://admin:adminpw@$ca" --tls.certfiles "$certfile"
  fi
  mkdir -p "$home/msp/cacerts" "$home/msp/tlscacerts"
  cp "$certfile" "$home/msp/cacerts/ca.pem"
  cp "$certfile" "$home/msp/tlscacerts/ca.pem"
  node_ou_config "$home/msp" ca.pem
  for node in $nodes; do
    name=${node%%:*}; type=${node##*:}
    enroll_identity "$org" "$domain" "$ca" "$certfile" "$name" "$type" "$home/nodes/$name.$domain" "localhost,127.0.0.1,$name.$domain"
  done
  enroll_identity "$org" "$domain" "$ca" "$certfile" "${org}admin" admin "$home/users/Admin@$domain" "localhost,127.0.0.1" "role=admin:ecert"
  if [ "$org" != orderer ]; then
    enroll_identity "$org" "$domain" "$ca" "$certfile" user1 client "$home/users/user1@$domain" localhost "role=user:ecert"
  fi
  echo "enrolled the identities of $msp"
done

# The gateway roles run as uid 1000 and read blocks as user1@org1 (LEDGER_CERT_PATH/LEDGER_KEY_PATH);
# fabric-ca-client writes keys 0600 as root. A development network: let them read user1's MSP.
chmod -R a+rX "$STATE/orgs/org1/users/user1@org1.example.com/msp" "$STATE/orgs/org2/users/user1@org2.example.com/msp"
