#!/usr/bin/env bash
# One-shot bootstrap step 3 of docker-compose.fabric.yml (runs in hyperledger/fabric-tools:2.5): the
# sample chaincode as a service (CCaaS) packaged, installed on every peer, approved by both
# organisations and committed; its package ID is written to /state/chaincode/<name>.id for the
# chaincode server container. Idempotent: a committed definition is left alone.
set -euo pipefail
STATE=/state
CHANNEL=${CHANNEL:-mychannel}
NAME=${CHAINCODE_NAME:-sample}
VERSION=${CHAINCODE_VERSION:-1.0.0}
ADDRESS=${CHAINCODE_ADDRESS:-chaincode-sample:27040}
ORDERER=(-o orderer0.example.com:27010 --tls --cafile "$STATE/orgs/orderer/nodes/orderer0.example.com/tls/ca.crt")
PEERS="org1:Org1MSP:peer0.org1.example.com:27020 org1:Org1MSP:peer1.org1.example.com:27023 org2:Org2MSP:peer0.org2.example.com:27026 org2:Org2MSP:peer1.org2.example.com:27029"

as_peer() { # org msp host port
  export CORE_PEER_LOCALMSPID=$2
  export CORE_PEER_MSPCONFIGPATH="$STATE/orgs/$1/users/Admin@$1.example.com/msp"
  export CORE_PEER_ADDRESS="$3:$4"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_TLS_ROOTCERT_FILE="$STATE/orgs/$1/nodes/$3/tls/ca.crt"
}

work="$STATE/chaincode/$NAME-$VERSION"
mkdir -p "$work"
label="${NAME}_${VERSION}"
if [ ! -f "$work/$label.tar.gz" ]; then
  printf '{"address":"%s","dial_timeout":"10s","tls_required":false}\n' "$ADDRESS" > "$work/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$label" > "$work/metadata.json"
  tar -C "$work" -czf "$work/code.tar.gz" connection.json
  tar -C "$work" -czf "$work/$label.tar.gz" metadata.json code.tar.gz
fi
package_id=$(peer lifecycle chaincode calculatepackageid "$work/$label.tar.gz")

for spec in $PEERS; do
  IFS=: read -r org msp host port <<<"$spec"
  as_peer "$org" "$msp" "$host" "$port"
  if ! peer lifecycle chaincode queryinstalled | grep -q "$package_id"; then
    peer lifecycle chaincode install "$work/$label.tar.gz"
  fi
done

as_peer org1 Org1MSP peer0.org1.example.com 27020
if peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$NAME" >/dev/null 2>&1; then
  echo "$NAME is already committed on $CHANNEL"
else
  for spec in "org1:Org1MSP:peer0.org1.example.com:27020" "org2:Org2MSP:peer0.org2.example.com:27026"; do
    IFS=: read -r org msp host port <<<"$spec"
    as_peer "$org" "$msp" "$host" "$port"
    peer lifecycle chaincode approveformyorg "${ORDERER[@]}" -C "$CHANNEL" -n "$NAME" -v "$VERSION" --package-id "$package_id" --sequence 1
  done
  as_peer org1 Org1MSP peer0.org1.example.com 27020
  peer lifecycle chaincode commit "${ORDERER[@]}" -C "$CHANNEL" -n "$NAME" -v "$VERSION" --sequence 1 \
    --peerAddresses peer0.org1.example.com:27020 --tlsRootCertFiles "$STATE/orgs/org1/nodes/peer0.org1.example.com/tls/ca.crt" \
    --peerAddresses peer0.org2.example.com:27026 --tlsRootCertFiles "$STATE/orgs/org2/nodes/peer0.org2.example.com/tls/ca.crt"
fi
echo "$package_id" > "$STATE/chaincode/$NAME.id"
echo "chaincode $NAME $VERSION committed on $CHANNEL; package $package_id"
