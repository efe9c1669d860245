#!/usr/bin/env bash
# One-shot bootstrap step 2 of docker-compose.fabric.yml (runs in hyperledger/fabric-tools:2.5):
# the channel's genesis block from configtx.yaml, joined by the three orderers (channel
# participation API, no system channel) and by the four peers. Idempotent.
set -euo pipefail
STATE=/state
CHANNEL=${CHANNEL:-mychannel}
ORDERERS="orderer0.example.com:27010:27011 orderer1.example.com:27013:27014 orderer2.example.com:27016:27017"
PEERS="org1:Org1MSP:peer0.org1.example.com:27020 org1:Org1MSP:peer1.org1.example.com:27023 org2:Org2MSP:peer0.org2.example.com:27026 org2:Org2MSP:peer1.org2.example.com:27029"

dir="$STATE/channels/$CHANNEL"
block="$dir/genesis.block"
mkdir -p "$dir"
if [ ! -f "$block" ]; then
  configtxgen -configPath /etc/ledger-gateway/compose -profile AppChannel -channelID "$CHANNEL" -outputBlock "$block"
fi

for spec in $ORDERERS; do
  IFS=: read -r host _port admin <<<"$spec"
  tls="$STATE/orgs/orderer/nodes/$host/tls"
  args=(-o "$host:$admin" --ca-file "$tls/ca.crt" --client-cert "$tls/server.crt" --client-key "$tls/server.key")
  for _ in $(seq 1 60); do osnadmin channel list "${args[@]}" >/dev/null 2>&1 && break; sleep 1; done
  if osnadmin channel list "${args[@]}" --channelID "$CHANNEL" >/dev/null 2>&1; then
    echo "$host already has $CHANNEL"
  else
    osnadmin channel join "${args[@]}" --channelID "$CHANNEL" --config-block "$block"
  fi
done

for spec in $PEERS; do
  IFS=: read -r org msp host port <<<"$spec"
  export CORE_PEER_LOCALMSPID=$msp
  export CORE_PEER_MSPCONFIGPATH="$STATE/orgs/$org/users/Admin@$org.example.com/msp"
  export CORE_PEER_ADDRESS="$host:$port"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_TLS_ROOTCERT_FILE="$STATE/orgs/$org/nodes/$host/tls/ca.crt"
  for _ in $(seq 1 60); do peer channel list >/dev/null 2>&1 && break; sleep 1; done
  if peer channel list 2>/dev/null | grep -qx "$CHANNEL"; then
    echo "$host already joined $CHANNEL"
  else
    peer channel join -b "$block"
  fi
done
